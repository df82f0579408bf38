// Capability flags, server status flags, command bytes and column types of the
// MySQL/MariaDB client/server protocol.
#pragma once

#include <cstdint>

namespace shardwire::protocol {

namespace cap {
inline constexpr std::uint32_t long_password = 1u << 0;   // also CLIENT_MYSQL: unset means MariaDB client
inline constexpr std::uint32_t found_rows = 1u << 1;
inline constexpr std::uint32_t long_flag = 1u << 2;
inline constexpr std::uint32_t connect_with_db = 1u << 3;
inline constexpr std::uint32_t no_schema = 1u << 4;
inline constexpr std::uint32_t compress = 1u << 5;
inline constexpr std::uint32_t odbc = 1u << 6;
inline constexpr std::uint32_t local_files = 1u << 7;
inline constexpr std::uint32_t ignore_space = 1u << 8;
inline constexpr std::uint32_t protocol_41 = 1u << 9;
inline constexpr std::uint32_t interactive = 1u << 10;
inline constexpr std::uint32_t ssl = 1u << 11;
inline constexpr std::uint32_t ignore_sigpipe = 1u << 12;
inline constexpr std::uint32_t transactions = 1u << 13;
inline constexpr std::uint32_t reserved = 1u << 14;
inline constexpr std::uint32_t secure_connection = 1u << 15;
inline constexpr std::uint32_t multi_statements = 1u << 16;
inline constexpr std::uint32_t multi_results = 1u << 17;
inline constexpr std::uint32_t ps_multi_results = 1u << 18;
inline constexpr std::uint32_t plugin_auth = 1u << 19;
inline constexpr std::uint32_t connect_attrs = 1u << 20;
inline constexpr std::uint32_t plugin_auth_lenenc_data = 1u << 21;
inline constexpr std::uint32_t can_handle_expired_passwords = 1u << 22;
inline constexpr std::uint32_t session_track = 1u << 23;
inline constexpr std::uint32_t deprecate_eof = 1u << 24;
}  // namespace cap

// MariaDB's extended capabilities: the last 4 reserved bytes of the greeting and of the
// HandshakeResponse, used when the other side leaves CLIENT_MYSQL (long_password) unset.
namespace mariadb_cap {
inline constexpr std::uint32_t progress = 1u << 0;
inline constexpr std::uint32_t stmt_bulk_operations = 1u << 2;
inline constexpr std::uint32_t extended_metadata = 1u << 3;  // type name / format per column
inline constexpr std::uint32_t cache_metadata = 1u << 4;
}  // namespace mariadb_cap

namespace status {
inline constexpr std::uint16_t in_trans = 0x0001;
inline constexpr std::uint16_t autocommit = 0x0002;
inline constexpr std::uint16_t more_results_exist = 0x0008;
inline constexpr std::uint16_t cursor_exists = 0x0040;
inline constexpr std::uint16_t last_row_sent = 0x0080;
inline constexpr std::uint16_t in_trans_readonly = 0x2000;
inline constexpr std::uint16_t session_state_changed = 0x4000;
}  // namespace status

enum class command : std::uint8_t {
  sleep = 0x00, quit = 0x01, init_db = 0x02, query = 0x03, field_list = 0x04,
  create_db = 0x05, drop_db = 0x06, refresh = 0x07, shutdown = 0x08, statistics = 0x09,
  process_info = 0x0A, connect = 0x0B, process_kill = 0x0C, debug = 0x0D, ping = 0x0E,
  time = 0x0F, delayed_insert = 0x10, change_user = 0x11, binlog_dump = 0x12,
  table_dump = 0x13, connect_out = 0x14, register_slave = 0x15, stmt_prepare = 0x16,
  stmt_execute = 0x17, stmt_send_long_data = 0x18, stmt_close = 0x19, stmt_reset = 0x1A,
  set_option = 0x1B, stmt_fetch = 0x1C, daemon = 0x1D, binlog_dump_gtid = 0x1E,
  reset_connection = 0x1F,
};

}  // namespace shardwire::protocol
