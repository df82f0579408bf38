// max_statement_time (per user, or the config's): a statement still running when its
// time is up is killed with KILL QUERY through another connection to the same server,
// and the client gets MariaDB's own error for it (1969). When the kill cannot be
// delivered or the server does not end the statement within the pool's command
// timeout (a stalled server), the statement's connection is closed: the client gets a
// clear error in bounded time and the pool slot is freed.
#include <spdlog/spdlog.h>

#include <charconv>

#include "proxy/session/client_session.hpp"
#include "router/session_sql.hpp"

namespace shardwire::proxy {

void client_session::update_statement_limit() {
  const client_user* u = cfg_->find_user(user_);
  statement_limit_ = u && u->max_statement_time.count() > 0 ? u->max_statement_time : cfg_->max_statement_time;
  backend_cap_ = u ? u->max_backend_connections : 0;
}

std::shared_ptr<statement_clock> client_session::time_statement(backend_connection& be) {
  // The user's (or global) limit, or the routed tables' own when that is smaller.
  auto limit = statement_limit_;
  if (rule_limit_.count() > 0 && (limit.count() <= 0 || rule_limit_ < limit)) limit = rule_limit_;
  if (limit.count() <= 0) return nullptr;
  auto clock = std::make_shared<statement_clock>(stream_.get_executor());
  asio::co_spawn(stream_.get_executor(), watch_statement(clock, be, limit), asio::detached);
  return clock;
}

// KILL QUERY ID of the statement `thread` runs now, unless the relay has finished
// meanwhile: true when it was killed or had ended.
asio::awaitable<bool> client_session::kill_running(backend_connection& killer, std::uint32_t thread,
                                                   const statement_clock& clock) {
  auto id = co_await killer.query_value(router::session_sql::running_query_id(thread),
                                        killer.key().source->pool.command_timeout);
  if (!id) co_return false;
  if (clock.done || !*id) co_return true;  // ended meanwhile
  std::uint64_t query_id = 0;
  if (std::from_chars(id->value().data(), id->value().data() + id->value().size(), query_id).ec != std::errc{}) {
    co_return false;
  }
  auto r = co_await killer.internal_query(router::session_sql::kill_query_id(query_id));
  co_return r || r.error().code == 1094 || r.error().code == 1957;  // no such thread / query: it ended
}

asio::awaitable<void> client_session::watch_statement(std::shared_ptr<statement_clock> clock, backend_connection& be,
                                                     std::chrono::milliseconds limit) {
  auto self = shared_from_this();
  clock->timer.expires_after(limit);
  co_await clock->timer.async_wait(use_nothrow);
  if (clock->done) co_return;  // `be` is only touched while its statement runs
  clock->fired = true;
  connection_key key = be.key();
  std::uint32_t thread = be.thread_id();
  worker_.log->info("session {}: statement over max_statement_time ({} ms) on {}: KILL QUERY {}", id_,
                    limit.count(), be.describe(), thread);
  bool killed = false;
  auto killer = co_await worker_.pool.acquire(key, "", false);
  if (killer) {
    killed = co_await kill_running(**killer, thread, *clock);
    worker_.pool.park(std::move(*killer));  // a broken one is closed there
  }
  if (clock->done) co_return;
  if (killed) {  // the server ends the statement with an ERR the relay turns into 1969
    clock->timer.expires_after(key.source->pool.command_timeout);
    co_await clock->timer.async_wait(use_nothrow);
    if (clock->done) co_return;
  }
  worker_.log->warn("session {}: {} did not end its statement after max_statement_time; connection closed", id_,
                    be.describe());
  be.broken = true;
  error_code ignored;
  be.socket().close(ignored);
}

}  // namespace shardwire::proxy
