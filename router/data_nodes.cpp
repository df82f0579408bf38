#include "router/data_nodes.hpp"

namespace shardwire::router {

namespace {
using alternatives = std::vector<std::string>;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Non-negative integer of at most 9 digits; -1 otherwise.
long long small_number(std::string_view s) {
  if (s.empty() || s.size() > 9) return -1;
  long long x = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    x = x * 10 + (c - '0');
  }
  return x;
}

class expander {
 public:
  explicit expander(std::string_view pattern) : s_(pattern) {}

  expansion_result run() {
    std::vector<alternatives> segments;
    std::string literal;
    std::size_t total = 1;
    for (std::size_t i = 0; i < s_.size();) {
      if (s_.compare(i, 2, "${") == 0) {
        std::size_t close = s_.find('}', i + 2);
        std::size_t nested = s_.find("${", i + 2);
        if (close == std::string_view::npos) return error("unterminated ${ at offset " + std::to_string(i));
        if (nested < close) return error("nested ${ at offset " + std::to_string(nested));
        segments.push_back({std::move(literal)});
        literal.clear();
        alternatives group;
        std::string problem = parse_group(s_.substr(i + 2, close - i - 2), group);
        if (!problem.empty()) return error(problem + " at offset " + std::to_string(i));
        total *= group.size();
        if (total > max_expanded_names) {
          return error("expands to more than " + std::to_string(max_expanded_names) + " names");
        }
        segments.push_back(std::move(group));
        i = close + 1;
      } else if (s_[i] == '}') {
        return error("unmatched '}' at offset " + std::to_string(i));
      } else {
        literal += s_[i++];
      }
    }
    segments.push_back({std::move(literal)});
    alternatives out{""};
    for (const alternatives& seg : segments) {
      alternatives next;
      next.reserve(out.size() * seg.size());
      for (const std::string& prefix : out) {
        for (const std::string& alt : seg) next.push_back(prefix + alt);
      }
      out = std::move(next);
    }
    return out;
  }

 private:
  static expansion_result error(std::string what) { return expansion_result(boost::system::in_place_error, what); }

  // Returns a problem description, empty when `body` (between ${ and }) is valid.
  static std::string parse_group(std::string_view body, alternatives& out) {
    std::string shown = "${" + std::string(body) + "}";
    body = trim(body);
    if (body.size() >= 2 && body.front() == '[' && body.back() == ']') {
      std::string_view items = body.substr(1, body.size() - 2);
      for (std::size_t start = 0;;) {
        std::size_t comma = items.find(',', start);
        std::string_view item = trim(items.substr(start, comma == std::string_view::npos ? items.npos : comma - start));
        if (item.empty()) return "empty item in list " + shown;
        if (item.find_first_of("[]{$") != std::string_view::npos)
          return "bad item \"" + std::string(item) + "\" in " + shown;
        out.emplace_back(item);
        if (comma == std::string_view::npos) return "";
        start = comma + 1;
      }
    }
    std::size_t dots = body.find("..");
    if (dots == std::string_view::npos) return "expected ${a..b} or ${[x,y,...]}, got " + shown;
    std::string_view a_text = trim(body.substr(0, dots)), b_text = trim(body.substr(dots + 2));
    long long a = small_number(a_text), b = small_number(b_text);
    if (a < 0 || b < 0) return "expected non-negative integers of at most 9 digits in " + shown;
    if (a > b) return "descending range " + shown;
    if (b - a + 1 > static_cast<long long>(max_expanded_names)) {
      return shown + " expands to more than " + std::to_string(max_expanded_names) + " names";
    }
    const std::size_t width = a_text.size() > 1 && a_text[0] == '0' ? a_text.size() : 0;
    for (long long x = a; x <= b; ++x) {
      std::string text = std::to_string(x);
      if (text.size() < width) text.insert(0, width - text.size(), '0');
      out.push_back(std::move(text));
    }
    return "";
  }

  std::string_view s_;
};
}  // namespace

expansion_result expand_inline(std::string_view pattern) { return expander(pattern).run(); }

data_nodes_result expand_data_nodes(std::string_view pattern) {
  auto names = expand_inline(pattern);
  if (!names) return data_nodes_result(boost::system::in_place_error, names.error());
  std::vector<data_node> nodes;
  nodes.reserve(names->size());
  for (const std::string& name : *names) {
    std::size_t dot = name.find('.');
    if (dot == std::string::npos || name.find('.', dot + 1) != std::string::npos) {
      return data_nodes_result(boost::system::in_place_error, "expected \"database.table\", got \"" + name + "\"");
    }
    data_node n{"", name.substr(0, dot), name.substr(dot + 1)};
    if (!is_valid_object_name(n.database) || !is_valid_object_name(n.table)) {
      return data_nodes_result(boost::system::in_place_error, "invalid database or table name in \"" + name + "\"");
    }
    nodes.push_back(std::move(n));
  }
  return nodes;
}

bool is_valid_object_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '.' || c == '`' || c == '/' || c == '\\') return false;
  }
  return true;
}

}  // namespace shardwire::router
