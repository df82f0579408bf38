// A session's transaction as the proxy answers it, and the pins that keep its backend
// connections. Pure code: the session acts on them (session_txn.cpp, session_conns.cpp).
#pragma once

#include <string>
#include <vector>

#include "router/transaction_mode.hpp"

namespace shardwire::proxy {

// BEGIN / START TRANSACTION is answered by the proxy; each connection the transaction
// then uses starts its own local transaction with `join_statements()` when first used.
class transaction_state {
 public:
  bool open() const { return open_; }
  bool read_only() const { return open_ && read_only_; }  // START TRANSACTION READ ONLY
  // BEGIN / START TRANSACTION ...: `text` is what each participant is sent, `mode` how
  // it commits across data sources.
  void start(std::string text, router::transaction_mode mode = router::transaction_mode::best_effort);
  router::transaction_mode mode() const { return mode_; }
  // An XA transaction (mode xa, not READ ONLY): each participant joins as a branch of
  // `gtrid` (XA START) instead of with the BEGIN text.
  void set_xa(std::string gtrid) { gtrid_ = std::move(gtrid); }
  const std::string& gtrid() const { return gtrid_; }
  bool xa() const { return open_ && !gtrid_.empty(); }
  std::size_t next_branch() { return branches_++; }
  // COMMIT / ROLLBACK / an implicit commit: the transaction and its savepoints are gone
  // (a pending SET TRANSACTION for the next one is the caller's to keep or clear).
  void finish();
  // SET TRANSACTION ... without a scope: for the next transaction only.
  void set_next(std::string set_statement) { next_ = std::move(set_statement); }
  void clear_next() { next_.clear(); }
  // SAVEPOINT / ROLLBACK TO / RELEASE with the name as format_identifier quotes it.
  void savepoint(const std::string& name);    // a repeated name moves to the end
  void rollback_to(const std::string& name);  // keeps it, drops the later ones
  void release(const std::string& name);      // drops it and the later ones
  // What a connection joining now runs: SET TRANSACTION (if any), the BEGIN text, then
  // the savepoints made so far (all of its work comes after them).
  // An XA branch joins with XA START `gtrid`,`bqual` (the BEGIN text's options do not apply).
  std::vector<std::string> join_statements(const std::string& bqual = {}) const;
  const std::vector<std::string>& savepoints() const { return savepoints_; }

 private:
  bool open_ = false;
  bool read_only_ = false;
  std::string begin_ = "BEGIN";
  router::transaction_mode mode_ = router::transaction_mode::best_effort;
  std::string gtrid_;
  std::size_t branches_ = 0;
  std::string next_;
  std::vector<std::string> savepoints_;
};

// What keeps the session's connections from going back to the pool between statements
// (docs/sessions.md, "Pinning rules"), transactions aside.
class pin_state {
 public:
  // Session-level: held until the session ends or resets. The first reason stays.
  void pin(const std::string& why) {
    if (reason_.empty()) reason_ = why;
  }
  const std::string& reason() const { return reason_; }
  void set_table_locks(bool held) { table_locks_ = held; }
  bool table_locks() const { return table_locks_; }
  // The next statement needs this one's connection (SHOW WARNINGS, FOUND_ROWS()).
  void keep_for_next(bool keep) { next_ = keep; }
  bool any() const { return !reason_.empty() || table_locks_ || next_; }
  // Anything beyond replayable state on the connections: the pool resets them.
  bool dirty() const { return !reason_.empty() || table_locks_; }
  // Why, for the session list and errors; "" when nothing pins.
  std::string describe() const;
  void clear() { *this = pin_state{}; }

 private:
  std::string reason_;
  bool table_locks_ = false;
  bool next_ = false;
};

}  // namespace shardwire::proxy
