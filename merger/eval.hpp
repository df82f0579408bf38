// Evaluates merge expressions (HAVING, items computed from aggregates) over one
// merged row, with MariaDB's typing: integer arithmetic stays integer, DECIMAL stays
// exact (division adds 4 digits of scale, like div_precision_increment), anything with
// a DOUBLE is DOUBLE; comparisons yield 1/0/NULL.
#pragma once

#include "merger/merge_spec.hpp"

namespace shardwire::merger {

struct eval_context {
  const row& r;
  const std::vector<column_info>& columns;
  row_format format;
  std::size_t visible;                 // resolves hidden column_refs
  const column_info* target = nullptr; // the column the value goes to (scale of AVG)
};

inline std::size_t resolve(const column_ref& c, std::size_t visible) {
  return c.hidden ? visible + static_cast<std::size_t>(c.index) : static_cast<std::size_t>(c.index);
}

value evaluate(const expr& e, const eval_context& ctx);
bool is_true(const value& v);

}  // namespace shardwire::merger
