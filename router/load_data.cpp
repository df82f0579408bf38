#include "router/load_data.hpp"

#include <algorithm>
#include <cctype>

#include "router/ast.hpp"
#include "router/formatter.hpp"
#include "router/key_generator.hpp"
#include "router/sharding_rule.hpp"

namespace shardwire::router {

namespace {
using protocol::errc;
using protocol::make_error;

protocol::sql_error refuse(const std::string& what) { return make_error(errc::not_supported, what); }
protocol::sql_error syntax(const token& t) {
  return make_error(errc::syntax_error, "LOAD DATA near '" + std::string(t.text) + "'");
}

bool name_token(const token& t) { return t.kind == token_kind::identifier || t.kind == token_kind::quoted_identifier; }

std::optional<std::string> hex_value(std::string_view digits) {
  if (digits.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < digits.size(); i += 2) {
    auto nib = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      c = static_cast<char>(c | 0x20);
      return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    };
    int hi = nib(digits[i]), lo = nib(digits[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

// A string or hex literal's value (terminators may be written X'0D0A').
std::optional<std::string> literal(const token& t, const lex_options& opts) {
  if (t.kind == token_kind::string) return unescape_string(t, opts);
  if (t.kind == token_kind::hex) return hex_value(t.text);
  return std::nullopt;
}

class load_parser {
 public:
  load_parser(std::string_view sql, const lex_options& opts) : sql_(sql), opts_(opts), t_(lex(sql, opts)) {}

  load_result parse() {
    if (t_.back().kind == token_kind::error) return syntax(t_.back());
    if (!word("LOAD") || !word("DATA")) return syntax(cur());
    std::string head = "LOAD DATA ";
    if (cur().is_word("LOW_PRIORITY") || cur().is_word("CONCURRENT")) head += std::string(t_[i_++].text) + " ";
    if (!word("LOCAL")) return refuse("LOAD DATA INFILE (not LOCAL) into a sharded table");
    if (!word("INFILE")) return syntax(cur());
    if (cur().kind != token_kind::string) return syntax(cur());
    s_.file = unescape_string(t_[i_++], opts_);
    head += "LOCAL INFILE 'shardwire' ";
    if (cur().is_word("REPLACE") || cur().is_word("IGNORE")) head += std::string(t_[i_++].text) + " ";
    if (!word("INTO") || !word("TABLE")) return syntax(cur());
    s_.head = head + "INTO TABLE ";
    if (!name_token(cur())) return syntax(cur());
    s_.table = std::string(t_[i_++].text);
    if (cur().is_op(".")) {
      ++i_;
      if (!name_token(cur())) return syntax(cur());
      s_.schema = s_.table;
      s_.table = std::string(t_[i_++].text);
    }
    std::size_t options_from = cur().offset;
    if (auto e = options()) return *e;
    std::string_view options = sql_.substr(options_from, cur().offset - options_from);
    while (!options.empty() && std::isspace(static_cast<unsigned char>(options.back()))) options.remove_suffix(1);
    if (!options.empty()) s_.options = " " + std::string(options);
    if (cur().is_word("IGNORE")) {
      ++i_;
      if (cur().kind != token_kind::number || cur().text.find_first_not_of("0123456789") != std::string_view::npos ||
          cur().text.size() > 18) {
        return syntax(cur());
      }
      s_.ignore_lines = std::stoull(std::string(t_[i_++].text));
      if (!word("LINES") && !word("ROWS")) return syntax(cur());
    }
    if (cur().is_op("(")) {
      ++i_;
      while (!cur().is_op(")")) {
        if (!name_token(cur()) && cur().kind != token_kind::user_variable) return syntax(cur());
        s_.columns.push_back(std::string(sql_.substr(cur().offset, cur().length)));
        ++i_;
        if (cur().is_op(",")) ++i_;
        else if (!cur().is_op(")")) return syntax(cur());
      }
      ++i_;
    }
    if (cur().is_word("SET")) {
      std::size_t from = cur().offset;
      while (cur().kind != token_kind::end && !cur().is_op(";")) ++i_;
      s_.set_clause = " " + std::string(sql_.substr(from, cur().offset - from));
    }
    if (cur().is_op(";")) ++i_;
    if (cur().kind != token_kind::end) return syntax(cur());
    if (s_.format.field_term.empty() && !s_.format.enclosed) {
      return refuse("LOAD DATA with fixed-width rows (FIELDS TERMINATED BY '' ENCLOSED BY '') into a sharded table");
    }
    if (s_.format.line_term.empty()) return refuse("LOAD DATA with LINES TERMINATED BY '' into a sharded table");
    return s_;
  }

 private:
  const token& cur() const { return t_[std::min(i_, t_.size() - 1)]; }
  bool word(std::string_view w) {
    if (!cur().is_word(w)) return false;
    ++i_;
    return true;
  }

  // `<option> BY 'value'` into `into`: absent (no such word here), set, or bad.
  enum class opt { absent, set, bad };
  opt string_option(std::string_view option, std::string& into) {
    if (!word(option)) return opt::absent;
    auto v = by_value();
    if (!v) return opt::bad;
    into = std::move(*v);
    return opt::set;
  }
  // The same for a one-character value ('' for none).
  opt char_option(std::string_view option, std::optional<char>& into) {
    std::string v;
    auto o = string_option(option, v);
    if (o != opt::set) return o;
    if (v.size() > 1) return opt::bad;
    into = v.empty() ? std::nullopt : std::optional<char>(v[0]);
    return opt::set;
  }

  // A `BY 'value'` after an option word.
  std::optional<std::string> by_value() {
    if (!word("BY")) return std::nullopt;
    auto v = literal(cur(), opts_);
    if (v) ++i_;
    return v;
  }

  std::optional<protocol::sql_error> options() {
    if (word("CHARACTER")) {
      if (!word("SET") || !name_token(cur())) return syntax(cur());
      ++i_;
    } else if (word("CHARSET")) {
      if (!name_token(cur()) && cur().kind != token_kind::string) return syntax(cur());
      ++i_;
    }
    if (word("FIELDS") || word("COLUMNS")) {
      for (bool any = true; any;) {
        auto terminated = string_option("TERMINATED", s_.format.field_term);
        bool optionally = word("OPTIONALLY");
        auto enclosed = char_option("ENCLOSED", s_.format.enclosed);
        auto escaped = char_option("ESCAPED", s_.format.escape);
        if (terminated == opt::bad || enclosed == opt::bad || escaped == opt::bad ||
            (optionally && enclosed != opt::set)) {
          return syntax(cur());
        }
        any = terminated == opt::set || enclosed == opt::set || escaped == opt::set;
      }
    }
    if (word("LINES")) {
      for (bool any = true; any;) {
        auto starting = string_option("STARTING", s_.format.line_start);
        auto terminated = string_option("TERMINATED", s_.format.line_term);
        if (starting == opt::bad || terminated == opt::bad) return syntax(cur());
        any = starting == opt::set || terminated == opt::set;
      }
    }
    return std::nullopt;
  }

  std::string_view sql_;
  lex_options opts_;
  std::vector<token> t_;
  std::size_t i_ = 0;
  load_data_stmt s_;
};

// The value of an escape sequence's second byte, as the server reads it.
char unescaped(char c) {
  switch (c) {
    case '0': return '\0';
    case 'b': return '\b';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'Z': return '\x1A';
    default: return c;
  }
}

}  // namespace

load_result parse_load_data(std::string_view sql, const lex_options& opts) { return load_parser(sql, opts).parse(); }

std::string load_node_statement(const load_data_stmt& s, std::string_view database, std::string_view table,
                                const std::vector<std::string>& extra) {
  std::string sql = s.head + format_identifier({std::string(database), true}) + "." +
                    format_identifier({std::string(table), true});
  sql += s.options;
  if (!s.columns.empty() || !extra.empty()) {
    sql += " (";
    bool first = true;
    auto add = [&](std::string_view column) {
      if (!first) sql += ", ";
      sql += column;
      first = false;
    };
    for (const auto& c : s.columns) add(c);
    for (const auto& c : extra) add(format_identifier({c, true}));
    sql += ")";
  }
  return sql + s.set_clause;
}

void load_splitter::feed(std::string_view bytes) {
  if (pos_ > 0) {  // what earlier records used is gone: memory is one record plus this feed
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  buf_.append(bytes);
}

load_splitter::esc load_splitter::take_escape(std::size_t& p, std::string& value) const {
  if (!f_.escape || buf_[p] != *f_.escape) return esc::none;
  if (p + 1 >= buf_.size() && !eof_) return esc::more;
  if (p + 1 < buf_.size()) value += unescaped(buf_[p + 1]);
  p += 2;  // (past the end only at the end of the file: the record ends there)
  return esc::taken;
}

bool load_splitter::at(std::size_t p, std::string_view s) const {
  return !s.empty() && buf_.size() - std::min(p, buf_.size()) >= s.size() && buf_.compare(p, s.size(), s) == 0;
}

void load_splitter::keep(load_record& r, std::size_t field, std::optional<std::string> value) const {
  for (std::size_t w = 0; w < wanted_.size(); ++w) {
    if (wanted_[w] == field) r.values[w] = value;
  }
}

// One record from `start`: complete (end = one past its terminator), more bytes needed,
// or (LINES STARTING BY) no prefix in what is left of the file.
load_splitter::scan load_splitter::scan_record(std::size_t start, load_record& out, std::size_t& end) {
  const std::size_t n = buf_.size();
  // Bytes a terminator check may need beyond a position before it can be decided.
  const std::size_t look = std::max(f_.field_term.size(), f_.line_term.size());
  std::size_t p = start;
  if (!f_.line_start.empty()) {
    std::size_t found = buf_.find(f_.line_start, start);
    if (found == std::string::npos) return eof_ ? scan::skip : scan::more;
    p = found + f_.line_start.size();
  }
  out.values.assign(wanted_.size(), std::nullopt);
  out.fields = 0;
  auto undecided = [&](std::size_t q) { return !eof_ && q + look > n; };
  for (;;) {  // one field per turn
    std::string value;
    bool null = false;
    bool enclosed = f_.enclosed && p < n && buf_[p] == *f_.enclosed;
    if (p >= n && !eof_) return scan::more;
    if (enclosed) {
      ++p;
      for (;;) {
        if (p >= n) {
          if (!eof_) return scan::more;
          break;  // an unclosed enclosure runs to the end of the file
        }
        auto escaped = take_escape(p, value);
        if (escaped == esc::more) return scan::more;
        if (escaped == esc::taken) continue;
        char c = buf_[p];
        if (c == *f_.enclosed) {
          if (p + 1 >= n && !eof_) return scan::more;
          if (p + 1 < n && buf_[p + 1] == *f_.enclosed) {
            value += c;
            p += 2;
            continue;
          }
          if (undecided(p + 1)) return scan::more;
          if (p + 1 >= n || at(p + 1, f_.field_term) || at(p + 1, f_.line_term)) {
            ++p;
            break;
          }
        }
        value += c;
        ++p;
      }
    } else {
      std::size_t from = p;
      for (;;) {
        if (p >= n) {
          if (!eof_) return scan::more;
          break;
        }
        if (undecided(p)) return scan::more;
        if (at(p, f_.field_term) || at(p, f_.line_term)) break;
        auto escaped = take_escape(p, value);
        if (escaped == esc::more) return scan::more;
        if (escaped == esc::taken) continue;
        char c = buf_[p];
        value += c;
        ++p;
      }
      null = f_.escape && p - from == 2 && buf_[from] == *f_.escape && buf_[from + 1] == 'N';
    }
    keep(out, out.fields++, null ? std::nullopt : std::optional<std::string>(std::move(value)));
    if (p >= n) {  // the end of the file ends the record
      out.terminated = false;
      end = n;
      return scan::complete;
    }
    if (at(p, f_.line_term)) {
      out.terminated = true;
      end = p + f_.line_term.size();
      return scan::complete;
    }
    if (at(p, f_.field_term)) {
      p += f_.field_term.size();
      if (p >= n && eof_) {  // a trailing separator: one more, empty field
        keep(out, out.fields++, std::string());
        out.terminated = false;
        end = n;
        return scan::complete;
      }
      continue;
    }
    if (undecided(p)) return scan::more;
    // An enclosed field followed by something else: the server takes it as text of the
    // next field; so does this scan (the field ends, the next one starts here).
  }
}

std::optional<load_record> load_splitter::next() {
  if (error_ || pos_ >= buf_.size()) return std::nullopt;
  load_record r;
  std::size_t end = 0;
  switch (scan_record(pos_, r, end)) {
    case scan::more:
      if (buf_.size() - pos_ > max_record_) error_ = true;
      return std::nullopt;
    case scan::skip:
      pos_ = buf_.size();
      return std::nullopt;
    case scan::complete:
      break;
  }
  if (end - pos_ > max_record_) {
    error_ = true;
    return std::nullopt;
  }
  r.bytes = std::string_view(buf_).substr(pos_, end - pos_);
  pos_ = end;
  return r;
}

namespace {
// A column list entry as a column name: `quoted` unquoted; nullopt for @variables.
std::optional<std::string> column_name(std::string_view written) {
  if (written.empty() || written[0] == '@') return std::nullopt;
  if (written.size() >= 2 && written.front() == '`' && written.back() == '`') {
    std::string out;
    for (std::size_t i = 1; i + 1 < written.size(); ++i) {
      out += written[i];
      if (written[i] == '`') ++i;  // `` is one backtick
    }
    return out;
  }
  return std::string(written);
}
}  // namespace

load_router::made load_router::make(const table_rule& rule, const load_data_stmt& s) {
  if (s.columns.empty()) {
    return refuse("LOAD DATA into sharded table " + rule.name() + " without a column list");
  }
  load_router r;
  r.rule_ = &rule;
  r.format_ = s.format;
  r.column_count_ = s.columns.size();
  std::vector<std::optional<std::string>> names;
  for (const auto& c : s.columns) names.push_back(column_name(c));
  auto index_of = [&](std::string_view column) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i] && same_column(*names[i], column)) return i;
    }
    return std::nullopt;
  };
  for (const auto& column : rule.sharding_columns()) {
    if (auto i = index_of(column)) {
      r.wanted_.push_back(*i);
      r.wanted_column_.push_back(column);
    }
  }
  // A sharding column the SET clause assigns would be computed by the server: unknown here.
  const auto set_tokens = lex(s.set_clause);
  for (const auto& column : rule.sharding_columns()) {
    for (const auto& tok : set_tokens) {
      if (name_token(tok) && same_column(tok.text, column)) {
        return refuse("LOAD DATA into sharded table " + rule.name() + " with sharding column " + column +
                      " in its SET clause");
      }
    }
  }
  const key_generator* keys = rule.key_generator();
  if (keys && !index_of(keys->column())) {
    r.extra_.push_back(keys->column());
    if (keys->type() == key_generator::kind::gene) {
      auto g = index_of(keys->gene_column());
      if (!g) return make_error(errc::no_default, keys->gene_column());
      r.gene_value_ = r.wanted_.size();
      r.wanted_.push_back(*g);
      r.wanted_column_.push_back(keys->gene_column());
    }
  }
  bool routed = !r.wanted_.empty();
  for (const auto& c : r.extra_) routed = routed || rule.is_sharding_column(c);
  if (!routed) return make_error(errc::no_default, rule.sharding_columns().front());
  return r;
}

boost::system::result<std::size_t, protocol::sql_error> load_router::route(const load_record& rec, std::uint64_t line,
                                                                             std::string& out) const {
  std::optional<std::int64_t> key;
  if (!extra_.empty()) {
    if (rec.fields != column_count_) {
      return refuse("LOAD DATA with a generated key: line " + std::to_string(line) + " has " +
                    std::to_string(rec.fields) + " fields for " + std::to_string(column_count_) + " columns");
    }
    std::int64_t gene = 0;
    if (gene_value_) {
      const auto& v = rec.values[*gene_value_];
      auto g = v ? int64_of(shard_value::of_string(*v)) : std::nullopt;
      if (!g) return make_error(errc::no_shard_for_value, v ? *v : std::string("NULL"));
      gene = *g;
    }
    key = rule_->key_generator()->next_id(gene);
    if (!first_key_) first_key_ = static_cast<std::uint64_t>(*key);
  }
  std::optional<std::size_t> node;
  auto settle = [&](const std::string& column, const shard_value& v, std::string_view shown)
      -> std::optional<protocol::sql_error> {
    auto n = rule_->route(column, v);
    if (!n) return make_error(errc::no_shard_for_value, std::string(shown));
    if (node && *node != *n) {
      return refuse("a line whose sharding columns route to different shards (line " + std::to_string(line) + ")");
    }
    node = n;
    return std::nullopt;
  };
  for (std::size_t w = 0; w < wanted_.size(); ++w) {
    if (gene_value_ && w == *gene_value_) continue;
    const auto& v = rec.values[w];
    if (!v) return make_error(errc::no_shard_for_value, "NULL");
    if (auto e = settle(wanted_column_[w], shard_value::of_string(*v), *v)) return *e;
  }
  if (key && rule_->is_sharding_column(extra_.front())) {
    if (auto e = settle(extra_.front(), shard_value::of_int(*key), std::to_string(*key))) return *e;
  }
  if (!node) return make_error(errc::no_default, rule_->sharding_columns().front());
  std::string_view body = rec.bytes;
  if (rec.terminated) body.remove_suffix(format_.line_term.size());
  out.append(body);
  if (key) {
    out += format_.field_term;
    out += std::to_string(*key);
  }
  out += format_.line_term;
  return {boost::system::in_place_value, *node};
}

}  // namespace shardwire::router
