// The plan cache: routed statements are parsed once per shape (router/statement_shape)
// and kept as templates whose literals are parameter slots, keyed by shape, session
// database and rules. A repeated statement with other literals binds its values: when
// they pick one node of a statement over sharded tables, the node's statement is the
// node's printed template with the values spliced in (no parsing, no planning); any
// other outcome runs the planner on the cached tree with the values bound (no parsing).
// Prepared statements executed on the nodes bind the same templates. Pure code; one
// cache per worker thread.
//
// Which literals become slots: plain number and string literals inside the WHERE clause
// (not in subqueries, not under a unary operator), in INSERT ... VALUES rows and in
// UPDATE ... SET values: the places where the planner reads a value only through
// constant_of(), which gives a slot the same value as the literal it replaced. Every
// other literal (select list, LIMIT, ORDER BY, HAVING, ...) is fixed: a statement
// reuses the entry only when those are written the same.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "router/planner.hpp"
#include "router/planner_impl.hpp"
#include "router/route_conditions.hpp"
#include "router/statement_shape.hpp"

namespace shardwire::router {

// The values of a cached statement's slots for one execution: first its `?`
// placeholders (a prepared statement's bound values), then its literals in text order.
struct slot_values {
  std::vector<shard_value> values;
  std::vector<std::string> texts;  // each value as SQL text (what the node statement holds)
  std::size_t size = 0;            // slots in use (the vectors keep their capacity)

  void clear() { size = 0; }
  void push(shard_value v, std::string_view text);
};

class cached_statement {
 public:
  // The template for `parsed` (the parse of `sql`, whose shape is `shape`) that the
  // planner planned as `planned`, or nullptr when the statement cannot stand as one: a
  // refused statement (the checks a node template skips must have passed), a statement
  // kind the cache leaves alone, a template that does not print back as the statement.
  // `rules` is ctx.rules, kept alive by the entry.
  static std::shared_ptr<cached_statement> make(ast::statement parsed, std::string_view sql,
                                                const statement_shape& shape, const plan_result& planned,
                                                const route_context& ctx, std::shared_ptr<const sharding_rules> rules);

  // Whether `sql` (of the same key) writes the fixed literals as the template does.
  bool matches(std::string_view sql, const statement_shape& shape) const;
  // Appends the values of `sql`'s literals (after any placeholders already in `out`);
  // false when a slot's literal has no value the planner would read (never for a match).
  bool bind_literals(std::string_view sql, const statement_shape& shape, slot_values& out) const;
  // The plan for one execution. `out` is reused (its strings keep their capacity).
  // `ctx` supplies the rules and session database; its params are taken from `slots`.
  // True when a node template served (no planning at all).
  boost::system::result<bool, protocol::sql_error> plan_for(std::string_view sql, const slot_values& slots,
                                                            const route_context& ctx, plan& out);

  const ast::statement& statement() const { return *stmt_; }
  std::shared_ptr<const ast::statement> shared_statement() const { return stmt_; }
  const sharding_rules* rules() const { return rules_.get(); }
  const std::string& default_data_source() const { return default_data_source_; }
  const std::string& schema() const { return schema_; }  // the session database it was made in
  int placeholders() const { return stmt_->placeholders; }
  bool single_node_template() const { return fast_; }
  bool is_slot(std::size_t literal) const { return literal < slot_.size() && slot_[literal]; }

 private:
  struct node_text {
    bool built = false;
    bool usable = false;
    std::string text;                                  // the node statement around the slots
    std::vector<std::pair<std::uint32_t, int>> holes;  // (offset in text, slot)
  };
  bool bind_fast(const slot_values& slots, plan& out);
  node_text& node(std::size_t i, const slot_values& slots);
  void render(const node_text& t, const slot_values& slots, std::string& out) const;

  std::shared_ptr<const ast::statement> stmt_;
  std::shared_ptr<const sharding_rules> rules_;
  std::string default_data_source_;
  std::string schema_;
  std::vector<std::pair<std::uint32_t, std::string>> fixed_;  // literal ordinal, text as written
  std::vector<bool> slot_;                                    // per literal ordinal
  // The single-node template: a SELECT/UPDATE/DELETE over sharded tables only.
  bool fast_ = false;
  bool write_ = false;
  std::chrono::milliseconds limit_{0};
  std::vector<detail::resolved_table> resolved_;
  condition_context conditions_;
  const ast::expr* where_ = nullptr;
  const table_rule* rule_ = nullptr;
  std::vector<node_text> nodes_;
};

// One worker's cache: at most `max_entries` statements, least recently used evicted.
class plan_cache {
 public:
  struct counters {
    std::uint64_t hits = 0, misses = 0, evictions = 0, invalidations = 0;
    std::uint64_t uncacheable = 0;   // routed statements no template can stand for
    std::uint64_t node_templates = 0;  // executions a node template served without planning
  };

  explicit plan_cache(std::size_t max_entries = 1024) : max_(max_entries) {}
  void set_capacity(std::size_t max_entries);
  std::size_t capacity() const { return max_; }

  // The entry for `key` (statement_shape::key plus the session database, see
  // compose_key) made under `rules` and `default_data_source` whose fixed literals are
  // those of `sql` (when `shape`, the shape of `sql`, is given); entries made under other
  // rules are dropped (counted as invalidations). Counts a hit or a miss.
  std::shared_ptr<cached_statement> find(std::string_view key, const sharding_rules* rules,
                                         const std::string& default_data_source, std::string_view sql = {},
                                         const statement_shape* shape = nullptr);
  void insert(std::string_view key, std::shared_ptr<cached_statement> entry);
  void note_uncacheable() { ++counters_.uncacheable; }
  void note_node_template() { ++counters_.node_templates; }
  void clear();

  std::size_t size() const { return map_.size(); }
  const counters& stats() const { return counters_; }
  static void compose_key(std::string& out, std::string_view shape_key, std::string_view schema);

 private:
  using entry_list = std::list<std::pair<std::string, std::shared_ptr<cached_statement>>>;
  void erase(entry_list::iterator it);
  std::size_t max_;
  entry_list lru_;  // most recent first
  std::unordered_map<std::string_view, entry_list::iterator> map_;  // views of the keys in lru_
  counters counters_;
};

}  // namespace shardwire::router
