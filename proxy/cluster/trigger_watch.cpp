#include "proxy/cluster/trigger_watch.hpp"

#include <spdlog/spdlog.h>

#include "router/cluster_sql.hpp"

namespace shardwire::proxy {

trigger_watch::trigger_watch(backend_pool& pool, asio::any_io_executor pool_ex, const config& cfg, topology& topo,
                             trigger_tables& tables, std::shared_ptr<spdlog::logger> log)
    : pool_(pool),
      ex_(std::move(pool_ex)),
      cfg_(cfg),
      topo_(topo),
      tables_(tables),
      log_(std::move(log)),
      interval_ms_(cfg.monitor.trigger_refresh.count()),
      timer_(ex_) {}

void trigger_watch::start() { asio::co_spawn(ex_, loop(), asio::detached); }

void trigger_watch::stop() {
  stopped_ = true;
  asio::post(ex_, [this] { timer_.cancel(); });  // the timer belongs to the pool's thread
}

asio::awaitable<void> trigger_watch::loop() {
  while (!stopped_) {
    timer_.expires_after(std::chrono::milliseconds(interval_ms_.load()));
    co_await timer_.async_wait(use_nothrow);
    if (stopped_) break;
    co_await refresh(ex_, true);
  }
}

asio::awaitable<bool> trigger_watch::ask(backend_connection& c, const data_source& ds, trigger_tables::names& found,
                                         std::string& failure) {
  auto rows = co_await c.query_rows(router::cluster_sql::trigger_tables, ds.pool.connect_timeout);
  if (!rows) {
    failure = ds.name + ": " + rows.error().message;
    co_return false;
  }
  for (const auto& row : rows->rows) {
    if (!row.empty() && row[0]) found.push_back(*row[0]);
  }
  co_return true;
}

asio::awaitable<void> trigger_watch::refresh_direct(asio::any_io_executor ex) { co_await refresh(ex, false); }

asio::awaitable<void> trigger_watch::refresh(asio::any_io_executor ex, bool pooled) {
  const std::uint64_t mark = tables_.mark();
  trigger_tables::names found;
  bool complete = true;
  std::string failure;
  for (const auto& [_, ds] : cfg_.data_sources) {
    connection_key key{&ds, &topo_.primary(ds), 0, 45};
    std::unique_ptr<backend_connection> c;
    if (pooled) {  // only a connection free now: a refresh never waits behind the sessions
      auto leased = co_await pool_.acquire(key, "", false);
      if (leased) {
        c = std::move(*leased);
      } else {
        failure = ds.name + ": " + leased.error().message;
      }
    } else {
      c = std::make_unique<backend_connection>(ex);
      auto opened = co_await c->open(key, key.node->ep);
      if (!opened) {
        failure = ds.name + ": " + opened.error().message;
        c.reset();
      }
    }
    if (!c) {
      complete = false;
      continue;
    }
    bool answered = co_await ask(*c, ds, found, failure);
    complete = complete && answered;
    if (pooled) {
      pool_.park(std::move(c));  // a broken one is closed there
    } else {
      co_await c->send_command(protocol::command::quit, {});  // the server ends it cleanly
    }
  }
  publish(std::move(found), mark, complete, failure);
}

void trigger_watch::publish(trigger_tables::names found, std::uint64_t mark, bool complete,
                            const std::string& failure) {
  if (!complete && !warned_) log_->warn("trigger tables not refreshed from every primary ({})", failure);
  warned_ = !complete;
  tables_.replace(std::move(found), mark, complete);
}

}  // namespace shardwire::proxy
