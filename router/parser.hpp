// Recursive-descent parser for the MySQL/MariaDB statements a proxy meets.
// parse() never throws: malformed or unsupported SQL comes back as a parse_error
// naming what was expected and where.
#pragma once

#include <boost/system/result.hpp>

#include "router/ast.hpp"

namespace shardwire::router {

struct parse_error {
  std::string message;   // e.g. "expected ')' near 'FROM t'"
  std::size_t offset = 0;
  bool too_deep = false;  // past a nesting limit below: refused, never passed through as unparsed
};

// Nesting limits. The parser recurses once per level of parentheses, subqueries, unary
// operators and parenthesized joins (`max_depth`); every tree walk afterwards (planner,
// formatter, digest, destruction) recurses once per level of expression height, which
// long operator chains also add to (`max_height`). Both keep the stack small.
constexpr std::uint32_t max_depth = 128;
constexpr std::uint32_t max_height = 1500;
constexpr std::uint32_t max_joins = 256;

using parse_result = boost::system::result<ast::statement, parse_error>;

parse_result parse(std::string_view sql, const lex_options& opts = {});

}  // namespace shardwire::router
