// GET /metrics: Prometheus text exposition (prometheus-cpp's data model and text
// serializer). The statement counters live per worker and are summed at scrape time
// (server::on_workers); connection, pool and replica figures come from the shared
// topology's atomics. Names and labels are listed in docs/admin.md.
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <cmath>
#include <deque>
#include <limits>
#include <sstream>

#include "admin/api.hpp"

namespace shardwire::admin::api {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using labels = std::vector<ClientMetric::Label>;

struct families {
  std::deque<MetricFamily> list;  // stable references while families are filled in

  MetricFamily& add(std::string name, std::string help, MetricType type) {
    list.push_back({std::move(name), std::move(help), type, {}});
    return list.back();
  }
  static void value(MetricFamily& f, labels l, double v) {
    ClientMetric m;
    m.label = std::move(l);
    if (f.type == MetricType::Counter) {
      m.counter.value = v;
    } else {
      m.gauge.value = v;
    }
    f.metric.push_back(std::move(m));
  }
  void single(std::string name, std::string help, MetricType type, double v) {
    value(add(std::move(name), std::move(help), type), {}, v);
  }
  void hist(std::string name, std::string help, const proxy::histogram& h) {
    MetricFamily& f = add(std::move(name), std::move(help), MetricType::Histogram);
    ClientMetric m;
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < h.counts.size(); ++i) {
      cumulative += h.counts[i];
      double bound = i < h.bounds.size() ? h.bounds[i] : std::numeric_limits<double>::infinity();
      m.histogram.bucket.push_back({cumulative, bound});
    }
    m.histogram.sample_count = h.count;
    m.histogram.sample_sum = h.sum;
    f.metric.push_back(std::move(m));
  }
};

// The routed statements' plan cache (router/plan_cache), summed over workers.
void plan_cache_metrics(families& out, const proxy::worker_stats& s) {
  const auto& c = s.plan_cache;
  auto counter = [&](const char* name, const char* help, std::uint64_t v) {
    out.single(name, help, MetricType::Counter, static_cast<double>(v));
  };
  counter("shardwire_plan_cache_hits_total", "Routed statements planned from a cached template", c.hits);
  counter("shardwire_plan_cache_misses_total", "Routed statements parsed and planned (no template yet)", c.misses);
  counter("shardwire_plan_cache_evictions_total", "Templates evicted at limits.plan_cache_entries", c.evictions);
  counter("shardwire_plan_cache_invalidations_total", "Templates dropped because the rules were reloaded",
          c.invalidations);
  counter("shardwire_plan_cache_uncacheable_total",
          "Routed statements no template can stand for (batches, versioned comments, long statements, ...)",
          c.uncacheable);
  counter("shardwire_plan_cache_node_templates_total",
          "Executions a single-node template served without planning (a subset of hits)", c.node_templates);
  out.single("shardwire_plan_cache_entries", "Templates cached now (all workers)", MetricType::Gauge,
             static_cast<double>(s.plan_cache_entries));
}

void statement_metrics(families& out, const proxy::worker_stats& s) {
  auto& st = out.add("shardwire_statements_total",
                     "Statements (COM_QUERY, COM_STMT_EXECUTE) by type and route (unsharded, single_shard, "
                     "multi_shard, broadcast, proxy)",
                     MetricType::Counter);
  for (std::size_t t = 0; t < proxy::stmt_type_count; ++t) {
    for (std::size_t r = 0; r < proxy::route_kind_count; ++r) {
      if (s.statements[t][r] == 0) continue;
      families::value(st,
                      {{"route", proxy::route_name(static_cast<proxy::route_kind>(r))},
                       {"type", proxy::type_name(static_cast<proxy::stmt_type>(t))}},
                      static_cast<double>(s.statements[t][r]));
    }
  }
  auto& errs = out.add("shardwire_statement_errors_total", "Statements answered with an ERR, by MySQL error code",
                       MetricType::Counter);
  for (const auto& [code, n] : s.errors)
    families::value(errs, {{"code", std::to_string(code)}}, static_cast<double>(n));
  out.hist("shardwire_statement_duration_seconds",
           "Statement latency seen by the proxy (first byte in to last byte out)", s.latency);
  out.hist("shardwire_statement_shards", "Physical nodes a statement ran on (fan-out)", s.fanout);
  struct counter {
    const char* name;
    const char* help;
    std::uint64_t proxy::worker_stats::*field;
  };
  static constexpr counter counters[] = {
      {"shardwire_rows_sent_total", "Rows sent to clients", &proxy::worker_stats::rows_sent},
      {"shardwire_rows_affected_total", "Rows changed by writes", &proxy::worker_stats::rows_affected},
      {"shardwire_rows_merged_total", "Rows sent to clients by multi-shard merges", &proxy::worker_stats::rows_merged},
      {"shardwire_slow_statements_total", "Statements at or over slow_log.threshold_ms",
       &proxy::worker_stats::slow_statements},
      {"shardwire_client_connections_accepted_total", "Client connections accepted",
       &proxy::worker_stats::connections_accepted},
      {"shardwire_client_login_failures_total", "Logins refused (ERR 1045)", &proxy::worker_stats::logins_failed},
  };
  for (const auto& c : counters) out.single(c.name, c.help, MetricType::Counter, static_cast<double>(s.*c.field));
  plan_cache_metrics(out, s);
}

// XA transactions (proxy/xa/coordinator.hpp).
void xa_metrics(families& out, proxy::server_state& state) {
  if (!state.xa) return;
  auto& co = *state.xa;
  const auto& s = co.stats;
  auto& outcomes = out.add("shardwire_xa_transactions_total", "XA transactions ended, by outcome", MetricType::Counter);
  families::value(outcomes, {{"outcome", "one_phase"}}, static_cast<double>(s.one_phase.load()));
  families::value(outcomes, {{"outcome", "committed"}}, static_cast<double>(s.committed.load()));
  families::value(outcomes, {{"outcome", "rolled_back"}}, static_cast<double>(s.rolled_back.load()));
  families::value(outcomes, {{"outcome", "handed_to_recovery"}}, static_cast<double>(s.handed_to_recovery.load()));
  auto counter = [&](const char* name, const char* help, const std::atomic<std::uint64_t>& v) {
    out.single(name, help, MetricType::Counter, static_cast<double>(v.load()));
  };
  counter("shardwire_xa_prepare_failures_total", "XA transactions rolled back because a branch failed XA END/PREPARE",
          s.prepare_failures);
  counter("shardwire_xa_decision_failures_total", "XA transactions rolled back because the decision log failed",
          s.decision_failures);
  counter("shardwire_xa_commit_retries_total", "XA COMMIT retried on a fresh connection after the decision",
          s.commit_retries);
  counter("shardwire_xa_recovered_commits_total", "Prepared branches committed by recovery (decision logged)",
          s.recovered_commits);
  counter("shardwire_xa_recovered_rollbacks_total", "Prepared branches rolled back by recovery (no decision)",
          s.recovered_rollbacks);
  counter("shardwire_xa_recovery_runs_total", "XA recovery passes", s.recovery_runs);
  counter("shardwire_xa_recovery_errors_total", "Primaries a recovery pass could not read", s.recovery_errors);
  auto view = co.view();
  out.single("shardwire_xa_in_doubt_branches", "Prepared branches the last recovery pass left unresolved",
             MetricType::Gauge, static_cast<double>(view.in_doubt.size()));
  out.single("shardwire_xa_in_flight", "XA transactions between their first XA PREPARE and their end",
             MetricType::Gauge, static_cast<double>(co.active_count()));
  out.single("shardwire_xa_pending_decisions", "Commit decisions logged and not yet complete", MetricType::Gauge,
             co.available() ? static_cast<double>(co.log().pending().size()) : 0.0);
  out.single("shardwire_xa_log_fsyncs_total", "fsyncs of the XA decision log (group commit)", MetricType::Counter,
             co.available() ? static_cast<double>(co.log().fsyncs()) : 0.0);
}

// Online migration jobs (proxy/migration/), labelled job.
void migration_metrics(families& out, const proxy::migration::registry& reg) {
  if (reg.jobs().empty()) return;
  using proxy::migration::job;
  struct gauge {
    const char* name;
    const char* help;
    MetricType type;
    double (*value)(const job&);
  };
  static const gauge gauges[] = {
      {"shardwire_migration_rows_copied", "Rows the backfill copied", MetricType::Gauge,
       [](const job& j) { return static_cast<double>(j.backfill.rows_copied); }},
      {"shardwire_migration_rows_total", "The source's row count as the server estimated it at the backfill's start",
       MetricType::Gauge, [](const job& j) { return static_cast<double>(j.backfill.rows_total); }},
      {"shardwire_migration_backfill_rows_per_second", "The backfill's copy rate over its last batches",
       MetricType::Gauge, [](const job& j) { return j.backfill.running ? j.backfill.rate : 0.0; }},
      {"shardwire_migration_backfill_waiting", "1 while the backfill waits for replica lag or primary load",
       MetricType::Gauge, [](const job& j) { return j.backfill.waiting.empty() ? 0.0 : 1.0; }},
      {"shardwire_migration_changes_applied_total", "Change log entries applied to the target", MetricType::Counter,
       [](const job& j) { return static_cast<double>(j.double_write.synced); }},
      {"shardwire_migration_change_failures_total", "Failed attempts to apply change log entries (retried)",
       MetricType::Counter, [](const job& j) { return static_cast<double>(j.double_write.failures); }},
      {"shardwire_migration_changes_pending", "Change log entries waiting at the last look (a full batch or 0)",
       MetricType::Gauge, [](const job& j) { return static_cast<double>(j.double_write.pending); }},
      {"shardwire_migration_acks_waited_total", "Write statements whose OK waited for the target to hold the write",
       MetricType::Counter, [](const job& j) { return static_cast<double>(j.double_write.acks_waited); }},
      {"shardwire_migration_acks_late_total",
       "Write statements whose OK went before the target held the write (ack_wait_ms passed, or applying failed)",
       MetricType::Counter, [](const job& j) { return static_cast<double>(j.double_write.acks_late); }},
      {"shardwire_migration_ack_wait_seconds_total", "Time write statements' OKs waited for the target",
       MetricType::Counter, [](const job& j) { return static_cast<double>(j.double_write.ack_wait_us) / 1e6; }},
      {"shardwire_migration_verify_rows_checked", "Rows the verification compared", MetricType::Gauge,
       [](const job& j) { return static_cast<double>(j.verify.rows_checked); }},
      {"shardwire_migration_verify_differences", "Key ranges the last verification found different",
       MetricType::Gauge, [](const job& j) { return static_cast<double>(j.verify.differences.size()); }},
      {"shardwire_migration_verify_repaired_total", "Key ranges repaired", MetricType::Counter,
       [](const job& j) { return static_cast<double>(j.verify.repaired); }},
  };
  for (const auto& g : gauges) {
    auto& f = out.add(g.name, g.help, g.type);
    for (const auto& [name, j] : reg.jobs()) families::value(f, {{"job", name}}, g.value(*j));
  }
  auto& phases = out.add("shardwire_migration_phase", "1 for the phase each job is in", MetricType::Gauge);
  for (const auto& [name, j] : reg.jobs()) {
    families::value(phases, {{"job", name}, {"phase", proxy::migration::phase_name(j->at)}}, 1.0);
  }
}

// Archival jobs (proxy/migration/archive.hpp), labelled job.
void archive_metrics(families& out, const proxy::migration::registry& reg) {
  if (reg.archives().empty()) return;
  auto& rows = out.add("shardwire_archive_rows_total", "Rows moved to the archive (verified, then deleted)",
                       MetricType::Counter);
  auto& running = out.add("shardwire_archive_running", "1 while the archive job has rows left", MetricType::Gauge);
  auto& rate = out.add("shardwire_archive_rows_per_second", "The archive's rate over its last batches", MetricType::Gauge);
  auto& failed = out.add("shardwire_archive_verify_failures_total",
                         "Batches whose archived rows read back differently (nothing deleted)", MetricType::Counter);
  for (const auto& [name, a] : reg.archives()) {
    families::value(rows, {{"job", name}}, static_cast<double>(a->rows_archived));
    families::value(running, {{"job", name}}, a->running ? 1.0 : 0.0);
    families::value(rate, {{"job", name}}, a->running ? a->rate : 0.0);
    families::value(failed, {{"job", name}}, static_cast<double>(a->verify_failures));
  }
}


// One sample per server of every group for each of these, labelled group and address.
struct per_server {
  const char* name;
  const char* help;
  MetricType type;
  double (*value)(const proxy::backend_node&);
};
constexpr per_server per_server_metrics[] = {
    {"shardwire_backend_up", "1 while the monitor sees the server answer", MetricType::Gauge,
     [](const proxy::backend_node& n) { return n.up.load() ? 1.0 : 0.0; }},
    {"shardwire_backend_online", "1 while the server's state is online (0: offline_soft/hard)", MetricType::Gauge,
     [](const proxy::backend_node& n) { return n.state.load() == proxy::node_state::online ? 1.0 : 0.0; }},
    {"shardwire_backend_primary", "1 for the group's primary", MetricType::Gauge,
     [](const proxy::backend_node& n) { return n.is_primary.load() ? 1.0 : 0.0; }},
    {"shardwire_backend_pool_connections", "Connections to the server open across workers", MetricType::Gauge,
     [](const proxy::backend_node& n) { return static_cast<double>(n.pool_open.load()); }},
    {"shardwire_backend_pool_leased", "Connections to the server in use by sessions now", MetricType::Gauge,
     [](const proxy::backend_node& n) { return static_cast<double>(n.active.load()); }},
    {"shardwire_backend_pool_resetting", "Connections given back by sessions and being reset before reuse",
     MetricType::Gauge, [](const proxy::backend_node& n) { return static_cast<double>(n.resetting.load()); }},
    {"shardwire_backend_pool_waiting", "Sessions waiting for a connection at the limit", MetricType::Gauge,
     [](const proxy::backend_node& n) { return static_cast<double>(n.pool_waiting.load()); }},
    {"shardwire_backend_pool_max_connections", "pool.max_connections of the server", MetricType::Gauge,
     [](const proxy::backend_node& n) { return static_cast<double>(n.source->pool.max_connections); }},
    {"shardwire_backend_statements_total", "Statements routed to the server", MetricType::Counter,
     [](const proxy::backend_node& n) { return static_cast<double>(n.statements.load()); }},
    {"shardwire_backend_errors_total", "Failed connects and connections lost", MetricType::Counter,
     [](const proxy::backend_node& n) { return static_cast<double>(n.errors.load()); }},
};

void backend_metrics(families& out, const context& ctx) {
  std::vector<std::pair<labels, const proxy::backend_node*>> servers;
  for (const auto& [name, ds] : ctx.srv.state().cfg->data_sources) {
    for (const auto* n : ctx.srv.topo().nodes(ds)) servers.push_back({{{"address", n->address}, {"group", name}}, n});
  }
  for (const auto& m : per_server_metrics) {
    auto& f = out.add(m.name, m.help, m.type);
    for (const auto& [l, n] : servers) families::value(f, l, m.value(*n));
  }
  auto& lag = out.add("shardwire_replica_lag_seconds",
                      "Replication lag the monitor measured (absent until measured; +Inf when not replicating)",
                      MetricType::Gauge);
  for (const auto& [l, n] : servers) {
    auto ms = n->lag_ms.load();
    if (n->is_primary.load() || ms == proxy::lag_unknown) continue;
    families::value(lag, l, ms == proxy::lag_unbounded ? std::numeric_limits<double>::infinity() : ms / 1000.0);
  }
}

}  // namespace

asio::awaitable<response> metrics(const context& ctx, const request& req) {
  proxy::worker_stats total;
  co_await ctx.srv.on_workers([&total](proxy::worker& w) {
    w.stats.plan_cache = w.plans.stats();
    w.stats.plan_cache_entries = w.plans.size();
    total.add(w.stats);
  });
  families out;
  auto& state = ctx.srv.state();
  out.single("shardwire_up", "1 while the proxy serves", MetricType::Gauge, 1);
  out.single("shardwire_client_connections", "Client connections open now", MetricType::Gauge,
             state.client_connections.load());
  statement_metrics(out, total);
  backend_metrics(out, ctx);
  xa_metrics(out, state);
  migration_metrics(out, ctx.srv.migrations());
  archive_metrics(out, ctx.srv.migrations());
  out.single("shardwire_config_reloads_total", "Config reloads applied (API or SIGHUP)", MetricType::Counter,
             static_cast<double>(state.reloads_applied.load()));
  out.single("shardwire_config_reload_failures_total", "Config reloads refused", MetricType::Counter,
             static_cast<double>(state.reloads_refused.load()));
  std::ostringstream text;
  prometheus::TextSerializer().Serialize(text, std::vector<MetricFamily>(out.list.begin(), out.list.end()));
  response res{http::status::ok, req.version()};
  res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  res.body() = text.str();
  res.prepare_payload();
  co_return res;
}

}  // namespace shardwire::admin::api
