// A statement's shape: its text with every literal replaced by a marker of the literal's
// kind, and where those literals are. Statements an application sends with other values
// share one shape, so the plan cache (router/plan_cache) keys on it. One lexer pass,
// no allocation once the buffers have grown (they are reused statement after statement).
// Pure code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "router/lexer.hpp"
#include "router/sharding_rule.hpp"

namespace shardwire::router {

struct literal_token {
  token_kind kind = token_kind::number;  // number, string, hex or bits
  std::uint32_t offset = 0;              // in the statement, quotes and introducer included
  std::uint32_t length = 0;
  bool introduced = false;               // a string with a character set introducer (_utf8mb4'x', N'x')
};

struct statement_shape {
  // The text with each literal replaced by "\x01" and a letter of its kind; everything
  // else (whitespace, comments, hints, case) verbatim, so two statements share a key
  // only when they differ in nothing but literal values.
  std::string key;
  std::vector<literal_token> literals;
  int placeholders = 0;    // `?` tokens
  bool cacheable = false;  // one statement, lexed cleanly, no versioned code, no \x01 byte, not too long

  static constexpr std::size_t max_length = 16 * 1024;  // longer statements (bulk INSERTs) are not cached
  static constexpr std::size_t max_literals = 4096;

  // Reads `sql` (reusing this object's buffers).
  void scan(std::string_view sql, const lex_options& opts = {});
  // The same, fed by a lexer pass someone else runs (statement analysis): begin, every
  // token of `sql` in order (end and error included), finish.
  void begin(std::string_view sql);
  void add(const token& t);
  void finish();
  std::string_view text_of(std::string_view sql, std::size_t i) const {
    return sql.substr(literals[i].offset, literals[i].length);
  }

 private:
  std::string_view sql_;
  std::size_t copied_ = 0;  // sql_[0, copied_) is in the key
  bool open_ = false;       // reading: no reason found yet not to cache
  bool ended_ = false;      // a `;` ended the first statement
};

// The value a literal token compares as with a sharding column, exactly as the planner
// reads the same literal in the statement (router/route_conditions constant_of);
// nullopt for kinds the planner does not read (hex, bits, introduced strings).
std::optional<shard_value> literal_value(const token& t);

}  // namespace shardwire::router
