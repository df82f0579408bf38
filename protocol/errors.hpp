// The one numbered catalog of errors shardwire itself raises. Each entry carries the
// MySQL errno and SQLSTATE clients key on; errors travel as values on the data path
// and become ERR packets only at the session edge. Backend errors are relayed with
// their own errno/SQLSTATE/message and never pass through this catalog.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace shardwire::protocol {

// X(name, errno, sqlstate, message format). The `internal` entry is for bugs only;
// anything a user can cause has its own entry.
#define SHARDWIRE_ERRORS(X)                                                                                          \
  X(access_denied, 1045, "28000", "Access denied for user '{}'@'{}' (using password: {})")                           \
  X(unknown_command, 1047, "08S01", "Unknown command")                                                               \
  X(bad_handshake, 1043, "08S01", "Bad handshake")                                                                   \
  X(too_many_connections, 1040, "08004", "Too many connections")                                                     \
  X(host_blocked, 1129, "HY000",                                                                                     \
    "Host '{}' is blocked because of many connection errors; it is let in again after "                             \
    "limits.connect_errors_block_s")                                                                                 \
  X(user_limit_reached, 1226, "42000",                                                                               \
    "User '{}' has exceeded the 'max_backend_connections' resource (current value: {})")                           \
  X(too_many_user_connections, 1203, "42000",                                                                        \
    "User {} already has more than 'max_user_connections' active connections")                                      \
  X(server_shutdown, 1053, "08S01", "Server shutdown in progress")                                                   \
  X(packet_too_large, 1153, "08S01", "Got a packet bigger than 'max_allowed_packet' bytes")                          \
  X(packets_out_of_order, 1156, "08S01", "Got packets out of order")                                                 \
  X(auth_mode_unsupported, 1251, "08004", "Client does not support authentication protocol requested by server; {}") \
  X(not_supported, 1235, "42000", "This version of shardwire doesn't yet support '{}'")                              \
  X(no_such_thread, 1094, "HY000", "Unknown thread id: {}")                                                          \
  X(value_count, 1136, "21S01", "Column count doesn't match value count at row {}")                                  \
  X(no_default, 1364, "HY000", "Field '{}' doesn't have a default value")                                            \
  X(no_shard_for_value, 1526, "HY000", "Table has no partition for value {}")                                        \
  X(kill_denied, 1095, "HY000", "You are not owner of thread {}")                                                    \
  X(malformed_packet, 1835, "HY000", "Malformed communication packet")                                               \
  X(backend_connect_failed, 1429, "HY000", "Unable to connect to foreign data source: {}")                           \
  X(backend_lost, 1430, "HY000",                                                                                     \
    "There was a problem processing the query on the foreign data source. "                                          \
    "Data source error: {}")                                                                                         \
  X(backend_pool_timeout, 1040, "08004", "Too many connections: no connection to {} free within {} ms")              \
  X(merge_memory_exceeded, 1038, "HY001",                                                                            \
    "Out of merge memory: {} across shards needs more than merge.memory_limit_mb ({} MB)")                           \
  X(merge_out_of_range, 1690, "22003", "DECIMAL value is out of range in '{}' (merged across shards)")               \
  X(partial_commit, 1180, "HY000", "Got error during COMMIT: {}")                                                    \
  X(unknown_stmt, 1243, "HY000", "Unknown prepared statement handler ({}) given to {}")                              \
  X(wrong_arguments, 1210, "HY000", "Incorrect arguments to {}")                                                     \
  X(backend_down, 1429, "HY000",                                                                                     \
    "Unable to connect to foreign data source: {} of {} is marked down by the health monitor ({})")                  \
  X(primary_read_only, 1290, "HY000",                                                                                \
    "The MariaDB server is running with the --read-only option so it cannot execute this "                           \
    "statement (primary {} of {} is read_only: writes are refused until a writable primary is designated)")          \
  X(no_replica, 1429, "HY000",                                                                                       \
    "Unable to connect to foreign data source: no replica of {} is up within max_replica_lag_ms {} "                 \
    "and reads.fallback is \"error\"")                                                                               \
  X(pinned_to_old_primary, 1290, "HY000",                                                                            \
    "The MariaDB server is running with the --read-only option so it cannot execute this "                           \
    "statement (this session's connection to {} is pinned ({}) to {}, no longer the primary: "                       \
    "reconnect to write)")                                                                                           \
  X(parse_too_deep, 1064, "42000", "You have an error in your SQL syntax: {}")                                      \
  X(syntax_error, 1064, "42000", "You have an error in your SQL syntax; {}")                                         \
  X(need_reprepare, 1615, "HY000", "Prepared statement needs to be re-prepared")                                     \
  X(statement_timeout, 1969, "70100", "Query execution was interrupted (max_statement_time exceeded)")               \
  X(long_data_too_long, 1105, "HY000",                                                                               \
    "Parameter of prepared statement which is set through mysql_send_long_data() is longer than "                    \
    "'limits.max_long_data_size' bytes ({})")                                                                        \
  X(too_many_prepared, 1461, "42000",                                                                                \
    "Can't create more than max_prepared_stmt_count statements (current value: {}; limits.max_prepared_stmt_count)") \
  X(session_memory_exceeded, 1041, "HY000",                                                                          \
    "Out of memory; {} needs more than this session's budget (limits.session_memory_mb = {} MB)")                    \
  X(proxy_memory_exceeded, 1041, "HY000",                                                                            \
    "Out of memory; {} needs more than the proxy has left (limits.max_memory_mb = {} MB)")                           \
  X(local_infile_disabled, 4166, "HY000",                                                                            \
    "The used command is not allowed because the MariaDB server or client has disabled the local infile capability")  \
  X(xa_unavailable, 1105, "HY000", "XA transactions are unavailable: {}")                                            \
  X(wrong_value_for_var, 1231, "42000", "Variable '{}' can't be set to the value of '{}'")                           \
  X(txn_in_progress, 1568, "25001", "Transaction characteristics can't be changed while a transaction is in progress") \
  X(migration_switching, 1205, "HY000", "Lock wait timeout exceeded; try restarting transaction ({})")              \
  X(internal, 1105, "HY000", "shardwire internal error: {}")

enum class errc : std::uint16_t {
#define SW_ENUM(name, code, state, text) name,
  SHARDWIRE_ERRORS(SW_ENUM)
#undef SW_ENUM
};

struct catalog_entry {
  std::uint16_t code;
  std::string_view sqlstate;
  std::string_view text;
  std::string_view name;
};

const catalog_entry& describe(errc e);

// An error as the client will see it: errno, 5-character SQLSTATE, message.
struct sql_error {
  std::uint16_t code = 0;
  std::string sqlstate;
  std::string message;
};

template <typename... Args>
sql_error make_error(errc e, Args&&... args) {
  const catalog_entry& c = describe(e);
  std::string msg;
  if constexpr (sizeof...(Args) == 0) {
    msg = std::string(c.text);
  } else {
    msg = fmt::format(fmt::runtime(c.text), std::forward<Args>(args)...);
  }
  return {c.code, std::string(c.sqlstate), std::move(msg)};
}

}  // namespace shardwire::protocol
