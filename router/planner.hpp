// Route planning: which physical statements a logical statement becomes. Pure code
// (no I/O): the proxy executes the plan. Statements that name no sharded or broadcast
// table are passed through as written (no re-printing on the hot path).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/system/result.hpp>

#include "protocol/errors.hpp"
#include "merger/merge_spec.hpp"
#include "router/ast.hpp"
#include "router/parser.hpp"
#include "router/sharding_rule.hpp"

namespace shardwire::router {

struct route_target {
  std::string data_source;
  std::string database;  // physical database ("" when the statement is passed through)
  std::string sql;
};

struct plan {
  enum class kind {
    passthrough,  // no sharded/broadcast table: the original text to one data source
    single,       // one physical node
    multi,        // several nodes of sharded tables (reads: rows merged as `merge` says)
    broadcast,    // a write to every copy of a broadcast table, or DDL fan-out
    explain,      // SHARDWIRE EXPLAIN: the proxy answers with `explained`'s targets
    answer,       // the proxy answers with `answer_columns` / `answer_rows` (SHARDWIRE NEXT ID)
  } type = kind::passthrough;
  bool write = false;
  std::vector<route_target> targets;
  std::shared_ptr<const plan> explained;
  // UPDATE of a sharding column in an XA transaction (route_context::allow_moves): after
  // target `target` ran its UPDATE, the rows of `from` whose `key_column` now equals
  // `key_value` belong on `to`: the session copies them there and deletes them here.
  struct row_move {
    std::size_t target = 0;
    data_node from, to;
    std::string key_column;
    std::string key_value;  // a decimal integer
  };
  std::vector<row_move> moves;
  std::vector<std::string> answer_columns;
  std::vector<std::vector<std::string>> answer_rows;
  // multi reads: how the targets' rows become one result (nullptr: concatenated), and
  // the tail that orders a UNION ALL of several targets sent over one connection.
  std::shared_ptr<const merger::merge_spec> merge;
  std::string union_tail;
  bool union_derived_terms = false;  // terms as SELECT * FROM (<node>) AS t (statements with WITH)
  // INSERT whose key the proxy generated: the first row's key, the statement's insert
  // id (OK packet, LAST_INSERT_ID()) as MySQL reports the first AUTO_INCREMENT value.
  std::optional<std::uint64_t> generated_id;
  bool returns_rows = false;  // INSERT ... RETURNING: each target answers with a result set
  // The smallest max_statement_time_ms of the tables the statement names (0: none).
  std::chrono::milliseconds statement_limit{0};
};

struct route_context {
  const sharding_rules* rules = nullptr;
  std::string default_data_source;    // for schemas without rules
  std::string current_schema;         // the session's database ("" for none)
  const std::vector<shard_value>* params = nullptr;  // bound ? values, when executing
  // The same values as SQL literals: node statements are printed with them in place of
  // `?` (a prepared statement executed as text on the nodes).
  const std::vector<std::string>* param_literals = nullptr;
  // The session's transaction is XA: an UPDATE of a sharding column may move rows
  // (plan::moves) instead of being refused.
  bool allow_moves = false;
};

using plan_result = boost::system::result<plan, protocol::sql_error>;

plan_result route(const ast::statement& st, std::string_view sql, const route_context& ctx);

// For text the parser rejected: passed through unless it names a sharded or broadcast
// table, which gets ERR 1235 carrying the parse error.
plan_result route_unparsed(std::string_view sql, const parse_error& err, const route_context& ctx);

}  // namespace shardwire::router
