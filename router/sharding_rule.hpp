// The sharding-rule model the router consults: which physical nodes (data source,
// database, table) hold a logical table, and which node a sharding-column value lives
// on. Built once from the "schemas" config section (router/rules_config.hpp), then
// read-only and shared by every worker; only key generators carry (atomic) state.
// Pure code: no I/O. The format and every formula are documented in docs/sharding.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "router/transaction_mode.hpp"

namespace shardwire::router {

// A literal from a statement, as the router hands it to a sharding algorithm.
struct shard_value {
  struct decimal {  // exact numeric literal, as written: "42", "-1.50"
    std::string text;
    bool operator==(const decimal&) const = default;
  };
  struct datetime {  // DATE/DATETIME literal: "YYYY-MM-DD[ HH:MM:SS[.ffffff]]"
    std::string text;
    bool operator==(const datetime&) const = default;
  };
  using storage = std::variant<std::monostate, std::int64_t, std::uint64_t, double, decimal, std::string, datetime>;
  storage v;  // monostate: SQL NULL

  static shard_value null() { return {}; }
  static shard_value of_int(std::int64_t x) { return {storage{x}}; }
  static shard_value of_uint(std::uint64_t x) { return {storage{x}}; }
  static shard_value of_double(double x) { return {storage{x}}; }
  static shard_value of_decimal(std::string text) { return {storage{decimal{std::move(text)}}}; }
  static shard_value of_string(std::string text) { return {storage{std::move(text)}}; }
  static shard_value of_datetime(std::string text) { return {storage{datetime{std::move(text)}}}; }
  bool is_null() const { return std::holds_alternative<std::monostate>(v); }
};

// Every value an integer column can be compared with fits: [-2^63, 2^64).
// (__extension__: __int128 is a GCC extension; the project builds with -Wpedantic.)
__extension__ typedef __int128 wide_int;

// The integer a value equals when MySQL compares it with an integer column: integers
// as they are; doubles and decimals when integral ("42.000" is 42); strings holding a
// number ('42', ' -7 ', '042', '42.0'). nullopt for NULL, datetimes, fractions,
// exponents, other text and anything outside [-2^63, 2^64): the value cannot be pinned
// to one node (a fractional value equals no integer; the router fans out, which is
// always correct for reads, or reports an error for writes).
std::optional<wide_int> integer_of(const shard_value& v);
// Same, narrowed to int64 (what key generators take).
std::optional<std::int64_t> int64_of(const shard_value& v);
// Decimal text of an integer ("-42").
std::string to_decimal_text(wide_int x);

struct civil_datetime {
  int year = 0, month = 0, day = 0;
  std::int64_t micros_of_day = 0;  // 0 .. 86400e6 - 1
  std::int64_t days_since_unix_epoch() const;
};
// "YYYY-MM-DD", "YYYY-MM-DD HH:MM:SS" or with a fraction of 1..6 digits; 'T' may
// separate date and time. Calendar-checked (no 2024-02-30, no zero dates).
std::optional<civil_datetime> parse_datetime(std::string_view text);
// Datetime and string values in that form; nullopt for everything else.
std::optional<civil_datetime> datetime_of(const shard_value& v);

// One bound of a range predicate (col > 5: lo = {5, false}); absent bound: unbounded.
struct range_bound {
  shard_value value;
  bool inclusive = true;
};

// Case-insensitive ASCII comparison: MySQL column names are case-insensitive.
bool same_column(std::string_view a, std::string_view b);

struct data_node {
  std::string data_source;
  std::string database;  // physical database
  std::string table;     // physical table
  std::string text() const { return database + "." + table; }
  bool operator==(const data_node&) const = default;
};

class sharding_algorithm;  // router/sharding_algorithms.hpp
class key_generator;       // router/key_generator.hpp

enum class table_kind { sharded, broadcast };  // unsharded tables have no rule

class table_rule {
 public:
  table_rule(std::string name, table_kind kind, std::vector<data_node> nodes, std::vector<std::string> columns,
             std::shared_ptr<const sharding_algorithm> algorithm,
             std::shared_ptr<::shardwire::router::key_generator> keys);

  const std::string& name() const { return name_; }
  // The same rule under another logical name (a migrated table's old name, proxy/migration).
  table_rule renamed(std::string name) const {
    table_rule r = *this;
    r.name_ = std::move(name);
    return r;
  }
  table_kind kind() const { return kind_; }
  std::size_t node_count() const { return nodes_.size(); }
  // Precondition: i < node_count(). Index i of a sharded table is the position in the
  // expanded data_nodes list; a broadcast table has one node per physical database.
  const data_node& node(std::size_t i) const { return nodes_[i]; }
  const std::vector<data_node>& nodes() const { return nodes_; }

  // Empty for broadcast tables.
  const std::vector<std::string>& sharding_columns() const { return columns_; }
  bool is_sharding_column(std::string_view column) const;
  const sharding_algorithm* algorithm() const { return algorithm_.get(); }

  // The node holding rows whose `column` equals `v`. nullopt: not a sharding column,
  // a broadcast table, or a value the algorithm cannot place (NULL, wrong type, out of
  // the configured range): fan out for reads, report an error for writes.
  std::optional<std::size_t> route(std::string_view column, const shard_value& v) const;
  // The nodes that can hold rows with lo <(=) column <(=) hi. nullopt: cannot narrow
  // (every node). An empty set: no node can match (the router still needs one node
  // to produce an empty result with the right columns).
  std::optional<std::set<std::size_t>> route_range(std::string_view column, const std::optional<range_bound>& lo,
                                                   const std::optional<range_bound>& hi) const;

  // nullptr: no generated column. The generator is thread-safe and shared by copies.
  ::shardwire::router::key_generator* key_generator() const { return keys_.get(); }
  const std::shared_ptr<::shardwire::router::key_generator>& shared_key_generator() const { return keys_; }
  void set_key_generator(std::shared_ptr<::shardwire::router::key_generator> k) { keys_ = std::move(k); }
  // The tables this one is joined with node by node (itself included, config order);
  // nullptr when it is in no binding group.
  const std::vector<std::string>* binding_group() const { return binding_.get(); }
  void set_binding_group(std::shared_ptr<const std::vector<std::string>> group) { binding_ = std::move(group); }
  // max_statement_time_ms of statements on this table (0: the session's limit alone).
  std::chrono::milliseconds statement_limit() const { return statement_limit_; }
  void set_statement_limit(std::chrono::milliseconds ms) { statement_limit_ = ms; }

 private:
  std::string name_;
  table_kind kind_;
  std::vector<data_node> nodes_;
  std::vector<std::string> columns_;
  std::shared_ptr<const sharding_algorithm> algorithm_;
  std::shared_ptr<::shardwire::router::key_generator> keys_;
  std::shared_ptr<const std::vector<std::string>> binding_;
  std::chrono::milliseconds statement_limit_{0};
};

// One logical database (what clients USE).
struct schema_rules {
  std::string name;
  std::string default_data_source;               // holds the unsharded tables
  std::map<std::string, std::string> databases;  // physical database -> data source
  std::map<std::string, table_rule, std::less<>> tables;
  std::vector<std::vector<std::string>> binding_groups;
  // "transaction_mode": for transactions begun while this is the session's database
  // (unset: the config's transactions.mode).
  std::optional<transaction_mode> txn_mode;

  // Exact, case-sensitive match (MySQL on Linux, lower_case_table_names=0).
  // nullptr: the table is unsharded; it lives at unsharded_node(name).
  const table_rule* find_table(std::string_view table) const;
  // {default_data_source, <logical database name>, table}
  data_node unsharded_node(std::string_view table) const;
};

struct sharding_rules {
  std::map<std::string, schema_rules, std::less<>> schemas;
  bool any_statement_limit = false;  // some table has its own max_statement_time_ms

  // Exact, case-sensitive match. nullptr: not a sharded logical database.
  const schema_rules* find_schema(std::string_view name) const;
};

// Reloaded rules: every table of `to` whose key generator is configured exactly as the
// same table's in `from` takes over that generator, so ids stay unique and increasing
// across a reload while sessions on the old rules still insert.
void carry_key_generators(const sharding_rules& from, sharding_rules& to);

}  // namespace shardwire::router
