#include "router/kill_statement.hpp"

#include <cctype>

namespace shardwire::router {

namespace {
// Skips whitespace and comments (/* */, -- , #). Versioned comments (/*! */) are
// content, not comments: stop at them, so they never hide a statement from us.
std::size_t skip_space(std::string_view s, std::size_t i) {
  while (i < s.size()) {
    if (std::isspace(static_cast<unsigned char>(s[i]))) {
      ++i;
    } else if (s.compare(i, 2, "/*") == 0 && s.compare(i, 3, "/*!") != 0) {
      auto end = s.find("*/", i + 2);
      if (end == std::string_view::npos) return s.size();
      i = end + 2;
    } else if (s[i] == '#' || (s.compare(i, 2, "--") == 0 && (i + 2 == s.size() || std::isspace(static_cast<unsigned char>(s[i + 2]))))) {
      auto end = s.find('\n', i);
      i = end == std::string_view::npos ? s.size() : end + 1;
    } else {
      break;
    }
  }
  return i;
}

std::string_view word_at(std::string_view s, std::size_t i) {
  std::size_t j = i;
  while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) ++j;
  return s.substr(i, j - i);
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) != b[i]) return false;
  }
  return true;
}
}  // namespace

std::optional<kill_statement> parse_kill(std::string_view sql) {
  std::size_t i = skip_space(sql, 0);
  if (!iequals(word_at(sql, i), "KILL")) return std::nullopt;
  i = skip_space(sql, i + 4);
  kill_statement k;
  auto w = word_at(sql, i);
  if (iequals(w, "HARD") || iequals(w, "SOFT")) {
    k.modifier = iequals(w, "HARD") ? "HARD" : "SOFT";
    i = skip_space(sql, i + w.size());
    w = word_at(sql, i);
  }
  if (iequals(w, "CONNECTION")) {
    i = skip_space(sql, i + w.size());
  } else if (iequals(w, "QUERY")) {
    k.kind = kill_statement::target::query;
    i = skip_space(sql, i + w.size());
    if (auto id = word_at(sql, i); iequals(id, "ID")) {
      k.kind = kill_statement::target::query_id;
      i = skip_space(sql, i + id.size());
    }
  } else if (iequals(w, "USER")) {
    k.kind = kill_statement::target::user;
    return k;
  }
  std::size_t digits = i;
  std::uint64_t id = 0;
  while (i < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i])) && i - digits < 19) {
    id = id * 10 + static_cast<std::uint64_t>(sql[i++] - '0');
  }
  bool have_id = i > digits && (i == sql.size() || !std::isalnum(static_cast<unsigned char>(sql[i])));
  i = skip_space(sql, i);
  if (i < sql.size() && sql[i] == ';') i = skip_space(sql, i + 1);
  if (!have_id || i != sql.size()) k.kind = kill_statement::target::unsupported;  // expression or batch
  k.id = id;
  return k;
}

}  // namespace shardwire::router
