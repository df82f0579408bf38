// Process lists (and the connection attributes of sessions) the proxy answers itself. A backend's process list shows the proxy's
// pooled connections: every user's statements with their literals, and thread ids that
// mean nothing to a client. SHOW PROCESSLIST is answered from the proxy's sessions;
// a query on information_schema.PROCESSLIST runs on the server against the proxy's
// sessions as a derived table of literal rows, so its WHERE, ORDER BY and joins work as
// written. Pure code: the rows come from the session layer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shardwire::router {

struct process_row {
  std::uint64_t id = 0;
  std::string user, host;
  std::optional<std::string> db;
  std::string command;  // "Query", "Sleep", "Connect"
  std::string state;
  std::optional<std::string> info;  // the running statement's digest
  double time_s = 0;
};

// `( SELECT ... UNION ALL ... )`: the rows with information_schema.PROCESSLIST's columns
// (ID, USER, HOST, DB, COMMAND, TIME, STATE, INFO, TIME_MS, STAGE, MAX_STAGE, PROGRESS,
// MEMORY_USED, MAX_MEMORY_USED, EXAMINED_ROWS, QUERY_ID, INFO_BINARY, TID); every string
// a hex literal (router/sql_literal.hpp).
std::string processlist_table_sql(const std::vector<process_row>& rows);

// `sql` with every `information_schema.PROCESSLIST` reference (any case, quoted or not)
// replaced by `table_sql` (aliased PROCESSLIST unless the query gives an alias); nullopt
// when PROCESSLIST appears any other way (unqualified, in a string the server might run).
std::optional<std::string> substitute_processlist(std::string_view sql, std::string_view table_sql);

// One connection attribute a client sent (CLIENT_CONNECT_ATTRS), as
// performance_schema.SESSION_CONNECT_ATTRS shows it.
struct connect_attr_row {
  std::uint64_t id = 0;  // the proxy's session id (CONNECTION_ID())
  std::string name, value;
  std::uint32_t ordinal = 0;
};

// `( SELECT ... )` with the columns PROCESSLIST_ID, ATTR_NAME, ATTR_VALUE,
// ORDINAL_POSITION; names cut at 32 characters and values at 1024, as the server keeps them.
std::string connect_attrs_table_sql(const std::vector<connect_attr_row>& rows);

// As substitute_processlist, for `performance_schema.<table>` (SESSION_CONNECT_ATTRS or
// SESSION_ACCOUNT_CONNECT_ATTRS, upper case); nullopt when the sql names the table any
// other way. Each table's references are replaced by its own `table_sql`.
std::optional<std::string> substitute_table(std::string_view sql, std::string_view schema, std::string_view table,
                                            std::string_view table_sql);

}  // namespace shardwire::router
