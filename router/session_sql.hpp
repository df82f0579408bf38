// The SQL text the session layer sends on its own (not the client's): restating session
// state on a connection, transaction control on participants, KILL translation, reading
// user variables, read-your-writes waits, and lanes of a multi-node read. Built here so
// that proxy/ never assembles SQL; every value is printed by the proxy or written as a
// literal that is safe by construction (router/sql_literal.hpp). Pure code.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shardwire::router {

namespace session_sql {

// What every backend connection starts with, and gets again after a reset: autocommit
// (MariaDB keeps reporting it off after RESET CONNECTION) and reports of session state
// changes, which reveal state a trigger or stored function leaves (see
// protocol/response_tracker.hpp).
constexpr std::string_view connection_defaults = "SET autocommit=1, session_track_state_change=1";
// The server's idle timeouts a client session starts with (wait_timeout, interactive_timeout),
// and whether its sessions report state changes (what a client's session starts with).
constexpr std::string_view server_timeouts =
    "SELECT @@global.wait_timeout, @@global.interactive_timeout, @@global.session_track_state_change";
constexpr std::string_view select_database = "SELECT DATABASE()";
constexpr std::string_view select_gtid_position = "SELECT @@gtid_binlog_pos";
constexpr std::string_view commit = "COMMIT";
constexpr std::string_view rollback = "ROLLBACK";

// DO LAST_INSERT_ID(n): the session's value on a connection that will read it.
std::string set_last_insert_id(std::uint64_t id);
// SET a, b, ...: assignments as format_set_item prints them (one SET statement).
std::string set(const std::vector<std::string_view>& assignments);
// SAVEPOINT <name>, the name as format_identifier quotes it.
std::string savepoint(std::string_view quoted_name);
// KILL [HARD|SOFT] QUERY|CONNECTION <backend thread>; `modifier` must be "", "HARD" or "SOFT".
std::string kill(std::string_view modifier, bool query, std::uint32_t thread);
// The id of the statement running on `thread` now (column query_id), and KILL QUERY ID:
// a kill that reaches the thread after that statement ended hits nothing, never the
// next statement of a connection that went back to the pool.
std::string running_query_id(std::uint32_t thread);
std::string kill_query_id(std::uint64_t query_id);
// SELECT @a, @b ...: `variables` are user-variable tokens as the lexer found them.
std::string select_variables(const std::vector<std::string>& variables);
// SELECT MASTER_GTID_WAIT(<position>, <seconds>): `position` comes from the server.
std::string gtid_wait(std::string_view position, double timeout_s);
// Several node statements as one (a connection serving several nodes of a merge):
// `(q1) UNION ALL (q2) ... tail`, or each wrapped in a derived table when `derived`.
std::string union_all(const std::vector<std::string_view>& statements, bool derived, std::string_view tail);

}  // namespace session_sql

}  // namespace shardwire::router
