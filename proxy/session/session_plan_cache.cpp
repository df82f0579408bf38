// Routed statements through the worker's plan cache (router/plan_cache): a statement
// whose shape has a template is planned by binding its literals (for one node: the node
// template with the values spliced in); the first of its shape is parsed and planned as
// before, then kept as a template. The worker's scratch (shape, key, slot values) is
// used between two co_awaits only, so the sessions of one thread share it.
#include "proxy/session/client_session.hpp"

namespace shardwire::proxy {

// A COM_QUERY's one reading: its analysis and, from the same lexer pass, its shape in
// the worker's scratch (the plan cache's key) and its digest by shape.
router::statement_analysis client_session::analyze_query(std::string_view sql) {
  auto& w = worker_;
  auto opts = analysis_opts();
  opts.shape = &w.shape;
  auto a = router::analyze_statement(sql, opts);
  shape_stamp_ = ++w.shape_stamp;
  if (w.shape.cacheable) stmt_.digest = w.shape_digests.digest(w.shape, sql);
  return a;
}

// The worker's cache follows this session's config (a reload also sets every worker's).
bool client_session::plan_cache_on() {
  auto& plans = worker_.plans;
  if (plans.capacity() != cfg_->limits.plan_cache_entries) plans.set_capacity(cfg_->limits.plan_cache_entries);
  return plans.capacity() > 0;
}

bool client_session::cacheable(const router::statement_analysis& a) const {
  using kind = router::statement_kind;
  bool dml = a.kind == kind::select || a.kind == kind::insert || a.kind == kind::update || a.kind == kind::delete_;
  return dml && a.single() && !a.versioned && !a.lex_error;
}

client_session::cache_lookup client_session::plan_from_cache(std::string_view sql, const router::route_context& ctx,
                                                             protocol::sql_error& error) {
  auto& w = worker_;
  if (!plan_cache_on() || !cacheable(analysis_)) return cache_lookup::off;
  if (shape_stamp_ != w.shape_stamp) shape_stamp_ = w.scan_shape(sql);  // another reading since the analysis
  if (!w.shape.cacheable || w.shape.placeholders > 0) {  // `?` in a text statement: the server's error to give
    w.plans.note_uncacheable();
    return cache_lookup::off;
  }
  router::plan_cache::compose_key(w.plan_key, w.shape.key, schema_);
  auto entry = w.plans.find(w.plan_key, ctx.rules, ctx.default_data_source, sql, &w.shape);
  if (!entry) return cache_lookup::miss;
  w.slots.clear();
  if (!entry->bind_literals(sql, w.shape, w.slots)) return cache_lookup::off;
  auto r = entry->plan_for(sql, w.slots, ctx, routed_plan_);
  if (!r) {
    error = r.error();
    return cache_lookup::failed;
  }
  if (*r) w.plans.note_node_template();
  return cache_lookup::planned;
}

// After a miss: the parsed statement becomes the template for its shape (w.shape and
// w.plan_key still hold the lookup's: nothing was awaited since).
void client_session::remember_plan(router::ast::statement parsed, std::string_view sql,
                                   const router::plan_result& planned, const router::route_context& ctx) {
  auto& w = worker_;
  // Kept alive by the entry: the rules ctx names (write_rules for a migrated table's writes).
  std::shared_ptr<const router::sharding_rules> rules = cfg_->rules;
  if (cfg_->write_rules && ctx.rules == cfg_->write_rules.get()) rules = cfg_->write_rules;
  auto entry = router::cached_statement::make(std::move(parsed), sql, w.shape, planned, ctx, rules);
  if (!entry) {
    w.plans.note_uncacheable();
    return;
  }
  w.plans.insert(w.plan_key, std::move(entry));
}

// A plan that held a large statement gives its memory back (idle sessions stay small).
void client_session::release_routed_plan() {
  constexpr std::size_t keep = 16 * 1024;
  for (const auto& t : routed_plan_.targets) {
    if (t.sql.capacity() > keep) {
      routed_plan_ = {};
      return;
    }
  }
  if (routed_plan_.targets.size() > 1) routed_plan_.targets.resize(1);
  routed_plan_.merge.reset();
  routed_plan_.explained.reset();
}

}  // namespace shardwire::proxy
