// Statements on a migrated table's old name while its migration is switched
// (docs/migrations.md, "Switching"): which rules route them, the fence a switch of
// writes raises, and the holds that tell the switch which sessions still use the source.
#include <cctype>

#include "proxy/migration/applied_wait.hpp"
#include "proxy/session/client_session.hpp"

namespace shardwire::proxy {

using protocol::errc;
using protocol::make_error;

namespace {
bool reads_only(router::statement_kind k) {
  return k == router::statement_kind::select || k == router::statement_kind::show;
}
}  // namespace

// SHARDWIRE EXPLAIN <statement> routes as the statement would.
router::statement_kind client_session::migration_kind(std::string_view sql) const {
  if (analysis_.kind != router::statement_kind::shardwire) return analysis_.kind;
  auto a = router::analyze_statement(sql, analysis_opts());
  std::size_t at = 0;
  for (int word = 0; word < 2; ++word) {  // past SHARDWIRE and EXPLAIN
    while (at < sql.size() && std::isspace(static_cast<unsigned char>(sql[at]))) ++at;
    while (at < sql.size() && !std::isspace(static_cast<unsigned char>(sql[at]))) ++at;
  }
  return at < sql.size() ? router::analyze_statement(sql.substr(at), analysis_opts()).kind : a.kind;
}

// Reads outside a transaction use the rules with every switched route; writes,
// transactions (autocommit=0 included), and a session that wrote the source and whose
// changes the job has not yet applied use those where only switched writes are. A
// prepared statement keeps the routing its kind gives it (it was prepared routed or on
// the server: a prepared read inside a transaction reads the target, docs/migrations.md).
const std::shared_ptr<const router::sharding_rules>& client_session::statement_rules(router::statement_kind kind,
                                                                              bool prepared) {
  if (!cfg_->write_rules) return cfg_->rules;
  if (!reads_only(kind)) return cfg_->write_rules;
  if (prepared) return cfg_->rules;
  if (transaction_scope() || !holds_.empty()) return cfg_->write_rules;  // autocommit=0 included
  for (auto it = source_writes_.begin(); it != source_writes_.end();) {
    if (it->first->caught_up.load() > it->second) {
      it = source_writes_.erase(it);
    } else {
      return cfg_->write_rules;
    }
  }
  return cfg_->rules;
}

namespace {
// Whether `sql` may name one of the routes' tables (a plain text search: a false match
// only makes the statement wait behind a switch, a miss cannot happen).
bool names_a_route(const std::vector<migration::route>& routes, std::string_view sql) {
  for (const auto& r : routes) {
    if (sql.find(r.table) != std::string_view::npos) return true;
  }
  return false;
}
}  // namespace

// Before a statement that may name a switched route's table: adopts routes published
// since the session's config (refused inside a transaction: it would go where the table
// no longer is), waits while a switch is fenced (bounded), and holds every route (a
// write; or anything in a transaction) until the statement, or the transaction, ends.
// A session already holding is counted by the switch, which waits for it: it never waits.
asio::awaitable<std::optional<protocol::sql_error>> client_session::migration_gate(router::statement_kind kind,
                                                                                  std::string_view sql) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    const auto gen = worker_.state.config_generation.load();
    if (gen != cfg_generation_) {
      auto next = worker_.state.current();
      // A reload (another config as read) applies as before, between transactions.
      if (!(next->loaded_base && next->loaded_base == cfg_->loaded_base)) co_return std::nullopt;
      if (!names_a_route(next->migration_routes, sql) && !names_a_route(cfg_->migration_routes, sql)) {
        co_return std::nullopt;
      }
      if (transaction_scope() || txn_.open() || !holds_.empty()) {
        release_migration_holds();
        co_return make_error(errc::migration_switching, "the table's migration switched during this transaction");
      }
      cfg_ = std::move(next);
      cfg_generation_ = gen;
    }
    if (cfg_->migration_routes.empty() || !holds_.empty() || !names_a_route(cfg_->migration_routes, sql)) {
      if (!holds_.empty() && !reads_only(kind)) holds_wrote_ = true;
      co_return std::nullopt;
    }
    const bool hold = !reads_only(kind) || transaction_scope();
    // Held first, then the fence read: a switch that raised its fence and then saw no
    // holder cannot miss this statement (both sides use sequentially consistent atomics);
    // and a switch published between the look at the generation and the hold is seen.
    if (hold) {
      for (const auto& r : cfg_->migration_routes) r.state->holders.fetch_add(1);
    }
    bool fenced = false;
    for (const auto& r : cfg_->migration_routes) fenced = fenced || r.state->fence.load();
    if (!fenced && worker_.state.config_generation.load() == cfg_generation_) {
      if (hold) {
        for (const auto& r : cfg_->migration_routes) holds_.push_back(r.state);
        holds_wrote_ = !reads_only(kind);
      }
      co_return std::nullopt;
    }
    if (hold) {
      for (const auto& r : cfg_->migration_routes) r.state->holders.fetch_sub(1);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      co_return make_error(errc::migration_switching, "a migration is switching this table");
    }
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer pause(ex, std::chrono::milliseconds(2));
    co_await pause.async_wait(use_nothrow);
  }
}

// A statement that may write a double-written table (a write, or a batch, naming it: a
// plain text search, as for the gate) owes its OK, or its transaction's COMMIT's, a wait
// for the job (settle_double_writes). A write the search misses (a stored procedure's)
// is still logged by the source's triggers and applied: only its OK does not wait.
void client_session::owe_double_write(router::statement_kind kind, bool single, std::string_view sql) {
  if (reads_only(kind) && single) return;
  for (const auto& r : cfg_->double_writes) {
    if (sql.find(r.table) == std::string_view::npos) continue;
    bool owed = false;
    for (const auto& s : double_writes_owed_) owed = owed || s == r.state;
    if (!owed) double_writes_owed_.push_back(r.state);
  }
}

// Before the last bytes of a response (or a synthesized OK) go to the client: once no
// transaction is open, the writes the session owes are committed (or rolled back), and
// the OK waits until each job has applied everything committed before it: a ticket
// taken now, passed by the job's caught_up (route.hpp). Bounded by the job's ack_wait_ms;
// a job whose last application failed is not waited for. Either way the source's change
// log holds the write, and the job applies it when it can (counted as late).
asio::awaitable<void> client_session::settle_double_writes(std::uint16_t status, bool failed) {
  if (status & protocol::status::in_trans) co_return;  // COMMIT's OK waits
  auto owed = std::move(double_writes_owed_);
  double_writes_owed_.clear();
  if (failed) co_return;  // an autocommit statement that failed left nothing
  for (const auto& s : owed) {
    const std::chrono::milliseconds bound(s->ack_wait_ms.load());
    if (bound.count() == 0) continue;
    if (!s->applying.load()) {  // not waited for
      s->acks_late.fetch_add(1);
      continue;
    }
    const auto start = std::chrono::steady_clock::now();
    const bool applied = co_await migration::wait_applied(*s, bound);
    s->acks_waited.fetch_add(1);
    if (!applied) s->acks_late.fetch_add(1);
    s->ack_wait_us.fetch_add(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count()));
  }
}

// After each command outside a transaction, and when the session ends.
void client_session::release_migration_holds() {
  if (holds_.empty()) return;
  for (const auto& s : holds_) {
    if (holds_wrote_) source_writes_.emplace_back(s, s->read_ticket.load());
    s->holders.fetch_sub(1);
  }
  holds_.clear();
  holds_wrote_ = false;
  if (source_writes_.size() > 64) source_writes_.erase(source_writes_.begin(), source_writes_.end() - 64);
}

}  // namespace shardwire::proxy
