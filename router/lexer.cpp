#include "router/lexer.hpp"

#include <array>
#include <cctype>

namespace shardwire::router {

namespace {
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
// Identifier characters: ASCII letters, digits, _ and $, and any byte of a multi-byte
// UTF-8 sequence (MySQL allows non-ASCII names unquoted).
bool is_ident(char c) {
  auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '_' || c == '$' || u >= 0x80;
}

// Character sets a `_name` introducer may name (MariaDB 10.11's, plus MySQL's utf8 and
// gb18030): `_latin1'x'` and `_latin1 'x'` are introduced strings, `_foo'x'` is the
// column _foo with the alias 'x'.
constexpr std::array<std::string_view, 42> charsets{
    "armscii8", "ascii", "big5", "binary", "cp1250", "cp1251", "cp1256", "cp1257", "cp850", "cp852", "cp866",
    "cp932", "dec8", "eucjpms", "euckr", "gb18030", "gb2312", "gbk", "geostd8", "greek", "hebrew", "hp8",
    "keybcs2", "koi8r", "koi8u", "latin1", "latin2", "latin5", "latin7", "macce", "macroman", "sjis", "swe7",
    "tis620", "ucs2", "ujis", "utf16", "utf16le", "utf32", "utf8", "utf8mb3", "utf8mb4"};

bool is_charset(std::string_view name) {
  for (auto c : charsets) {
    if (c.size() != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < c.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(name[i])) == c[i];
    }
    if (same) return true;
  }
  return false;
}

constexpr std::array<std::string_view, 12> long_ops{"<=>", "->>", "<=", ">=", "<>", "!=",
                                                     ":=",  "||",  "&&", "<<", ">>", "->"};

}  // namespace

char token_stream::at(std::size_t i) const { return i < s_.size() ? s_[i] : '\0'; }
bool token_stream::starts(std::string_view p) const { return s_.compare(i_, p.size(), p) == 0; }

token token_stream::make(token_kind k, std::size_t start, std::size_t len) {
  token t;
  t.kind = k;
  t.offset = start;
  t.text = s_.substr(start, len);
  return t;
}
token token_stream::fail(std::size_t start, std::string_view why) {
  token t;
  t.kind = token_kind::error;
  t.offset = start;
  t.text = why;
  i_ = s_.size();
  return t;
}

token token_stream::scan() {
  if (auto t = skip_space_and_comments(); t.kind != token_kind::end || i_ >= s_.size()) {
    if (t.kind != token_kind::end) return t;
    return make(token_kind::end, s_.size(), 0);
  }
  char c = s_[i_];
  std::size_t start = i_;
  if (c == '`') return quoted_identifier(start);
  if (c == '\'' || (c == '"' && !opts_.ansi_quotes)) return string(start, {});
  if (c == '"') return quoted_identifier(start);
  if (c == '@') return variable(start);
  if (c == '?') return ++i_, make(token_kind::placeholder, start, 1);
  if (is_digit(c) || (c == '.' && is_digit(at(i_ + 1)) && !after_name())) return number_or_word(start);
  if (is_ident(c)) return word(start);
  for (auto op : long_ops) {
    if (starts(op)) {
      i_ += op.size();
      return make(token_kind::op, start, op.size());
    }
  }
  ++i_;
  return make(token_kind::op, start, 1);
}

bool token_stream::after_name() const {
  return prev_ == token_kind::identifier || prev_ == token_kind::quoted_identifier;
}

// Returns a hint or error token if one is found, else an `end` token (meaning: go on).
token token_stream::skip_space_and_comments() {
  while (i_ < s_.size()) {
    char c = s_[i_];
    if (is_space(c)) {
      ++i_;
    } else if (c == '#' || (starts("--") && (i_ + 2 >= s_.size() || is_space(s_[i_ + 2]) ||
                                            static_cast<unsigned char>(s_[i_ + 2]) < 32))) {
      auto nl = s_.find('\n', i_);
      i_ = nl == std::string_view::npos ? s_.size() : nl + 1;
    } else if (starts("*/") && in_versioned_) {
      in_versioned_ = false;
      i_ += 2;
    } else if (starts("/*!") || starts("/*M!")) {
      if (in_versioned_) return fail(i_, "nested versioned comment");
      i_ += s_[i_ + 2] == 'M' ? 4 : 3;
      while (i_ < s_.size() && is_digit(s_[i_])) ++i_;  // the version: the server's is newer
      in_versioned_ = true;
    } else if (starts("/*")) {
      std::size_t start = i_;
      auto close = s_.find("*/", i_ + 2);
      if (close == std::string_view::npos) return fail(start, "unterminated comment");
      std::string_view body = s_.substr(start + 2, close - start - 2);
      i_ = close + 2;
      bool optimizer = !body.empty() && body[0] == '+';
      std::string_view trimmed = body;
      while (!trimmed.empty() && is_space(trimmed.front())) trimmed.remove_prefix(1);
      while (!trimmed.empty() && is_space(trimmed.back())) trimmed.remove_suffix(1);
      if (optimizer || trimmed.starts_with("shardwire:")) {
        token t;
        t.kind = token_kind::hint;
        t.offset = start;
        t.text = optimizer ? body.substr(1) : trimmed;
        return t;
      }
    } else {
      break;
    }
  }
  if (i_ >= s_.size() && in_versioned_) return fail(s_.size(), "unterminated versioned comment");
  return {};
}

token token_stream::quoted_identifier(std::size_t start) {
  char q = s_[i_++];
  std::size_t body = i_;
  for (;;) {
    auto close = s_.find(q, i_);
    if (close == std::string_view::npos) return fail(start, "unterminated quoted identifier");
    if (at(close + 1) == q) {  // doubled quote inside the name
      i_ = close + 2;
      continue;
    }
    i_ = close + 1;
    token t = make(token_kind::quoted_identifier, body, close - body);
    t.offset = start;
    t.quote = q;
    return t;
  }
}

token token_stream::string(std::size_t start, std::string_view charset) {
  char q = s_[i_++];
  std::size_t body = i_;
  while (i_ < s_.size()) {
    char c = s_[i_];
    if (c == '\\' && opts_.backslash_escapes) {
      i_ += 2;
    } else if (c == q && at(i_ + 1) == q) {
      i_ += 2;
    } else if (c == q) {
      token t = make(token_kind::string, body, i_ - body);
      t.offset = start;
      t.quote = q;
      t.charset = charset;
      ++i_;
      return t;
    } else {
      ++i_;
    }
  }
  return fail(start, "unterminated string");
}

token token_stream::variable(std::size_t start) {
  ++i_;
  bool system = at(i_) == '@';
  if (system) ++i_;
  char c = at(i_);
  if (c == '`' || (!system && (c == '\'' || c == '"'))) {  // @`x`, @'x', @"x", @@`x`
    token t = c == '`' ? quoted_identifier(i_) : string(i_, {});
    if (t.kind == token_kind::error) return t;
    t.kind = system ? token_kind::system_variable : token_kind::user_variable;
    t.offset = start;
    return t;
  }
  std::size_t name = i_;
  while (i_ < s_.size() && (is_ident(s_[i_]) || s_[i_] == '.')) ++i_;
  if (i_ == name) return fail(start, "empty variable name");
  token t = make(system ? token_kind::system_variable : token_kind::user_variable, name, i_ - name);
  t.offset = start;
  return t;
}

token token_stream::number_or_word(std::size_t start) {
  if (s_[i_] == '0' && (at(i_ + 1) == 'x' || at(i_ + 1) == 'b')) {
    bool hex = at(i_ + 1) == 'x';
    std::size_t j = i_ + 2;
    while (j < s_.size() && (hex ? is_hex(s_[j]) : (s_[j] == '0' || s_[j] == '1'))) ++j;
    if (j > i_ + 2 && !is_ident(at(j))) {
      token t = make(hex ? token_kind::hex : token_kind::bits, i_ + 2, j - i_ - 2);
      t.offset = start;
      i_ = j;
      return t;
    }
  }
  std::size_t j = i_;
  while (is_digit(at(j))) ++j;
  if (at(j) == '.') {
    ++j;
    while (is_digit(at(j))) ++j;
  }
  if ((at(j) == 'e' || at(j) == 'E') &&
      (is_digit(at(j + 1)) || ((at(j + 1) == '+' || at(j + 1) == '-') && is_digit(at(j + 2))))) {
    j += 2;
    while (is_digit(at(j))) ++j;
  }
  if (is_ident(at(j)) && s_[i_] != '.') return word(start);  // 1abc is a name in MySQL
  i_ = j;
  return make(token_kind::number, start, j - start);
}

token token_stream::word(std::size_t start) {
  while (i_ < s_.size() && is_ident(s_[i_])) ++i_;
  std::string_view w = s_.substr(start, i_ - start);
  char q = at(i_);
  // X'0F', B'01', N'text', _charset'text'
  if (q == '\'' && w.size() == 1 && (w[0] == 'x' || w[0] == 'X' || w[0] == 'b' || w[0] == 'B')) {
    token t = string(i_, {});
    if (t.kind == token_kind::error) return t;
    t.kind = (w[0] == 'x' || w[0] == 'X') ? token_kind::hex : token_kind::bits;
    t.offset = start;
    return t;
  }
  if ((q == '\'' || (q == '"' && !opts_.ansi_quotes)) && w.size() == 1 && (w[0] == 'n' || w[0] == 'N')) {
    token t = string(i_, "N");
    if (t.kind != token_kind::error) t.offset = start;
    return t;
  }
  if (w.size() > 1 && w[0] == '_' && is_charset(w.substr(1))) {
    // _charset'x', or with whitespace between: _charset 'x'
    std::size_t j = i_;
    while (j < s_.size() && is_space(s_[j])) ++j;
    char q2 = at(j);
    if (q2 == '\'' || (q2 == '"' && !opts_.ansi_quotes)) {
      i_ = j;
      token t = string(i_, w.substr(1));
      if (t.kind != token_kind::error) t.offset = start;
      return t;
    }
  }
  return make(token_kind::identifier, start, w.size());
}

token token_stream::next() {
  if (done_) return make(token_kind::end, s_.size(), 0);
  token t = scan();
  if (t.kind != token_kind::error) t.length = i_ - t.offset;
  t.versioned = in_versioned_;
  done_ = t.kind == token_kind::end || t.kind == token_kind::error;
  prev_ = t.kind;
  return t;
}

bool token::is_word(std::string_view upper_keyword) const {
  if (kind != token_kind::identifier || text.size() != upper_keyword.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(text[i])) != upper_keyword[i]) return false;
  }
  return true;
}

std::vector<token> lex(std::string_view sql, const lex_options& opts) {
  std::vector<token> out;
  token_stream ts(sql, opts);
  for (;;) {
    out.push_back(ts.next());
    if (out.back().kind == token_kind::end || out.back().kind == token_kind::error) return out;
  }
}

bool starts_with_keyword(std::string_view sql, std::string_view keyword) {
  std::size_t i = 0;
  while (i < sql.size()) {  // whitespace and comments; a versioned /*! comment is content
    if (is_space(sql[i])) {
      ++i;
    } else if (sql.compare(i, 2, "/*") == 0 && sql.compare(i, 3, "/*!") != 0 && sql.compare(i, 4, "/*M!") != 0) {
      auto end = sql.find("*/", i + 2);
      if (end == std::string_view::npos) return false;
      i = end + 2;
    } else if (sql[i] == '#' || (sql.compare(i, 2, "--") == 0 && (i + 2 == sql.size() || is_space(sql[i + 2])))) {
      auto end = sql.find('\n', i);
      if (end == std::string_view::npos) return false;
      i = end + 1;
    } else {
      break;
    }
  }
  if (sql.size() - i < keyword.size()) return false;
  for (std::size_t k = 0; k < keyword.size(); ++k) {
    if (std::toupper(static_cast<unsigned char>(sql[i + k])) != keyword[k]) return false;
  }
  return i + keyword.size() == sql.size() || !is_ident(sql[i + keyword.size()]);
}

std::string unescape_string(const token& t, const lex_options& opts) {
  std::string out;
  out.reserve(t.text.size());
  std::string_view s = t.text;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == t.quote && i + 1 < s.size() && s[i + 1] == t.quote) {
      out += c;
      ++i;
    } else if (c == '\\' && opts.backslash_escapes && i + 1 < s.size()) {
      char e = s[++i];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case '0': out += '\0'; break;
        case 'Z': out += '\x1A'; break;
        case '%': case '_': out += '\\'; out += e; break;  // LIKE wildcards keep the backslash
        default: out += e; break;
      }
    } else {
      out += c;
    }
  }
  return out;
}

std::string string_literal_value(std::string_view written, const lex_options& opts) {
  token t;
  t.kind = token_kind::string;
  t.quote = written.empty() ? '\'' : written.front();
  t.text = written.size() >= 2 && written.back() == t.quote ? written.substr(1, written.size() - 2) : written;
  return unescape_string(t, opts);
}

std::string ascii_upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace shardwire::router
