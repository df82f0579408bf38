#include "router/stored_calls.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace shardwire::router {

namespace {

constexpr std::string_view builtin_names[] = {
#include "router/builtin_names.inc"
};

bool is_name(const token& t) {
  return t.kind == token_kind::identifier || t.kind == token_kind::quoted_identifier;
}

}  // namespace

bool builtin_name(std::string_view word) {
  std::array<char, 64> up{};
  if (word.size() > up.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    char c = word[i];
    up[i] = c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
  }
  return std::binary_search(std::begin(builtin_names), std::end(builtin_names),
                            std::string_view(up.data(), word.size()));
}

// Words after which a name is followed by a column or parameter list, not arguments.
bool stored_call_finder::name_position(const token& before) {
  for (std::string_view w : {"INTO",     "TABLE",     "UPDATE",    "INSERT",     "REPLACE",   "IGNORE",
                             "DELAYED",  "LOW_PRIORITY", "HIGH_PRIORITY", "EXISTS", "ON",       "REFERENCES",
                             "KEY",      "INDEX",     "UNIQUE",    "FULLTEXT",   "SPATIAL",   "CONSTRAINT",
                             "PROCEDURE", "FUNCTION", "VIEW",      "TRIGGER",    "CALL",      "PARTITION",
                             "SUBPARTITION", "FOR",   "PACKAGE",   "BODY"}) {
    if (before.is_word(w)) return true;
  }
  return false;
}

// WITH [RECURSIVE] name [(columns)] AS (...) [, name ...]: at the WITH's depth only
// CTE names, their column lists, AS and ',' appear; any other word ends the list
// (WITH ROLLUP, WITH CHECK OPTION, or the statement after the CTEs).
bool stored_call_finder::cte_head(const token& t, std::size_t depth) {
  if (!in_with_ || depth != with_depth_) return false;
  if (t.is_op("(")) return chain_before_.is_word("WITH") || chain_before_.is_word("RECURSIVE") ||
                           chain_before_.is_op(",");
  if (t.kind == token_kind::identifier && !t.is_word("AS") && !t.is_word("RECURSIVE") &&
      !(prev_.is_word("WITH") || prev_.is_word("RECURSIVE") || prev_.is_op(","))) {
    in_with_ = false;
  }
  return false;
}

bool stored_call_finder::feed(const token& t, std::size_t depth) {
  bool call = false;
  if (t.is_op("(") && is_name(prev_) && !cte_head(t, depth) && !name_position(chain_before_)) {
    call = qualified_ || prev_.kind == token_kind::quoted_identifier || !builtin_name(prev_.text);
  } else {
    cte_head(t, depth);
  }
  if (t.is_word("WITH")) {
    in_with_ = true;
    with_depth_ = depth;
  }
  if (is_name(t)) {
    qualified_ = prev_.is_op(".");
    if (!prev_.is_op(".")) chain_before_ = prev_;
  }
  prev_ = t;
  return call;
}

}  // namespace shardwire::router
