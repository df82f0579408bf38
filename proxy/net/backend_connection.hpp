// One native-Asio connection from the proxy to a MariaDB/MySQL backend, speaking the
// protocol through protocol/: connect, TLS, handshake, authentication (native, caching_sha2,
// ed25519), and simple OK/ERR commands. Result relaying lives in relay.hpp.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "protocol/capabilities.hpp"
#include "protocol/errors.hpp"
#include "protocol/handshake.hpp"
#include "proxy/server/config.hpp"
#include "proxy/net/io.hpp"
#include "proxy/net/net_stream.hpp"
#include "proxy/session/session_state.hpp"
#include "proxy/cluster/topology.hpp"

namespace shardwire::proxy {

template <typename T>
using sql_result = boost::system::result<T, protocol::sql_error>;

// What a pooled connection must share with the client it serves, because it changes
// the wire format or statement semantics and cannot be switched cheaply afterwards.
struct connection_key {
  const data_source* source = nullptr;
  backend_node* node = nullptr;   // which server of the group (pooled connections always have one)
  std::uint32_t client_caps = 0;  // only cap::found_rows | cap::ignore_space
  std::uint8_t charset = 45;
  // MariaDB extended capabilities the client negotiated that change the wire format
  // (only mariadb_cap::extended_metadata): asked of the server when it offers them.
  std::uint32_t mariadb_caps = 0;
  bool operator==(const connection_key&) const = default;
};

struct query_table {
  std::vector<std::string> columns;
  std::vector<protocol::column_definition> definitions;  // of `columns`, as the server sent them
  std::vector<std::vector<std::optional<std::string>>> rows;
  // The value of `column` in `row`; nullptr when there is no such column or row.
  const std::optional<std::string>* get(std::size_t row, std::string_view column) const;
};

inline constexpr std::uint32_t key_caps_mask = protocol::cap::found_rows | protocol::cap::ignore_space;
inline constexpr std::uint32_t key_mariadb_caps_mask = protocol::mariadb_cap::extended_metadata;

class backend_connection {
 public:
  struct cached_stmt {
    std::string schema;  // prepared while this was the current database
    std::string sql;
    std::uint32_t id = 0;
    std::uint16_t params = 0;
  };
  explicit backend_connection(asio::any_io_executor ex) : stream_(tcp::socket(std::move(ex))) {}

  // Connects to `ep`, authenticates as the data source's user. The whole exchange is
  // bounded by the pool's connect timeout.
  // `user` non-empty: that account instead of the data source's (the monitor's).
  asio::awaitable<sql_result<void>> open(const connection_key& key, const endpoint& ep, std::string_view user = {},
                                         std::string_view password = {});

  // Writes one command (sequence id 0); its answer is the caller's to read.
  asio::awaitable<error_code> send_command(protocol::command cmd, protocol::byte_view arg);

  // Sends one command whose answer is a single OK/EOF or ERR (INIT_DB, PING,
  // RESET_CONNECTION, SET_OPTION). Backend errors come back as their own sql_error.
  // With `timeout`, the connection is closed (and the call fails) when no answer comes.
  asio::awaitable<sql_result<void>> simple_command(protocol::command cmd, protocol::byte_view arg = {},
                                                   std::chrono::milliseconds timeout = {});
  // The proxy's own commands (resets, restating state, joining transactions), bounded by
  // the data source's pool.command_timeout_ms.
  asio::awaitable<sql_result<void>> internal_command(protocol::command cmd, protocol::byte_view arg = {});
  asio::awaitable<sql_result<void>> internal_query(std::string_view sql);
  // LOAD DATA LOCAL `sql` with `file` as the file the server asks for: the server's OK
  // (affected rows, info, warnings) or its ERR. Bounded by the pool's command timeout
  // per step; the file goes in packets of at most 64 KiB.
  asio::awaitable<sql_result<protocol::ok_packet>> load_local(std::string_view sql, std::string_view file);

  // Runs a query whose answer is one row; returns its first column (nullopt for NULL).
  // Off the data path: used by the pool after a reset and at startup.
  asio::awaitable<sql_result<std::optional<std::string>>> query_value(std::string_view sql,
                                                                      std::chrono::milliseconds timeout = {});
  // A whole (small) text result: column names and rows. Off the data path (monitor,
  // read-your-writes waits); with `timeout`, the connection is closed when it runs over.
  asio::awaitable<sql_result<query_table>> query_rows(std::string_view sql, std::chrono::milliseconds timeout = {});

  // One whole message's payload (copied), off the streaming path; nullopt (and the
  // connection marked broken) when it cannot be read.
  asio::awaitable<std::optional<protocol::bytes>> read_payload();

  // COM_STMT_PREPARE: the backend's statement id and the definitions it returned.
  struct prepare_result {
    std::uint32_t id = 0;
    std::uint16_t params = 0, columns = 0;
    std::vector<protocol::bytes> param_defs, column_defs;
  };
  asio::awaitable<sql_result<prepare_result>> prepare(std::string_view sql);

  // The backend id of `sql` prepared on this connection, prepared now if needed; the
  // least recently used statement is closed beyond `capacity` (so the server's
  // max_prepared_stmt_count is never exhausted by the proxy).
  asio::awaitable<sql_result<cached_stmt>> cached_prepare(std::string_view sql, std::size_t capacity);
  // Keeps a statement prepared by prepare() in the cache (replacing, and closing, one of
  // the same SQL), within `capacity`.
  asio::awaitable<error_code> remember(cached_stmt stmt, std::size_t capacity);
  asio::awaitable<error_code> close_statement(std::uint32_t id);  // COM_STMT_CLOSE (no reply)

  // True when the peer has closed or sent something unsolicited while idle.
  bool looks_dead();

  tcp::socket& socket() { return stream_.socket(); }
  net_stream& stream() { return stream_; }  // reads and writes (TLS when configured)
  read_buffer& buffer() { return buffer_; }
  const connection_key& key() const { return key_; }
  const std::string& server_version() const { return server_version_; }
  std::uint8_t server_charset() const { return server_charset_; }
  std::uint32_t thread_id() const { return thread_id_; }
  std::string describe() const;

  protocol::ok_packet last_ok;  // of the last simple_command that succeeded
  // Counts this connection against its session's user while leased (released, with a
  // decrement, when the pool takes it back or it closes); empty when not counted.
  std::shared_ptr<void> user_lease;
  bool deprecate_eof = true;
  bool extended_metadata = false;  // column definitions carry MariaDB's extended block
  std::uint32_t server_mariadb_caps() const { return server_mariadb_caps_; }
  std::uint16_t status = protocol::status::autocommit;
  std::string schema;            // current database, "" for none
  bool multi_statements = true;  // server-side option state
  bool broken = false;           // protocol state unknown: never reuse
  bool unreachable = false;      // open() failed before the server's handshake (refused, timed out)
  // Session state made on this connection (multiplexing): the SET variables applied,
  // the value LAST_INSERT_ID() returns here, whether it joined the session's transaction.
  std::vector<session_var> applied;
  std::uint64_t applied_signature = 0;
  std::uint64_t last_insert_id = 0;
  bool txn_joined = false;
  std::string xa_bqual;  // joined as this branch of the session's XA transaction ("" : not XA)
  bool retire = false;   // closed instead of reset when given back (not an error: an XA branch to drop)
  std::vector<cached_stmt> stmt_cache;  // statements prepared here, most recently used last
  std::chrono::steady_clock::time_point idle_since{};

 private:
  std::uint32_t response_caps(const protocol::handshake_v10& hs) const;
  std::uint32_t mariadb_caps(const protocol::handshake_v10& hs) const;
  protocol::sql_error error_of(protocol::byte_view err_payload);
  asio::awaitable<sql_result<void>> start_tls(const protocol::handshake_v10& hs, std::uint8_t& seq);
  asio::awaitable<sql_result<void>> authenticate(const protocol::handshake_v10& hs, std::uint8_t& seq);
  std::optional<protocol::bytes> plugin_response(std::string_view plugin, protocol::byte_view data);
  asio::awaitable<sql_result<protocol::bytes>> sha2_more(const protocol::bytes& payload, const protocol::bytes& scramble);
  protocol::sql_error lost(std::string_view what);

  net_stream stream_;
  read_buffer buffer_{32 * 1024};
  connection_key key_;
  endpoint endpoint_;
  std::string user_, password_;
  std::string server_version_;
  std::uint8_t server_charset_ = 45;
  std::uint32_t server_mariadb_caps_ = 0;
  std::uint32_t thread_id_ = 0;
};

}  // namespace shardwire::proxy
