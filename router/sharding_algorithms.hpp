// Sharding algorithms: map a sharding-column value to a node index in [0, N), N being
// the table's node count. Formulas (docs/sharding.md is the reference):
//   mod       index = v mod N (mathematical: never negative)
//   hash_mod  index = fnv1a_64(canonical text of v) mod N  -- on-disk contract, never change
//   range     index = number of boundaries <= v            (N = boundaries + 1)
//   interval  index = floor(units from start to v / step)  (unit: day or month)
//   inline    index = expression(v), which must land in [0, N)
//   gene      index = v mod N, for each of several columns (ids carry their gene)
// Objects are immutable after construction and safe to share between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/system/result.hpp>

#include "router/sharding_rule.hpp"

namespace shardwire::router {

class sharding_algorithm {
 public:
  virtual ~sharding_algorithm() = default;

  // Name and every parameter, e.g. "range(boundaries=[10,20])". Equal text means equal
  // routing for equal node counts (binding groups compare it).
  virtual std::string canonical() const = 0;
  // nullopt: the value cannot be placed (NULL, wrong type, outside the configured range).
  virtual std::optional<std::size_t> route_value(std::string_view column, const shard_value& v) const = 0;
  // Nodes that can hold lo <(=) v <(=) hi (absent bound: unbounded). nullopt: cannot
  // narrow, i.e. every node; never a set holding every node.
  virtual std::optional<std::set<std::size_t>> route_range(std::string_view column,
                                                           const std::optional<range_bound>& lo,
                                                           const std::optional<range_bound>& hi) const = 0;

  std::size_t node_count() const { return nodes_; }

 protected:
  explicit sharding_algorithm(std::size_t nodes) : nodes_(nodes) {}
  std::size_t nodes_;
};

using algorithm_ptr = std::shared_ptr<const sharding_algorithm>;

// FNV-1a, 64 bit (offset basis 0xcbf29ce484222325, prime 0x100000001b3). hash_mod's
// placement of every stored row depends on it: it must never change.
std::uint64_t fnv1a_64(std::string_view bytes);

// What hash_mod hashes. string: string, decimal and datetime values as written,
// integers as decimal text (what MySQL stores for them in a string column). integer:
// the value's integer_of() as decimal text, so '042', 42.0 and 42 hash alike.
enum class hash_key_type { string, integer };

enum class interval_unit { day, month };

// A tiny integer expression over one column: integers, the column name, + - * / %,
// parentheses, unary minus. / and % truncate toward zero (like C and MySQL's DIV and
// MOD). Evaluated in 128-bit arithmetic: overflow or division by zero gives nullopt.
class inline_expression {
 public:
  struct node;
  using result = boost::system::result<inline_expression, std::string>;

  // Errors name what is wrong and where: "unexpected ')' at offset 8".
  static result parse(std::string_view text, std::string_view column);
  std::optional<wide_int> evaluate(wide_int column_value) const;
  // Fully parenthesized, column written as "x": "((x % 64) + 1)".
  std::string canonical() const;

 private:
  std::shared_ptr<const node> root_;
};

algorithm_ptr make_mod(std::size_t nodes);
algorithm_ptr make_hash_mod(std::size_t nodes, hash_key_type key_type);
// Precondition: boundaries strictly ascending, nodes == boundaries.size() + 1.
algorithm_ptr make_range(std::vector<std::int64_t> boundaries);
// Precondition: step >= 1; for months, start is the first day of a month (at 00:00).
algorithm_ptr make_interval(std::size_t nodes, civil_datetime start, interval_unit unit, std::int64_t step);
algorithm_ptr make_inline(std::size_t nodes, inline_expression expression);
algorithm_ptr make_gene(std::size_t nodes);

}  // namespace shardwire::router
