// UPDATE of a sharding column in an XA transaction (router plan::moves): each source
// node runs the UPDATE as written, so the server evaluates every SET expression; the rows
// that now carry the new key (exactly the updated ones: no row of that key belongs on this
// node) are read FOR UPDATE, inserted on the key's node and deleted here — all inside one
// XA transaction (begun and committed here in autocommit), so a row is never in both
// places or neither. Values travel as `_binary X'..'` of the column's own bytes (HEX() on
// the server) or as checked numeric literals: safe by construction in every character set.
#include <spdlog/spdlog.h>

#include "proxy/session/client_session.hpp"
#include "router/formatter.hpp"
#include "router/session_sql.hpp"
#include "router/sql_literal.hpp"

namespace shardwire::proxy {

using protocol::command;
using protocol::errc;
using protocol::make_error;

namespace {

constexpr std::size_t max_insert_bytes = 1u << 20;  // one INSERT of moved rows at most (more: several)

std::string qualified(const router::data_node& n) {
  std::string s = router::format_identifier({n.database, true});
  s.append(".").append(router::format_identifier({n.table, true}));
  return s;
}

bool numeric_type(const std::string& t) {
  for (const char* n : {"tinyint", "smallint", "mediumint", "int", "bigint", "decimal", "float", "double", "year"}) {
    if (t == n) return true;
  }
  return false;
}

std::optional<std::string> unhex(std::string_view h) {
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  if (h.size() % 2) return std::nullopt;
  std::string out(h.size() / 2, '\0');
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = digit(h[2 * i]), lo = digit(h[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<char>(hi * 16 + lo);
  }
  return out;
}

struct column {
  std::string name;
  bool numeric = false;
};

}  // namespace

bool client_session::moves_allowed() const {
  if (txn_.open()) return txn_.xa();
  return autocommit_ && transaction_mode_now() == router::transaction_mode::xa;
}

// The rows of `m.from` holding the new key, copied to `m.to` and deleted from `m.from`.
asio::awaitable<std::optional<protocol::sql_error>> client_session::move_rows(const router::plan::row_move& m,
                                                                               backend_connection& src,
                                                                               std::uint8_t seq) {
  std::string cols_sql =
      "SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = " +
      router::hex_string_literal(m.from.database, "utf8mb4") +
      " AND TABLE_NAME = " + router::hex_string_literal(m.from.table, "utf8mb4") +
      " AND EXTRA NOT LIKE '%GENERATED%' ORDER BY ORDINAL_POSITION";
  auto described = co_await src.query_rows(cols_sql, src.key().source->pool.command_timeout);
  if (!described) co_return described.error();
  std::vector<column> cols;
  for (const auto& r : described->rows) {
    if (r.size() == 2 && r[0] && r[1]) cols.push_back({*r[0], numeric_type(*r[1])});
  }
  if (cols.empty()) co_return make_error(errc::internal, "no columns of " + m.from.text() + " to move");
  std::string key = router::format_identifier({m.key_column, true});
  std::string select = "SELECT ", names;
  for (std::size_t i = 0; i < cols.size(); ++i) {
    std::string id = router::format_identifier({cols[i].name, true});
    select.append(i ? ", " : "").append(cols[i].numeric ? id : "HEX(" + id + ")");
    names.append(i ? ", " : "").append(id);
  }
  select.append(" FROM ").append(qualified(m.from)).append(" WHERE ").append(key).append(" = ").append(m.key_value);
  select.append(" FOR UPDATE");
  auto rows = co_await src.query_rows(select, src.key().source->pool.command_timeout);
  if (!rows) co_return rows.error();
  if (rows->rows.empty()) co_return std::nullopt;
  backend_connection* dst = co_await lease(m.to.data_source, seq, false);
  if (!dst) co_return make_error(errc::backend_connect_failed, m.to.data_source + " (moving rows to " + m.to.text() + ")");
  std::string head = "INSERT INTO " + qualified(m.to) + " (" + names + ") VALUES ";
  std::string insert = head;
  bool any = false;
  for (const auto& r : rows->rows) {
    std::string tuple = "(";
    for (std::size_t i = 0; i < cols.size(); ++i) {
      if (i) tuple += ", ";
      if (i >= r.size() || !r[i]) {
        tuple += "NULL";
      } else if (cols[i].numeric) {
        auto lit = router::numeric_literal(*r[i]);
        if (!lit) co_return make_error(errc::internal, "a value of " + cols[i].name + " the proxy cannot carry");
        tuple += *lit;
      } else {
        auto bytes = unhex(*r[i]);
        if (!bytes) co_return make_error(errc::internal, "HEX() of " + cols[i].name + " is not hex");
        tuple += router::hex_string_literal(*bytes, "binary");
      }
    }
    tuple += ")";
    if (any && insert.size() + tuple.size() > max_insert_bytes) {
      if (auto r = co_await dst->internal_query(insert); !r) co_return r.error();
      insert = head;
      any = false;
    }
    insert.append(any ? ", " : "").append(tuple);
    any = true;
  }
  if (any) {
    if (auto r = co_await dst->internal_query(insert); !r) co_return r.error();
  }
  std::string del = "DELETE FROM " + qualified(m.from) + " WHERE " + key + " = " + m.key_value;
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
