// One reading of a COM_QUERY text (a statement or a multi-statement batch) for every
// decision the session makes about it: where it may run (replica, primary), what it
// leaves on its backend connection (and so whether that connection may be shared), KILL,
// process lists and hints. It reads the text the way the server does: versioned comments
// `/*! ... */` and `/*M! ... */` are code, every statement of a batch counts, the text of
// `PREPARE ... FROM '...'` and `EXECUTE IMMEDIATE '...'` is read too, and whatever it
// cannot prove harmless has unknown effects. Pure code, constant memory in the size of
// the text (a streaming lexer): it runs once per command.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "router/kill_statement.hpp"
#include "router/lexer.hpp"
#include "router/statement_shape.hpp"

namespace shardwire::router {

// What the first statement is (the session answers some kinds itself).
enum class statement_kind : std::uint8_t {
  empty,
  select,       // SELECT, WITH, VALUES, TABLE, ( SELECT ...
  insert,       // INSERT, REPLACE
  update,
  delete_,
  load_data,    // LOAD DATA / LOAD XML
  set,          // SET ... (any form but SET STATEMENT ... FOR, which takes its inner statement's kind)
  use,
  transaction,  // BEGIN [WORK], START TRANSACTION, COMMIT, ROLLBACK, SAVEPOINT, RELEASE SAVEPOINT
  show,         // SHOW, DESCRIBE, DESC, EXPLAIN, HELP, GET DIAGNOSTICS
  ddl,          // CREATE, ALTER, DROP, TRUNCATE, RENAME, GRANT, REVOKE, OPTIMIZE, REPAIR, ...
  call,
  kill,
  prepare,      // PREPARE name FROM ...
  execute,      // EXECUTE name [USING ...]
  execute_immediate,
  deallocate,   // DEALLOCATE | DROP PREPARE name
  lock_tables,
  unlock_tables,
  handler,
  xa,
  do_,
  shardwire,    // SHARDWIRE EXPLAIN ...: the proxy's own
  compound,     // BEGIN NOT ATOMIC ... END, labelled blocks, IF/CASE/LOOP/WHILE/REPEAT outside programs
  other,        // anything else (administrative statements): unknown effects
};

// Session state a statement leaves on its backend connection: one bit each.
namespace effect {
constexpr std::uint32_t session_vars = 1u << 0;     // SET of session variables, NAMES, TRANSACTION, ROLE, ...
constexpr std::uint32_t user_vars = 1u << 1;        // @a assigned: SET @a, SELECT @a := ..., ... INTO @a
constexpr std::uint32_t database = 1u << 2;         // USE
constexpr std::uint32_t transaction = 1u << 3;      // BEGIN, START TRANSACTION, COMMIT, ROLLBACK, SAVEPOINT, XA
constexpr std::uint32_t temporary_table = 1u << 4;  // CREATE / DROP TEMPORARY TABLE
constexpr std::uint32_t table_locks = 1u << 5;      // LOCK TABLES, UNLOCK TABLES, FLUSH ... READ LOCK
constexpr std::uint32_t named_lock = 1u << 6;       // GET_LOCK(), RELEASE_LOCK(), RELEASE_ALL_LOCKS()
constexpr std::uint32_t handler = 1u << 7;          // HANDLER ... OPEN
constexpr std::uint32_t prepared = 1u << 8;         // SQL-level PREPARE / EXECUTE / DEALLOCATE
constexpr std::uint32_t routine = 1u << 9;          // CALL or a stored function: may change anything
constexpr std::uint32_t last_insert_id = 1u << 10;  // LAST_INSERT_ID(expr) sets the connection's value
constexpr std::uint32_t unknown = 1u << 11;         // not provably harmless (unknown statement, lex error, ...)
}  // namespace effect

// Where a statement may run when its group has replicas (docs/replicas.md).
enum class statement_class : std::uint8_t {
  read,     // one plain SELECT with no locking, INTO, state effect or primary hint
  primary,  // anything else that does not write
  write,    // changes data or schema: refused on a read_only primary, starts read-your-writes
};

struct statement_analysis {
  statement_kind kind = statement_kind::empty;  // of the first statement
  std::size_t statements = 0;                   // non-empty statements in the text
  std::uint32_t effects = 0;                    // union of every statement's `effect` bits
  std::string why;                              // the first effect found, in words (pin reasons, logs)
  statement_class intent = statement_class::primary;
  bool versioned = false;       // some code sits in a versioned comment
  bool kill = false;            // KILL anywhere: in a batch, a versioned comment, PREPARE'd text, a program body
  std::optional<kill_statement> kill_target;  // the text is exactly one KILL statement: what it names
  bool dynamic_sql = false;     // PREPARE FROM / EXECUTE IMMEDIATE with a source that is not a string literal
  bool processlist = false;     // SHOW [FULL] PROCESSLIST or information_schema.PROCESSLIST
  bool show_processlist = false;       // exactly one SHOW [FULL] PROCESSLIST
  bool show_processlist_full = false;  //   ... with FULL
  bool connect_attrs = false;   // performance_schema.SESSION_[ACCOUNT_]CONNECT_ATTRS
  bool load_local = false;      // LOAD DATA LOCAL / LOAD XML LOCAL
  // One statement that only reads the diagnostics area (SHOW WARNINGS/ERRORS, GET
  // DIAGNOSTICS, SELECT @@warning_count): it leaves the warnings for the next one too.
  bool diagnostics_only = false;
  bool found_rows = false;      // SQL_CALC_FOUND_ROWS: FOUND_ROWS() must run on the same connection next
  bool reads_last_insert_id = false;  // LAST_INSERT_ID(): the session's value must be on the connection
  bool reads_counts = false;    // ROW_COUNT(), FOUND_ROWS(), CONNECTION_ID(): the session's values
  bool primary_hint = false;    // /* shardwire:primary */
  bool lex_error = false;
  bool names_routed = false;  // an identifier or string is one of analysis_options::routed_names
  bool lists_names = false;     // SHOW [FULL] TABLES / DATABASES / SCHEMAS: the proxy lists logical names
  bool proxy_variable = false;  // names shardwire_transaction_mode: the proxy's own variable
  std::vector<std::string> trigger_on;  // CREATE TRIGGER ... ON <table>: the tables (last name part)

  bool single() const { return statements <= 1; }
  bool has(std::uint32_t bits) const { return (effects & bits) != 0; }
};

struct analysis_options {
  lex_options lex;
  // Logical databases and tables (exact, case-sensitive): names_routed when one appears
  // as an identifier, a quoted identifier or a string (information_schema lookups).
  const std::vector<std::string>* routed_names = nullptr;
  // Tables with triggers (lower-cased, sorted): INSERT, UPDATE, DELETE or LOAD DATA
  // naming one has effect::routine (a trigger may change anything the server does not
  // report).
  const std::vector<std::string>* trigger_tables = nullptr;
  int nesting = 0;  // PREPARE'd text inside PREPARE'd text ...: read up to max_nesting levels
  // Also the text's shape (router/statement_shape) from the same lexer pass, when set.
  statement_shape* shape = nullptr;
  static constexpr int max_nesting = 4;
};

statement_analysis analyze_statement(std::string_view sql, const analysis_options& opts = {});

}  // namespace shardwire::router
