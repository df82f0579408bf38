#include "proxy/server/server.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "proxy/session/client_session.hpp"
#include "proxy/cluster/metadata_sync.hpp"
#include "router/session_sql.hpp"

namespace shardwire::proxy {

using clock = std::chrono::steady_clock;

server::server(std::shared_ptr<const config> cfg) : topo_(std::make_unique<topology>(*cfg)) {
  log_ = spdlog::get("proxy");
  if (!log_) log_ = spdlog::stderr_color_mt("proxy");
  state_.cfg = std::move(cfg);
  state_.topo = topo_.get();
  monitor_ = std::make_unique<monitor>(main_ioc_.get_executor(), *state_.cfg, *topo_, log_);
  state_.publish(state_.cfg);
  for (int i = 0; i < state_.cfg->workers; ++i) {
    workers_.push_back(std::make_unique<worker>(state_, limits_, log_, i));
    limits_.add_pool(&workers_.back()->pool);
  }
  worker& first = *workers_.front();
  triggers_ = std::make_unique<trigger_watch>(first.pool, first.ioc.get_executor(), *state_.cfg, *topo_,
                                              state_.triggers, log_);
}

// Clients pick features by the server version, so we present the backend's own
// (unless the config pins one); a down backend at start falls back to a default.
void server::probe_backend_version() {
  const config& cfg = *state_.cfg;
  state_.server_version = cfg.server_version;
  asio::io_context ioc;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        backend_connection conn(ioc.get_executor());
        backend_node& primary = topo_->primary(cfg.default_source());  // the state file may have moved it
        auto r = co_await conn.open({&cfg.default_source(), &primary, 0, 45}, primary.ep);
        if (!r) {
          log_->warn("cannot reach default data source at start ({}); serving anyway", r.error().message);
          co_return;
        }
        if (state_.server_version.empty()) state_.server_version = conn.server_version();
        state_.server_charset = conn.server_charset();
        state_.server_mariadb_caps = conn.server_mariadb_caps();
        // A session's wait_timeout starts at one of these, as on the server.
        auto t = co_await conn.query_rows(router::session_sql::server_timeouts, cfg.monitor.timeout);
        if (t && !t->rows.empty()) {
          auto seconds = [&](std::size_t i) {
            const auto& v = t->rows[0][i];
            return v ? std::chrono::seconds(std::strtoll(v->c_str(), nullptr, 10)) : std::chrono::seconds(28800);
          };
          state_.server_wait_timeout = seconds(0);
          state_.server_interactive_timeout = seconds(1);
          if (t->rows[0].size() > 2 && t->rows[0][2]) state_.server_tracks_state_change = *t->rows[0][2] == "1";
        }
      },
      asio::detached);
  ioc.run();
  if (state_.server_version.empty()) state_.server_version = "5.5.5-10.11.0-MariaDB-shardwire";
}

void server::load_trigger_tables() {
  asio::io_context ioc;
  asio::co_spawn(ioc, triggers_->refresh_direct(ioc.get_executor()), asio::detached);
  ioc.run();
}

int server::run() {
  const config& cfg = *state_.cfg;
  if (!load_saved_topology()) return 1;
  if (auto e = state_.slow.open(cfg.observe.slow_log_file); !e.empty()) {
    log_->critical("{}", e);
    return 1;
  }
  probe_backend_version();
  if (!start_xa()) return 1;
  migrations_ = std::make_unique<migration::registry>(*state_.cfg, *topo_, limits_, log_, main_ioc_.get_executor());
  if (auto why = migrations_->load(); !why.empty()) {
    log_->critical("migrations file: {}", why);
    return 1;
  }
  loaded_ = state_.current();
  migrations_->on_routes_changed([this] { return publish_routes(); });
  if (auto why = publish_routes(); !why.empty()) {  // jobs resumed in a switched phase
    log_->critical("migrations: {}", why);
    return 1;
  }
  // Before listening, so the first client already sees every logical table's metadata.
  sync_metadata_shadows(cfg, primaries(), *log_);
  // Likewise: the first write to a table with a trigger already pins its session.
  load_trigger_tables();
  error_code ec;
  tcp::endpoint ep(asio::ip::make_address(cfg.listen_host, ec), cfg.listen_port);
  if (ec) {
    log_->critical("listen address {} is not an IP address", cfg.listen_host);
    return 1;
  }
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    log_->critical("cannot listen on {}:{}: {}", cfg.listen_host, cfg.listen_port, ec.message());
    return 1;
  }
  for (auto& w : workers_) {
    w->pool.start_sweeper();
    threads_.emplace_back([&ioc = w->ioc] {
      auto guard = asio::make_work_guard(ioc);
      ioc.run();
    });
  }
  log_->info("shardwire listening on {}:{} with {} workers, default data source {} ({}), server version {}",
             cfg.listen_host, cfg.listen_port, workers_.size(), cfg.default_data_source,
             cfg.default_source().primary.text(), state_.server_version);
  monitor_->start();
  triggers_->start();
  migrations_->start();
  for (auto& [start, _] : services_) {
    if (!start()) {
      log_->critical("a service beside the SQL port could not start; exiting");
      begin_shutdown();
      main_ioc_.restart();
      main_ioc_.poll();
      finish_shutdown();
      return 1;
    }
  }
  asio::co_spawn(main_ioc_, accept_loop(), asio::detached);
  listening_ = true;
  asio::co_spawn(main_ioc_, handle_signals(), asio::detached);
  asio::co_spawn(main_ioc_, handle_reload_signals(), asio::detached);
  asio::co_spawn(main_ioc_, xa_recovery_loop(), asio::detached);
  main_ioc_.run();
  // The closed acceptor's aborted accept is still queued here, holding a socket of a
  // worker's io_context: let it complete while the workers exist (else ~server frees
  // it after the workers: heap-use-after-free).
  main_ioc_.restart();
  main_ioc_.poll();
  finish_shutdown();
  return 0;
}

asio::awaitable<void> server::accept_loop() {
  while (acceptor_.is_open()) {
    worker& w = *workers_[next_worker_++ % workers_.size()];
    auto [ec, sock] = co_await acceptor_.async_accept(w.ioc, use_nothrow);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
      log_->warn("accept failed: {}", ec.message());  // e.g. EMFILE: back off briefly
      asio::steady_timer t(main_ioc_, std::chrono::milliseconds(50));
      co_await t.async_wait(use_nothrow);
      continue;
    }
    start_session(std::move(sock), w);
  }
}

void server::start_session(tcp::socket sock, worker& w) {
  asio::post(w.ioc, [this, &w, s = std::move(sock)]() mutable {
    // At max_client_connections, with the memory budget for all sessions used up, or
    // over the address's limits: answer like MariaDB does (an ERR instead of the
    // greeting), so the client reports why.
    auto cfg = state_.current();
    std::optional<protocol::sql_error> refusal;
    std::string address = peer_ip(s);
    if (state_.client_connections.load() >= cfg->max_client_connections || state_.memory.exhausted()) {
      refusal = protocol::make_error(protocol::errc::too_many_connections);
    } else if (auto v = state_.admit.arrive(address, cfg->limits.connections); v == admission::verdict::blocked) {
      refusal = protocol::make_error(protocol::errc::host_blocked, address);
    } else if (v == admission::verdict::too_many) {
      refusal = protocol::make_error(protocol::errc::too_many_connections);
    }
    if (refusal) {
      auto session = std::make_shared<net_stream>(std::move(s));
      protocol::bytes err;
      protocol::encode_err(err, *refusal);
      asio::co_spawn(
          w.ioc, [session, err]() -> asio::awaitable<void> { co_await write_message(*session, err, 0); },
          asio::detached);
      return;
    }
    auto session = std::make_shared<client_session>(std::move(s), w);
    w.sessions.push_back(session);
    auto it = std::prev(w.sessions.end());
    // Exception firewall: a bug in one session ends that session, never the process.
    asio::co_spawn(w.ioc, session->run(), [&w, it, id = session->id()](std::exception_ptr e) {
      w.sessions.erase(it);
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        w.log->error("session {} ended by internal error: {}", id, ex.what());
      } catch (...) {
        w.log->error("session {} ended by unknown internal error", id);
      }
    });
  });
}

asio::awaitable<void> server::handle_signals() {
  auto [ec, sig] = co_await signals_.async_wait(use_nothrow);
  if (ec) co_return;
  const auto grace = state_.current()->shutdown_timeout;
  log_->info("signal {}: no new connections, draining sessions (up to {} ms)", sig, grace.count());
  begin_shutdown();
  auto deadline = clock::now() + grace;
  asio::steady_timer t(main_ioc_);
  while (state_.client_connections.load() > 0 && clock::now() < deadline) {
    t.expires_after(std::chrono::milliseconds(20));
    co_await t.async_wait(use_nothrow);
  }
  int left = state_.client_connections.load();
  if (left > 0) log_->warn("shutdown deadline passed with {} sessions still busy; closing them", left);
  main_ioc_.stop();
}

void server::begin_shutdown() {
  state_.stopping = true;
  error_code ignored;
  acceptor_.close(ignored);
  hup_.cancel(ignored);
  xa_timer_.cancel();
  monitor_->stop();
  triggers_->stop();
  if (migrations_) migrations_->stop();
  for (auto& [_, stop] : services_) stop();
  for (auto& w : workers_) {
    asio::post(w->ioc, [&w = *w] {
      for (auto& weak : w.sessions) {
        if (auto s = weak.lock()) s->request_stop();
      }
    });
  }
}

void server::finish_shutdown() {
  if (shadow_sync_.joinable()) shadow_sync_.join();
  for (auto& w : workers_) {
    asio::post(w->ioc, [&w = *w] { w.pool.close_all(); });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  for (auto& w : workers_) w->ioc.stop();
  for (auto& t : threads_) t.join();
  log_->info("shardwire stopped");
}

}  // namespace shardwire::proxy
