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
};

using parse_result = boost::system::result<ast::statement, parse_error>;

parse_result parse(std::string_view sql, const lex_options& opts = {});

}  // namespace shardwire::router
