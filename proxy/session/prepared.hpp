// Prepared statements as the proxy keeps them: the client's statement ids are the
// proxy's own (a statement may run on any backend connection, or on several nodes),
// with the metadata returned at prepare, the parameter types last sent, long data,
// and a cursor's rows. Also the binary-protocol parameter codec. Pure code.
#pragma once

#include <boost/system/result.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocol/errors.hpp"
#include "protocol/messages.hpp"
#include "router/ast.hpp"
#include "router/plan_cache.hpp"
#include "router/statement_analysis.hpp"
#include "router/sharding_rule.hpp"

namespace shardwire::proxy {

// One bound parameter in the binary protocol's encoding.
struct param_value {
  std::uint16_t type = 0;  // MYSQL_TYPE_* in the low byte, 0x8000 for unsigned
  bool null = true;
  std::string bytes;  // fixed-size value, temporal value with its length byte, or string bytes
};
using bound_params = std::vector<param_value>;

struct prepared_statement {
  std::uint32_t id = 0;
  std::string sql;
  std::string digest;            // of `sql`, made at the first execution (statement stats)
  std::size_t schemas_hash = 0;  // config::schemas_hash when prepared: where it runs was decided then
  std::uint16_t params = 0;
  std::vector<protocol::bytes> param_defs, column_defs;  // definition payloads returned at prepare
  std::shared_ptr<const router::ast::statement> parsed;  // set when the statement is routed
  // Its template in the worker's plan cache (router/plan_cache), shared with text
  // statements of the same shape, and the values of its own literals (the slots after
  // the `?`s); nullptr when the cache is off or takes no template for it.
  std::shared_ptr<router::cached_statement> cached;
  router::slot_values literal_slots;
  router::statement_analysis analysis;                   // of `sql`, made at prepare
  std::vector<std::uint16_t> types;                      // as the client last sent them
  std::vector<std::optional<std::string>> long_data;     // COM_STMT_SEND_LONG_DATA, concatenated
  std::optional<protocol::sql_error> long_data_error;    // reported at the next EXECUTE, as the server does
  // A cursor (COM_STMT_EXECUTE with CURSOR_TYPE_READ_ONLY): the rows, served by FETCH.
  std::vector<protocol::bytes> cursor_rows;
  std::size_t cursor_pos = 0;
  std::size_t cursor_bytes = 0;  // of cursor_rows
  bool cursor_open = false;
  std::size_t charged = 0;  // bytes charged to the session's memory budget

  // Bytes the proxy holds for this statement (text, metadata, long data, cursor rows).
  std::size_t footprint() const;
  void add_cursor_row(protocol::bytes row) {
    cursor_bytes += row.size() + sizeof(protocol::bytes);
    cursor_rows.push_back(std::move(row));
  }
  void clear_cursor() {
    cursor_rows = {};
    cursor_bytes = 0;
    cursor_pos = 0;
  }
  void clear_long_data() {
    for (auto& ld : long_data) ld.reset();
    long_data_error.reset();
  }
};

class prepared_registry {
 public:
  prepared_statement& add(std::unique_ptr<prepared_statement> ps);  // assigns the client id
  prepared_statement* find(std::uint32_t id);
  void erase(std::uint32_t id) { by_id_.erase(id); }
  void clear() {
    by_id_.clear();
    named.clear();
  }
  bool empty() const { return by_id_.empty() && named.empty(); }
  std::size_t size() const { return by_id_.size() + named.size(); }
  bool cursor_open() const;
  // SQL-level PREPARE name FROM ...: statements the proxy routes itself.
  std::map<std::string, std::unique_ptr<prepared_statement>> named;

 private:
  std::map<std::uint32_t, std::unique_ptr<prepared_statement>> by_id_;
  std::uint32_t next_id_ = 1;
};

using params_result = boost::system::result<bound_params, protocol::sql_error>;

// The parameters of a COM_STMT_EXECUTE (`rest` starts after the iteration count).
// Types come from the packet when it sends them, else from the previous execute;
// parameters with long data take it (their value is not in the packet).
params_result decode_params(protocol::byte_view rest, prepared_statement& ps);

// COM_STMT_EXECUTE payload for a backend statement, always with types (the backend
// statement may be new on this connection).
void encode_execute(protocol::bytes& out, std::uint32_t backend_id, std::uint8_t flags, const bound_params& params);

// A parameter as an SQL literal (prepared statements executed as text on the nodes),
// safe by construction (router/sql_literal.hpp): numbers printed or checked against the
// SQL number grammar, strings as hex with an introducer of `charset` (the client's
// character set, the one the server reads string parameters in), blobs as binary.
std::string literal_of(const param_value& p, std::string_view charset);
// A user variable's value (read back as text, with its column definition) as the
// parameter it binds in EXECUTE ... USING: numbers stay numbers, strings strings.
param_value user_variable_param(const std::optional<std::string>& text, const protocol::column_definition& def);
// A parameter as the router compares it with a sharding column.
router::shard_value shard_value_of(const param_value& p);

}  // namespace shardwire::proxy
