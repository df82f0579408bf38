// Read/write splitting (docs/replicas.md): a read outside a transaction takes a new
// connection from a replica within the group's max_replica_lag; everything else goes to
// the primary. After the session writes to a group, read-your-writes holds its later
// reads of that group to what it wrote: by waiting on the replica for the primary's GTID
// position (causal_reads "gtid"), or by reading from the primary for a window ("primary").
#include <spdlog/spdlog.h>

#include "proxy/session/client_session.hpp"
#include "router/session_sql.hpp"
#include "router/lexer.hpp"

namespace shardwire::proxy {

using protocol::errc;
using protocol::make_error;
using clock = std::chrono::steady_clock;

// State a replica connection cannot carry: a transaction (explicit or autocommit=0) and
// anything pinned to the primary's connection.
bool client_session::replica_read() const {
  return intent_ == statement_class::read && autocommit_ && !txn_.open() && !in_transaction() && !pinned();
}

backend_node* client_session::read_node(const data_source& ds) const {
  topology& topo = *worker_.state.topo;
  if (!topo.has_replicas(ds)) return &topo.primary(ds);
  const read_settings reads = topo.reads(ds);
  if (reads.causal_reads == read_settings::causal::primary) {
    auto it = causal_.find(&ds);
    if (it != causal_.end() && clock::now() - it->second.written_at < reads.causal_window) return &topo.primary(ds);
  }
  if (backend_node* r = topo.pick_replica(ds)) return r;
  if (reads.fallback_to_primary) return &topo.primary(ds);
  return nullptr;
}

// A write to `ds`: refused while its primary is read_only; otherwise remembered for
// read-your-writes.
std::optional<protocol::sql_error> client_session::note_write(const data_source& ds) {
  topology& topo = *worker_.state.topo;
  backend_node& primary = topo.primary(ds);
  if (primary.read_only.load()) return make_error(errc::primary_read_only, primary.address, ds.name);
  if (topo.has_replicas(ds) && topo.reads(ds).causal_reads != read_settings::causal::off) {
    auto& c = causal_[&ds];
    c.pending = true;
    c.written_at = clock::now();
  }
  return std::nullopt;
}

// Before `replica` serves a session that wrote to the group: learn the primary's GTID
// position after that write (once per write), then, unless the monitor already saw the
// replica there, MASTER_GTID_WAIT on it. False: not caught up within causal_timeout
// (the caller reads from the primary instead).
asio::awaitable<bool> client_session::causal_ready(const data_source& ds, backend_connection& replica) {
  const read_settings reads = worker_.state.topo->reads(ds);
  if (reads.causal_reads != read_settings::causal::gtid) co_return true;
  auto it = causal_.find(&ds);
  if (it == causal_.end()) co_return true;
  causal_state& c = it->second;
  if (c.pending) {
    backend_node& primary = worker_.state.topo->primary(ds);
    auto leased = co_await worker_.pool.acquire(connection_key{&ds, &primary, caps_ & key_caps_mask, charset_, mariadb_caps_ & key_mariadb_caps_mask}, "",
                                                true, vars_.signature());
    if (!leased) co_return false;
    auto pos = co_await (*leased)->query_value(router::session_sql::select_gtid_position);
    worker_.pool.park(std::move(*leased));
    if (!pos) co_return false;
    c.wanted = pos->value_or("");
    c.pending = false;
  }
  if (c.wanted.empty() || gtid_reached(replica.key().node->gtid(), c.wanted)) co_return true;
  auto waited = co_await replica.query_value(
      router::session_sql::gtid_wait(c.wanted, static_cast<double>(reads.causal_timeout.count()) / 1000.0));
  bool ok = waited && waited->value_or("") == "0";
  if (!ok) {
    worker_.log->debug("session {}: {} not at {} within {} ms; reading from the primary", id_, replica.describe(),
                       c.wanted, reads.causal_timeout.count());
  }
  co_return ok;
}

// A new connection to `ds` for this statement: from a replica for a read (another one,
// then the primary, when it cannot be reached or has not caught up with the session's
// writes), else from the primary.
asio::awaitable<sql_result<std::unique_ptr<backend_connection>>> client_session::acquire_for(const data_source& ds,
                                                                                             bool read,
                                                                                             bool is_default) {
  topology& topo = *worker_.state.topo;
  std::string schema;  // other data sources: statements name their databases (no ?: here: GCC 12 coroutines)
  if (is_default) schema = schema_;
  for (int attempt = 0;; ++attempt) {
    backend_node* node = &topo.primary(ds);
    if (read && attempt < 3) node = read_node(ds);
    if (!node) co_return make_error(errc::no_replica, ds.name, topo.reads(ds).max_replica_lag.count());
    bool replica = !node->is_primary.load();
    auto leased = co_await worker_.pool.acquire(connection_key{&ds, node, caps_ & key_caps_mask, charset_, mariadb_caps_ & key_mariadb_caps_mask}, schema,
                                                true, vars_.signature());
    if (!leased) {
      if (replica) continue;  // marked down by the failed connect: the next pick avoids it
      co_return leased.error();
    }
    auto r = co_await adapt(**leased, is_default);
    if (!r) {
      (*leased)->broken = true;  // half-adapted: never reuse
      worker_.pool.release(std::move(*leased));
      if (replica) continue;
      co_return r.error();
    }
    if (replica && !co_await causal_ready(ds, **leased)) {
      worker_.pool.park(std::move(*leased));
      read = false;
      continue;
    }
    ++node->statements;
    co_return std::move(*leased);
  }
}

}  // namespace shardwire::proxy
