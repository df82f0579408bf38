// The SQL the proxy's cluster side sends on its own: the monitor's probes and heartbeat,
// the trigger-table refresh, and the metadata-shadow repair at start (proxy/cluster).
// Built here so that proxy/ never assembles SQL. Names come from the validated config (identifiers are quoted,
// names as string literals cannot hold backslashes); pure code.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace shardwire::router::cluster_sql {

// `name` with backticks doubled; `db`.`table`.
std::string quote_id(std::string_view name);
std::string quote_id(std::string_view db, std::string_view table);
// A config name as a string literal ('' doubled; config names hold no backslash).
std::string name_literal(std::string_view name);

// Monitor (the heartbeat table is "database.table" of letters, digits and _, checked
// by the config).
constexpr std::string_view node_state = "SELECT @@read_only AS ro, @@gtid_binlog_pos AS binlog, @@gtid_slave_pos AS slave";
constexpr std::string_view replica_status = "SHOW SLAVE STATUS";
std::string heartbeat_write(std::string_view table);
std::string heartbeat_create_database(std::string_view table);
std::string heartbeat_create_table(std::string_view table);
std::string heartbeat_age(std::string_view table);  // column "age", microseconds

// Tables with triggers, in any schema (proxy/cluster/trigger_watch): one column. A
// migration's own triggers (_sw_*, router/migration_sql.hpp) only log keys into a table
// and change no session state: they do not pin.
constexpr std::string_view trigger_tables =
    "SELECT DISTINCT EVENT_OBJECT_TABLE FROM information_schema.TRIGGERS WHERE TRIGGER_NAME NOT LIKE '\\_sw\\_%'";

// Metadata shadows.
std::string session_init(unsigned lock_wait_timeout_s);  // bounded waits, no FK checks
std::string list_tables(std::string_view db);
std::string table_exists(std::string_view db, std::string_view table);
std::string show_create_table(std::string_view db, std::string_view table);
std::string create_database(std::string_view db);
std::string create_table_like(std::string_view db, std::string_view table, std::string_view model_db,
                              std::string_view model_table);
// SHOW CREATE TABLE's text of `model_table`, retargeted to `db`.`table`; nullopt when it
// does not start as expected.
std::optional<std::string> create_table_from(std::string_view shown, std::string_view model_table, std::string_view db,
                                             std::string_view table);
// A query whose one value is the ALTER TABLE that makes an integer key column
// AUTO_INCREMENT (no row when the column does not qualify).
std::string generated_key_alter(std::string_view db, std::string_view table, std::string_view column);

}  // namespace shardwire::router::cluster_sql
