// UPDATE of a sharding column in an XA transaction (router plan::moves): each source
// node runs the UPDATE as written, so the server evaluates every SET expression; the rows
// that now carry the new key (exactly the updated ones: no row of that key belongs on this
// node) are read FOR UPDATE, inserted on the key's node and deleted here — all inside one
// XA transaction (begun and committed here in autocommit), so a row is never in both
// places or neither. The statements are router/move_sql's.
#include <spdlog/spdlog.h>

#include "proxy/session/client_session.hpp"
#include "router/move_sql.hpp"
#include "router/session_sql.hpp"

namespace shardwire::proxy {

using protocol::command;
using protocol::errc;
using protocol::make_error;

bool client_session::moves_allowed() const {
  if (txn_.open()) return txn_.xa();
  return autocommit_ && transaction_mode_now() == router::transaction_mode::xa;
}

// The rows of `m.from` holding the new key, copied to `m.to` and deleted from `m.from`.
asio::awaitable<std::optional<protocol::sql_error>> client_session::move_rows(const router::plan::row_move& m,
                                                                               backend_connection& src,
                                                                               std::uint8_t seq) {
  std::string cols_sql = router::move_sql::columns_query(m.from);
  auto described = co_await src.query_rows(cols_sql, src.key().source->pool.command_timeout);
  if (!described) co_return described.error();
  std::vector<router::move_sql::column> cols;
  for (const auto& r : described->rows) {
    if (r.size() == 2 && r[0] && r[1]) cols.push_back({*r[0], router::move_sql::numeric_type(*r[1])});
  }
  if (cols.empty()) co_return make_error(errc::internal, "no columns of " + m.from.text() + " to move");
  std::string select = router::move_sql::select_rows(m.from, cols, m.key_column, m.key_value);
  auto rows = co_await src.query_rows(select, src.key().source->pool.command_timeout);
  if (!rows) co_return rows.error();
  if (rows->rows.empty()) co_return std::nullopt;
  auto inserts = router::move_sql::insert_rows(m.to, cols, rows->rows);
  if (!inserts) co_return make_error(errc::internal, "a value of " + m.from.text() + " the proxy cannot carry");
  backend_connection* dst = co_await lease(m.to.data_source, seq, false);
  if (!dst) co_return make_error(errc::backend_connect_failed, m.to.data_source + " (moving rows to " + m.to.text() + ")");
  for (const auto& insert : *inserts) {
    if (auto r = co_await dst->internal_query(insert); !r) co_return r.error();
  }
  std::string del = router::move_sql::delete_rows(m.from, m.key_column, m.key_value);
  auto deleted = co_await src.simple_command(command::query, protocol::as_bytes(del));
  if (!deleted) co_return deleted.error();
  if (src.last_ok.affected_rows != rows->rows.size()) {
    co_return make_error(errc::internal, "moved " + std::to_string(rows->rows.size()) + " rows but deleted " +
                                             std::to_string(src.last_ok.affected_rows) + " from " + m.from.text());
  }
  worker_.log->debug("session {}: moved {} rows from {} to {}", id_, rows->rows.size(), m.from.text(), m.to.text());
  co_return std::nullopt;
}

asio::awaitable<bool> client_session::run_move(const router::plan& p, std::uint8_t seq) {
  bool implicit = !txn_.open();
  if (implicit) {  // autocommit: the statement is its own XA transaction
    txn_.start("BEGIN", router::transaction_mode::xa);
    if (auto refused = begin_xa()) {
      txn_.finish();
      co_return co_await send_error(*refused, seq);
    }
    for (auto& [name, be] : conns_) {  // connections held now join it
      if (!be) continue;
      if (auto r = co_await join_transaction(*be); !r) {
        co_await end_transaction(false, router::session_sql::rollback, 0xFF);
        co_return co_await send_error(r.error(), seq) && !be->broken;
      }
    }
  }
  std::uint64_t affected = 0;
  std::optional<protocol::sql_error> failure;
  for (std::size_t i = 0; i < p.targets.size() && !failure; ++i) {
    const auto& t = p.targets[i];
    backend_connection* be = co_await lease(t.data_source, seq, false);
    if (!be) {
      failure = make_error(errc::backend_connect_failed, t.data_source);
      break;
    }
    auto r = co_await be->simple_command(command::query, protocol::as_bytes(t.sql));
    if (!r) {
      failure = r.error();
      break;
    }
    affected += be->last_ok.affected_rows;
    for (const auto& m : p.moves) {
      if (m.target != i || failure) continue;
      failure = co_await move_rows(m, *be, seq);
    }
  }
  if (failure) {
    // The server undoes a failed statement alone; the rows this one moved so far are
    // undone with the transaction holding them.
    co_await end_transaction(false, router::session_sql::rollback, 0xFF);
    failure->message += " [shardwire: moving rows to another shard failed; the transaction was rolled back]";
    last_ok_ = false;
    co_return co_await send_error(*failure, seq) && !conns_.any_broken();
  }
  if (implicit) {
    bool keep = co_await end_transaction(true, router::session_sql::commit, 0xFF);
    if (!last_ok_) co_return co_await send_error(*implicit_end_error_, seq) && keep;
  }
  last_ok_ = true;
  stmt_.rows_affected += affected;
  co_return co_await send_ok(seq, affected);
}

}  // namespace shardwire::proxy
