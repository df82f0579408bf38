// MySQL/MariaDB SQL lexer: turns statement text into tokens over string_views of the
// input (no copies). Handles backtick identifiers with `` escapes, single/double
// quoted strings with backslash escapes and doubled quotes, charset introducers
// (_utf8mb4'x', N'x'), hex/bit literals (X'0F', 0x0F, B'01', 0b01), numbers,
// @user and @@system variables, `?` placeholders, multi-character operators, and
// comments: plain comments are skipped, `/*! ... */` and `/*!50700 ... */` versioned
// comments are lexed as SQL (the server executes them), and `/*+ ... */` optimizer
// hints and `/* shardwire:... */` hints are kept as hint tokens.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shardwire::router {

enum class token_kind : std::uint8_t {
  identifier,         // bare word: keyword or name (the parser decides)
  quoted_identifier,  // `name`; text() is the raw text between the backticks
  string,             // 'x' or "x"; raw text between the quotes, escapes not decoded
  number,             // 12, 1.5, .5e3
  hex,                // X'0F' or 0x0F (text() is the digits)
  bits,               // B'01' or 0b01 (text() is the digits)
  user_variable,      // @name, @`name`, @'name'  (text() is the name)
  system_variable,    // @@name, @@session.name  (text() is what follows @@)
  placeholder,        // ?
  op,                 // punctuation and operators: ( ) , ; . = <=> <= >= <> != := || && ...
  hint,               // /*+ ... */ or /* shardwire:... */ (text() is the comment body)
  end,                // end of input
  error,              // unterminated string/identifier/comment; text() says what
};

struct token {
  token_kind kind = token_kind::end;
  std::string_view text;    // see token_kind
  std::string_view charset; // introducer of a string: "utf8mb4" for _utf8mb4'x', "N" for N'x'
  std::size_t offset = 0;   // where the token starts in the statement
  std::size_t length = 0;   // its extent in the statement, quotes and prefixes included
  char quote = 0;           // for strings: ' or "
  bool versioned = false;   // inside a /*! ... */ or /*M! ... */ comment (code to the server)

  bool is(token_kind k) const { return kind == k; }
  bool is_op(std::string_view o) const { return kind == token_kind::op && text == o; }
  // Case-insensitive match of a bare word against an upper-case keyword.
  bool is_word(std::string_view upper_keyword) const;
};

struct lex_options {
  bool ansi_quotes = false;       // sql_mode ANSI_QUOTES: "x" is an identifier
  bool backslash_escapes = true;  // off under sql_mode NO_BACKSLASH_ESCAPES
};

// Tokens one at a time, in constant memory: for scans of statements of any size (a
// multi-megabyte INSERT) that need no token vector.
class token_stream {
 public:
  explicit token_stream(std::string_view sql, const lex_options& opts = {}) : s_(sql), opts_(opts) {}
  // The next token; after `end` or `error`, `end` again.
  token next();

 private:
  token scan();
  char at(std::size_t i) const;
  bool starts(std::string_view p) const;
  token make(token_kind k, std::size_t start, std::size_t len);
  token fail(std::size_t start, std::string_view why);
  bool after_name() const;
  token skip_space_and_comments();
  token quoted_identifier(std::size_t start);
  token string(std::size_t start, std::string_view charset);
  token variable(std::size_t start);
  token number_or_word(std::size_t start);
  token word(std::size_t start);

  std::string_view s_;
  lex_options opts_;
  std::size_t i_ = 0;
  bool in_versioned_ = false;
  bool done_ = false;
  token_kind prev_ = token_kind::end;
};

// Tokenizes a whole statement (or batch). The last token is `end`, or `error` if the
// input is malformed. Every loop advances, so any input terminates in linear time.
std::vector<token> lex(std::string_view sql, const lex_options& opts = {});

// Whether the statement's first word (after whitespace and plain comments) is the
// upper-case `keyword`. Cheap and allocation-free: for gates on the per-statement path
// that decide whether to lex at all.
bool starts_with_keyword(std::string_view sql, std::string_view keyword);

// Decodes a string token's escapes as the server does (\n, \t, \0, \Z, \\, \', \",
// \%, \_ kept with their backslash, doubled quotes).
std::string unescape_string(const token& t, const lex_options& opts = {});

// The value of a string literal written with its quotes ('it''s', "a\tb").
std::string string_literal_value(std::string_view written, const lex_options& opts = {});

// ASCII upper case: keywords and function names compare case-insensitively.
std::string ascii_upper(std::string_view s);
std::string ascii_lower(std::string_view s);

}  // namespace shardwire::router
