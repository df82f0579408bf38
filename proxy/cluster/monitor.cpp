#include "proxy/cluster/monitor.hpp"

#include <spdlog/spdlog.h>

#include <charconv>

#include "router/cluster_sql.hpp"

namespace shardwire::proxy {

namespace {

std::string value_of(const query_table& t, std::string_view column) {
  const auto* v = t.get(0, column);
  return v && *v ? **v : std::string();
}

std::optional<std::int64_t> number(std::string_view text) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

}  // namespace

monitor::monitor(asio::any_io_executor ex, const config& cfg, topology& topo, std::shared_ptr<spdlog::logger> log)
    : ex_(std::move(ex)), cfg_(cfg), settings_(cfg.monitor), topo_(topo), log_(std::move(log)), timer_(ex_) {}

void monitor::start() { asio::co_spawn(ex_, loop(), asio::detached); }

void monitor::stop() {
  stopped_ = true;
  timer_.cancel();
  for (auto& [_, c] : conns_) {
    error_code ignored;
    if (c) c->socket().close(ignored);
  }
}

asio::awaitable<void> monitor::loop() {
  while (!stopped_) {
    auto started = std::chrono::steady_clock::now();
    co_await round();
    if (stopped_) break;
    ran_once_ = true;
    timer_.expires_at(started + settings_.interval);
    co_await timer_.async_wait(use_nothrow);
  }
  conns_.clear();
}

// Primaries first: replicas are compared with the primary's GTID position of this round.
asio::awaitable<void> monitor::round() {
  // Servers removed from their group since the last round: their checks end here.
  for (auto it = conns_.begin(); it != conns_.end();) {
    if (it->first->member.load()) {
      ++it;
      continue;
    }
    error_code ignored;
    if (it->second) it->second->socket().close(ignored);
    it = conns_.erase(it);
  }
  for (const auto& [_, ds] : cfg_.data_sources) {
    backend_node& primary = topo_.primary(ds);
    const std::string none;  // named: no temporaries inside co_await (GCC 12)
    co_await check(primary, none);
    if (stopped_) co_return;
    std::string primary_gtid = primary.up.load() ? primary.gtid() : std::string();
    for (backend_node* n : topo_.nodes(ds)) {
      if (n == &primary) continue;
      co_await check(*n, primary_gtid);
      if (stopped_) co_return;
    }
  }
}

backend_connection* monitor::connection(backend_node& n) {
  auto& c = conns_[&n];
  if (c && (c->broken || !c->socket().is_open())) c.reset();
  return c.get();
}

asio::awaitable<void> monitor::check(backend_node& n, const std::string& primary_gtid) {
  const auto timeout = settings_.timeout;
  if (!connection(n)) {
    auto c = std::make_unique<backend_connection>(ex_);
    auto opened = co_await c->open(connection_key{n.source, &n, 0, 45}, n.ep, settings_.user, settings_.password);
    if (!opened) {
      record(n, false, opened.error().message);
      co_return;
    }
    conns_[&n] = std::move(c);
  }
  backend_connection& c = *conns_[&n];
  auto state = co_await c.query_rows(router::cluster_sql::node_state, timeout);
  if (!state) {
    c.broken = true;
    record(n, false, state.error().message);
    co_return;
  }
  n.read_only = value_of(*state, "ro") == "1";
  bool primary = n.is_primary.load();
  n.set_gtid(value_of(*state, primary ? "binlog" : "slave"));
  const auto& hb = settings_.heartbeat_table;
  if (primary) {
    if (!hb.empty() && !n.read_only.load()) {
      std::string write = router::cluster_sql::heartbeat_write(hb);
      auto r = co_await c.query_rows(write, timeout);
      if (!r && !c.broken) {  // first use: make the table (replicated to the group's replicas)
        std::string create_db = router::cluster_sql::heartbeat_create_database(hb);
        std::string create_table = router::cluster_sql::heartbeat_create_table(hb);
        r = co_await c.query_rows(create_db, timeout);
        if (r) r = co_await c.query_rows(create_table, timeout);
        if (r) r = co_await c.query_rows(write, timeout);
        if (!r) log_->warn("monitor: heartbeat on {} ({}): {}", n.address, n.source->name, r.error().message);
      }
    }
    // Promoted away while the heartbeat ran: its lag is unknown until measured as a replica.
    if (n.is_primary.load()) n.lag_ms = 0;
    record(n, !c.broken, c.broken ? "lost during the heartbeat" : "");
    co_return;
  }
  auto r = co_await check_replica(c, n, primary_gtid);
  if (!r) c.broken = c.broken || r.error().code >= 2000;
  record(n, !c.broken, c.broken ? r.error().message : "");
}

// A replica's lag: unbounded when it does not replicate (no SHOW SLAVE STATUS row, SQL
// thread stopped, Seconds_Behind_Master NULL); 0 when its GTID position has reached the
// primary's of this round; else Seconds_Behind_Master or, with a heartbeat table, the
// heartbeat's age (sub-second).
asio::awaitable<sql_result<void>> monitor::check_replica(backend_connection& c, backend_node& n,
                                                         const std::string& primary_gtid) {
  const auto timeout = settings_.timeout;
  auto status = co_await c.query_rows(router::cluster_sql::replica_status, timeout);
  if (!status) {
    n.lag_ms = lag_unbounded;
    co_return status.error();
  }
  std::int64_t lag = lag_unbounded;
  if (!status->rows.empty() && value_of(*status, "Slave_SQL_Running") == "Yes") {
    const auto* sbm = status->get(0, "Seconds_Behind_Master");
    if (sbm && *sbm) {
      if (auto s = number(**sbm)) lag = *s * 1000;
    }
  }
  if (lag != lag_unbounded && !primary_gtid.empty() && gtid_reached(n.gtid(), primary_gtid)) {
    lag = 0;
  } else if (lag != lag_unbounded && !primary_gtid.empty() && !settings_.heartbeat_table.empty()) {
    // (only while the primary is up: its heartbeat stops otherwise)
    std::string age_sql = router::cluster_sql::heartbeat_age(settings_.heartbeat_table);
    auto age = co_await c.query_rows(age_sql, timeout);
    if (!age) co_return age.error();
    if (auto a = number(value_of(*age, "age"))) lag = std::max(lag, *a / 1000);
  }
  n.lag_ms = lag;
  co_return sql_result<void>{};
}

void monitor::record(backend_node& n, bool ok, const std::string& error) {
  ++n.checks;
  bool up = n.up.load();
  if (!up && n.seen_up) n.ok_in_row = 0;  // marked down by a failed connect since the last round
  if (ok) {
    n.failed_in_row = 0;
    if (!up && ++n.ok_in_row >= settings_.up_after) {
      n.up = true;
      log_->info("monitor: {} ({}) is up again after {} good checks", n.address, n.source->name, n.ok_in_row);
    }
  } else {
    ++n.failed_checks;
    n.set_last_error(error);
    n.ok_in_row = 0;
    if (up && ++n.failed_in_row >= settings_.down_after) {
      n.up = false;
      log_->warn("monitor: {} ({}) marked down after {} failed checks: {}", n.address, n.source->name, n.failed_in_row,
                 error);
    }
  }
  n.seen_up = n.up.load();
}

}  // namespace shardwire::proxy
