// What a client session has changed about "its" server session, kept by the proxy so
// any backend connection can be made to match it (connection multiplexing), and what a
// statement does to that state. Pure code: no sockets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "router/ast.hpp"
#include "router/statement_analysis.hpp"

namespace shardwire::proxy {

// One replayable assignment: `text` follows `SET ` (e.g. "@@SESSION.sql_mode = 'ANSI'",
// "NAMES utf8mb4", "@a = 5"); a later assignment of the same key replaces it.
struct session_var {
  std::string key;  // "sql_mode", "@a", "names", "transaction"
  std::string text;
  bool standalone = false;  // SET TRANSACTION ...: cannot share a SET with other items
  bool operator==(const session_var&) const = default;
};

class session_vars {
 public:
  const std::vector<session_var>& items() const { return items_; }
  std::uint64_t signature() const { return signature_; }  // equal lists, equal signatures
  bool empty() const { return items_.empty(); }
  std::size_t bytes() const;  // what the list holds, for the session's memory budget
  void assign(session_var v);
  void clear();
  // The SET statements that bring a connection holding `applied` to this state, or
  // nullopt when `applied` sets something this state does not (reset the connection
  // first, then apply everything).
  std::optional<std::vector<std::string>> statements_from(const std::vector<session_var>& applied) const;

 private:
  void resign();
  std::vector<session_var> items_;
  std::uint64_t signature_ = 0;
};

// What a SET statement does to the session.
struct set_effect {
  std::vector<session_var> vars;   // tracked assignments, in order
  bool pin = false;                // not replayable (a value computed from data, GLOBAL mixed in ...)
  bool next_transaction = false;   // SET TRANSACTION without a scope: the next transaction only
  std::optional<bool> autocommit;  // SET autocommit = ...
  // SET wait_timeout = n seconds (0: DEFAULT, the server's global value).
  std::optional<long long> wait_timeout;
  // SET session_track_state_change: the connection (pinned) now reports state changes as
  // the client's session asked (backend connections otherwise always do, for the proxy).
  bool state_change_tracking = false;
  std::string why;                 // for pin: what made it unreplayable
};
set_effect analyze_set(const router::ast::set_stmt& s);

// What a statement leaves on its connection, as the session acts on it: derived from
// the one statement analysis (router/statement_analysis.hpp). One plain statement of
// the kinds the session tracks (SET, USE, LOCK/UNLOCK TABLES, transaction control) is
// tracked; any other state effect, in any form, pins the session's connections.
struct statement_marks {
  bool pin_session = false;     // state the proxy cannot carry to another connection
  bool lock_tables = false;     // one plain LOCK TABLES
  bool unlock_tables = false;   // one plain UNLOCK TABLES
  bool found_rows = false;      // SQL_CALC_FOUND_ROWS: FOUND_ROWS() must run on the same connection next
  bool diagnostics = false;     // SHOW WARNINGS and the like: the warnings stay for the next statement too
  bool last_insert_id = false;  // reads LAST_INSERT_ID(): the session's value must be on the connection
  bool previous_counts =
      false;         // reads ROW_COUNT() / FOUND_ROWS() / CONNECTION_ID(): the session's, not the connection's
  bool set = false;  // one plain SET statement: parsed and replayed, or pinned when it cannot be
  bool use = false;  // one plain USE: the session's database follows
  std::string why;   // for pin_session
};
statement_marks marks_of(const router::statement_analysis& a);

using router::statement_class;



}  // namespace shardwire::proxy
