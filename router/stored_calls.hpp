// Finds stored-function calls in a token stream: `f(...)`, `db.f(...)`, `` `f`(...) ``.
// A stored function (or a trigger's) can set user variables, session variables and
// locks that no statement text shows, so a call pins the session (effect::routine).
// Everything the server reads itself before '(' is skipped: built-in functions,
// keywords and types (router/builtin_names.inc), names that take a column list (INSERT
// INTO t (a), KEY k (a), CREATE TABLE t (...), WITH cte (a) AS ...). A missed built-in
// costs multiplexing only; a missed call would be a leak, so doubt means "call".
#pragma once

#include <cstddef>

#include "router/lexer.hpp"

namespace shardwire::router {

// Whether the server reads `word(` itself (case-insensitive): not a stored function.
bool builtin_name(std::string_view word);

class stored_call_finder {
 public:
  // Feed every token of one statement in order; `depth` is the parentheses open
  // before `t`. Returns true when `t` is the '(' of a stored-function call.
  bool feed(const token& t, std::size_t depth);
  void reset() { *this = stored_call_finder{}; }

 private:
  bool cte_head(const token& t, std::size_t depth);
  static bool name_position(const token& before);

  token prev_;
  token chain_before_;      // the token before the current dotted name
  bool qualified_ = false;  // the current name is db.name
  bool in_with_ = false;    // reading WITH's list of CTE heads at with_depth_
  std::size_t with_depth_ = 0;
};

}  // namespace shardwire::router
