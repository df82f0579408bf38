// Transactions across data sources. BEGIN / START TRANSACTION is answered by the
// proxy; each connection the transaction then uses starts its own local transaction
// (join_transaction), or its XA branch in mode xa (session_xa.cpp). In mode
// best_effort COMMIT commits the participants one after another: if one fails after
// another committed, the client gets ERR 1180 naming which data sources committed and
// which were rolled back. SAVEPOINTs go to every participant and are replayed on
// connections that join later.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "proxy/session/client_session.hpp"
#include "router/session_sql.hpp"
#include "router/formatter.hpp"

namespace shardwire::proxy {

using protocol::command;
using protocol::errc;
using protocol::make_error;
using kind = router::ast::transaction_stmt::kind;

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "none" : out;
}
}  // namespace

asio::awaitable<bool> client_session::run_transaction_statement(const router::ast::transaction_stmt& t,
                                                                std::string_view sql, std::uint8_t seq) {
  switch (t.type) {
    case kind::begin:
    case kind::start: {
      // BEGIN inside a transaction commits it first, as the server does.
      if (in_transaction()) {
        if (!co_await end_transaction(true, router::session_sql::commit, 0xFF)) co_return false;
        if (!last_ok_) {
          co_return co_await send_error(
              make_error(errc::partial_commit, "committing the open transaction before " + t.text), seq);
        }
      }
      txn_.start(t.text, transaction_mode_now());
      if (auto refused = begin_xa()) {
        txn_.finish();
        co_return co_await send_error(*refused, seq);
      }
      // Join the connections held right now (an implicit transaction may already pin one).
      for (auto& [name, be] : conns_) {
        if (!be) continue;
        auto r = co_await join_transaction(*be);
        if (!r) {
          txn_.finish();
          co_return co_await send_error(r.error(), seq) && !be->broken;
        }
      }
      txn_.clear_next();
      co_return co_await send_ok(seq);
    }
    case kind::commit:
    case kind::rollback:
      co_return co_await end_transaction(t.type == kind::commit, sql, seq);
    case kind::savepoint:
    case kind::rollback_to:
    case kind::release: {
      std::string name, text = t.text;  // (no ?: with class temporaries: GCC 12 coroutines)
      if (t.savepoint) name = router::format_identifier(*t.savepoint);
      if (!name.empty()) text += " " + name;
      auto parts = conns_.participants();
      for (auto& [ds, be] : parts) {
        auto r = co_await be->simple_command(command::query, protocol::as_bytes(text));
        if (!r) co_return co_await send_error(r.error(), seq) && !be->broken;
      }
      if (!txn_.open() && parts.empty()) {
        // Outside a transaction the server accepts SAVEPOINT and forgets it; ROLLBACK TO
        // / RELEASE of an unknown savepoint fail there: let the server say so.
        if (t.type != kind::savepoint) {
          backend_connection* be = co_await lease(cfg_->default_data_source, seq);
          if (!be) co_return !closed_;
          auto r = co_await be->simple_command(command::query, protocol::as_bytes(text));
          if (!r) co_return co_await send_error(r.error(), seq) && !be->broken;
        }
        co_return co_await send_ok(seq);
      }
      if (t.type == kind::savepoint) {
        txn_.savepoint(name);
      } else if (t.type == kind::rollback_to) {
        txn_.rollback_to(name);
      } else {
        txn_.release(name);
      }
      co_return co_await send_ok(seq);
    }
  }
  co_return co_await send_ok(seq);
}

// Commits (or rolls back) every participant. seq 0xFF: an implicit commit whose
// failure the caller reports (implicit_end_error_ says what happened).
asio::awaitable<bool> client_session::end_transaction(bool commit, std::string_view sql, std::uint8_t seq) {
  if (txn_.xa()) co_return co_await end_xa(commit, seq);
  implicit_end_error_.reset();
  auto parts = conns_.participants();
  txn_.finish();
  txn_.clear_next();
  last_ok_ = true;
  std::vector<std::string> done, undone;
  std::optional<protocol::sql_error> failure;
  bool lost = false;
  std::uint16_t warnings = 0;  // e.g. 1196: a non-transactional table could not be rolled back
  for (auto& [ds, be] : parts) {
    // After a failed COMMIT the rest are rolled back: nothing more may commit.
    std::string_view text = sql;
    if (failure) text = router::session_sql::rollback;
    auto r = co_await be->simple_command(command::query, protocol::as_bytes(text));
    be->txn_joined = false;
    lost = lost || be->broken;
    if (r) warnings = static_cast<std::uint16_t>(std::min<unsigned>(0xFFFF, warnings + be->last_ok.warnings));
    if (r && !failure) {
      done.push_back(ds + " (" + be->describe() + ")");
    } else {
      if (!r && !failure) failure = r.error();
      undone.push_back(ds + " (" + be->describe() + ")");
    }
  }
  if (!failure) {
    if (seq == 0xFF) co_return true;
    if (warnings > 0) pins_.keep_for_next(true);  // SHOW WARNINGS next reads them there
    co_return co_await send_ok(seq, 0, 0, warnings);
  }
  last_ok_ = false;
  protocol::sql_error e = *failure;
  if (!commit || done.empty()) {
    // Nothing committed: the participant's own error, with what happened to the rest.
    e.message += " [shardwire: " + std::string(commit ? "COMMIT" : "ROLLBACK") +
                 " failed; rolled back on: " + join(undone) + "]";
  } else {
    e = make_error(errc::partial_commit, failure->message + " [shardwire: committed on: " + join(done) +
                                             "; not committed (rolled back) on: " + join(undone) + "]");
  }
  worker_.log->warn("session {}: {}", id_, e.message);
  implicit_end_error_ = e;
  if (seq == 0xFF) co_return !lost;
  co_return co_await send_error(e, seq) && !lost;
}

}  // namespace shardwire::proxy
