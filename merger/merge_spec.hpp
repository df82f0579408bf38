// How the rows of several shards become one result: the router writes a merge_spec
// next to the per-shard SQL it generates; the merger executes it. Pure data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "merger/value.hpp"

namespace shardwire::merger {

// A column of the shards' rows. Hidden columns (sort keys, collation weights, parts of
// aggregates the router added) follow the visible ones, whose number is only known
// when the column definitions arrive (SELECT *): they are counted from the first
// hidden column.
struct column_ref {
  int index = 0;
  bool hidden = false;
  bool operator==(const column_ref&) const = default;
};

// An ORDER BY / GROUP BY key. `weight`: a WEIGHT_STRING(...) column of the same
// expression; strings compare by it, so every collation orders as on the server.
struct sort_key {
  column_ref value;
  std::optional<column_ref> weight;
  bool desc = false;
};

// Expressions evaluated by the proxy after a merge: HAVING, and select items built
// from aggregates (AVG, SUM(a)/COUNT(*), ...).
struct expr {
  enum class op : std::uint8_t {
    literal, column, neg, add, sub, mul, div, intdiv, mod,
    eq, ne, lt, le, gt, ge, nulleq, and_, or_, xor_, not_, is_null, is_not_null,
    between, in, function,  // function: ROUND ABS CEIL FLOOR IFNULL COALESCE GREATEST LEAST IF NULLIF
    avg,                    // args: sum, count; divided with the target column's scale
    case_when,              // args: [operand] (when, then)... [else]
  } o = op::literal;
  value lit;              // literal (str: text in `text`)
  std::string text;       // literal string / function name (upper case)
  column_ref column;
  std::vector<expr> args;
  bool negated = false;   // NOT BETWEEN / NOT IN
  bool has_operand = false, has_else = false;  // case_when
};

enum class merge_op : std::uint8_t {
  first,           // any row's value (group keys, plain columns)
  count,           // partial COUNTs: summed
  sum,             // partial SUMs: summed; NULL when every part is NULL
  min, max,        // `weight` (of MIN/MAX(x)) travels with the winner
  count_distinct,  // the number of distinct non-NULL `distinct_of` tuples in the group
};

struct column_merge {
  column_ref column;
  merge_op op = merge_op::first;
  std::optional<column_ref> weight;
  std::vector<sort_key> distinct_of;
};

struct computed_column {
  column_ref column;  // its definition comes from the shards; its value from `value`
  expr value;
};

struct merge_spec {
  std::size_t hidden = 0;        // trailing columns the client never sees
  std::vector<sort_key> order;   // how each shard's rows are ordered; empty: concatenate
  // Aggregation (GROUP BY, aggregates, DISTINCT across shards): consecutive rows with
  // equal `group` keys (group_sorted: shards sort by them) or all rows with equal keys
  // (hash) become one row, column by column.
  bool aggregate = false;
  bool group_sorted = false;
  std::vector<sort_key> group;
  std::vector<column_merge> merges;  // columns not listed: first
  std::vector<computed_column> computed;
  std::optional<expr> having;
  std::vector<sort_key> final_order;  // sorting after aggregation; empty: as merged
  std::uint64_t offset = 0;
  std::optional<std::uint64_t> limit;
  // SELECT DISTINCT over grouped rows whose items do not include every group key:
  // merged rows are de-duplicated on their visible columns after grouping.
  bool distinct_after_group = false;
};

}  // namespace shardwire::merger
