#include "proxy/cluster/trigger_watch.hpp"

#include <spdlog/spdlog.h>

#include "proxy/net/backend_connection.hpp"
#include "router/cluster_sql.hpp"

namespace shardwire::proxy {

trigger_watch::trigger_watch(asio::any_io_executor ex, const config& cfg, topology& topo, trigger_tables& tables,
                             std::shared_ptr<spdlog::logger> log)
    : ex_(std::move(ex)),
      cfg_(cfg),
      topo_(topo),
      tables_(tables),
      log_(std::move(log)),
      interval_(cfg.monitor.trigger_refresh),
      timer_(ex_) {}

void trigger_watch::start() { asio::co_spawn(ex_, loop(), asio::detached); }

void trigger_watch::stop() {
  stopped_ = true;
  timer_.cancel();
}

asio::awaitable<void> trigger_watch::loop() {
  while (!stopped_) {
    timer_.expires_after(interval_);
    co_await timer_.async_wait(use_nothrow);
    if (stopped_) break;
    co_await refresh(ex_);
  }
}

asio::awaitable<void> trigger_watch::refresh(asio::any_io_executor ex) {
  const std::uint64_t mark = tables_.mark();
  trigger_tables::names found;
  bool complete = true;
  std::string failure;
  for (const auto& [_, ds] : cfg_.data_sources) {
    backend_node& primary = topo_.primary(ds);
    backend_connection c(ex);
    auto opened = co_await c.open(connection_key{&ds, &primary, 0, 45}, primary.ep);
    if (!opened) {
      complete = false;
      failure = ds.name + ": " + opened.error().message;
      continue;
    }
    auto rows = co_await c.query_rows(router::cluster_sql::trigger_tables, ds.pool.connect_timeout);
    if (!rows) {
      complete = false;
      failure = ds.name + ": " + rows.error().message;
      continue;
    }
    for (const auto& row : rows->rows) {
      if (!row.empty() && row[0]) found.push_back(*row[0]);
    }
    co_await c.send_command(protocol::command::quit, {});  // the server ends it cleanly
  }
  if (!complete && !warned_) log_->warn("trigger tables not refreshed from every primary ({})", failure);
  warned_ = !complete;
  tables_.replace(std::move(found), mark, complete);
}

}  // namespace shardwire::proxy
