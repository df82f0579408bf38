#include "proxy/migration/link.hpp"

#include "router/migration_sql.hpp"

namespace shardwire::proxy::migration {

asio::awaitable<sql_result<backend_connection*>> link::get() {
  backend_node& primary = topo_.primary(ds_);
  if (conn_ && !conn_->broken && conn_->key().node == &primary) co_return conn_.get();
  drop();
  slot_ = std::make_unique<counted_slot>(limits_);
  if (!co_await slot_->take(primary, ds_.pool.connect_timeout)) {
    slot_.reset();
    co_return protocol::make_error(protocol::errc::backend_pool_timeout, ds_.name + " " + primary.address,
                                   ds_.pool.connect_timeout.count());
  }
  auto ex = co_await asio::this_coro::executor;
  conn_ = std::make_unique<backend_connection>(ex);
  connection_key key{&ds_, &primary, 0, 45};  // (named: no braced temporaries in co_await, GCC 12)
  auto opened = co_await conn_->open(key, primary.ep);
  if (!opened) {
    drop();
    co_return opened.error();
  }
  // Marks this connection's writes as the job's own: the triggers do not log them.
  if (!token_.empty()) {
    auto marked = co_await conn_->internal_query(router::migration_sql::mark_applier(token_));
    // A job's locked step may wait on a client's locks on another server (a move across
    // nodes): only the server can see a deadlock across servers end, so the job gives up
    // first and retries.
    // (lock_wait_timeout bounds metadata locks: a backup's FLUSH TABLES WITH READ LOCK,
    // a pending ALTER.)
    if (marked) marked = co_await conn_->internal_query("SET SESSION innodb_lock_wait_timeout = 5, lock_wait_timeout = 5");
    if (!marked) {
      drop();
      co_return marked.error();
    }
  }
  if (!lock_.empty()) {
    auto got = co_await conn_->query_value(router::migration_sql::take_lock(lock_), ds_.pool.command_timeout);
    if (!got || !*got || **got != "1") {
      drop();
      if (!got) co_return got.error();
      co_return protocol::make_error(protocol::errc::internal,
                                     "another process drives this migration (it holds the lock " + lock_ + ")");
    }
  }
  co_return conn_.get();
}

void link::drop() {
  conn_.reset();  // closes the socket: the server rolls back whatever was open
  slot_.reset();
}

asio::awaitable<sql_result<void>> link::exec(std::string_view sql) {
  auto c = co_await get();
  if (!c) co_return c.error();
  auto r = co_await (*c)->internal_query(sql);
  if (!r && (*c)->broken) drop();
  co_return r;
}

asio::awaitable<sql_result<void>> link::exec_each(const std::vector<std::string>& statements) {
  for (const auto& s : statements) {
    auto r = co_await exec(s);
    if (!r) co_return r;
  }
  co_return sql_result<void>{};
}

asio::awaitable<sql_result<query_table>> link::rows(std::string_view sql) {
  auto c = co_await get();
  if (!c) co_return c.error();
  auto r = co_await (*c)->query_rows(sql, ds_.pool.command_timeout);
  if (!r && (*c)->broken) drop();
  co_return r;
}

}  // namespace shardwire::proxy::migration
