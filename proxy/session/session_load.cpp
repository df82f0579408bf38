// LOAD DATA LOCAL INFILE into a sharded table (router/load_data.hpp). The proxy asks the
// client for the file, cuts it into records as the server would, routes each record by
// its sharding columns (adding a generated key where the column list leaves it out), and
// has each node load its records with the client's own FIELDS/LINES options, in chunks:
// memory stays bounded by the chunk budget whatever the file's size. Each chunk is one
// LOAD DATA on its node, all of them in one transaction: the client's, or in autocommit
// one the proxy opens and commits at the end (as the server's LOAD DATA is one statement:
// all rows or none, but for a commit failing after another node committed, which is
// reported as 1180 with what committed where). A failure stops the loading; the rest of
// the file is read and dropped (the client sends it whole before it reads an answer).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "proxy/session/client_session.hpp"
#include "router/load_data.hpp"
#include "router/session_sql.hpp"
#include "router/sharding_rule.hpp"

namespace shardwire::proxy {

using protocol::errc;
using protocol::make_error;

namespace {
constexpr std::size_t chunk_bytes = 1 << 20;     // one node's LOAD DATA
constexpr std::size_t pending_limit = 8 << 20;   // every node's records not loaded yet

struct load_totals {
  std::uint64_t records = 0, affected = 0, deleted = 0, skipped = 0, warnings = 0;
  // "Records: 3  Deleted: 0  Skipped: 0  Warnings: 0" of one node's OK.
  void add(const protocol::ok_packet& ok) {
    affected += ok.affected_rows;
    warnings += ok.warnings;
    auto field = [&](std::string_view name) -> std::uint64_t {
      auto at = ok.info.find(name);
      return at == std::string::npos ? 0 : std::strtoull(ok.info.c_str() + at + name.size(), nullptr, 10);
    };
    records += field("Records: ");
    deleted += field("Deleted: ");
    skipped += field("Skipped: ");
  }
  std::string info() const {
    return "Records: " + std::to_string(records) + "  Deleted: " + std::to_string(deleted) +
           "  Skipped: " + std::to_string(skipped) + "  Warnings: " + std::to_string(warnings);
  }
};
}  // namespace

// The statement and its table, when a LOAD DATA names a sharded or broadcast logical table.
std::optional<client_session::sharded_load_target> client_session::sharded_load(std::string_view sql) const {
  auto parsed = router::parse_load_data(sql, analysis_opts().lex);
  // A load is a write: a migrated table's old name loads into its target only once writes switched.
  const auto& rules = cfg_->write_rules ? cfg_->write_rules : cfg_->rules;
  if (!parsed || !rules) return std::nullopt;
  const auto* schema = rules->find_schema(parsed->schema.value_or(schema_));
  const router::table_rule* rule = schema ? schema->find_table(parsed->table) : nullptr;
  if (!rule) return std::nullopt;
  return sharded_load_target{std::move(*parsed), rule};
}

asio::awaitable<bool> client_session::load_sharded(sharded_load_target load, std::string_view sql,
                                                   const protocol::unframe_result& frame) {
  std::uint8_t seq = frame.next_seq;
  const router::load_data_stmt* stmt = &load.stmt;
  const router::table_rule* rule = load.rule;
  if (rule->kind() != router::table_kind::sharded) {
    co_return co_await send_error(make_error(errc::not_supported, "LOAD DATA LOCAL INFILE into a broadcast table"), seq);
  }
  auto router = router::load_router::make(*rule, *stmt);
  if (!router) co_return co_await send_error(router.error(), seq);
  // In autocommit the whole load is one transaction over its nodes (see the top).
  const bool implicit = autocommit_ && !in_transaction();
  if (implicit) txn_.start("BEGIN");
  // The file's packets follow the statement into the same buffer: keep the text.
  held_sql_.assign(sql);
  if (stmt_.active) stmt_.sql = held_sql_;
  buffer_.consume(frame.wire_size);
  consumed_early_ = true;
  // Ask the client for its file (the server's own request: 0xFB and the name).
  protocol::bytes request(1 + stmt->file.size());
  request[0] = protocol::local_infile_header;
  std::copy(stmt->file.begin(), stmt->file.end(), request.begin() + 1);
  if (co_await write_message(stream_, request, seq)) co_return false;
  seq = static_cast<std::uint8_t>(seq + 1);

  router::load_splitter split(stmt->format, router->wanted(), cfg_->max_allowed_packet);
  std::map<std::size_t, std::string> pending;  // node -> records not loaded yet
  std::size_t pending_bytes = 0;
  std::uint64_t line = 0;
  load_totals totals;
  std::optional<protocol::sql_error> failure;

  auto flush = [&](std::size_t node) -> asio::awaitable<void> {
    std::string file = std::move(pending[node]);
    pending.erase(node);
    pending_bytes -= file.size();
    if (failure || file.empty()) co_return;
    const router::data_node& target = rule->node(node);
    backend_connection* be = co_await lease(target.data_source, seq, false);
    if (!be) {
      failure = make_error(errc::backend_connect_failed, "data source " + target.data_source);
      co_return;
    }
    std::string node_sql = router::load_node_statement(*stmt, target.database, target.table, router->extra_columns());
    auto ok = co_await be->load_local(node_sql, file);
    if (!ok) {
      failure = ok.error();
      co_return;
    }
    totals.add(*ok);
  };
  auto take = [&](const router::load_record& r) -> asio::awaitable<void> {
    ++line;
    if (failure || line <= stmt->ignore_lines) co_return;
    std::string routed;
    auto node = router->route(r, line, routed);
    if (!node) {
      failure = node.error();
      co_return;
    }
    auto& buf = pending[*node];
    buf += routed;
    pending_bytes += routed.size();
    if (buf.size() >= chunk_bytes) co_await flush(*node);
    while (!failure && pending_bytes > pending_limit) {  // the largest share goes first
      auto largest = std::max_element(pending.begin(), pending.end(),
                                      [](const auto& a, const auto& b) { return a.second.size() < b.second.size(); });
      co_await flush(largest->first);
    }
  };

  for (bool end = false; !end;) {
    deadline_guard guard(stream_.socket(), cfg_->client_write_timeout);
    auto msg = co_await read_message(stream_, buffer_, cfg_->max_allowed_packet, seq);
    if (msg.io || msg.frame.state != protocol::unframe_result::status::complete) {
      worker_.log->info("session {}: LOAD DATA LOCAL: the client's file did not arrive ({})", id_,
                        guard.fired() ? "read timeout" : msg.io ? "connection lost" : "packet too large");
      if (implicit) co_await end_transaction(false, router::session_sql::rollback, 0xFF);
      co_return false;  // the connection's framing is gone: as the server, close it
    }
    seq = msg.frame.next_seq;
    end = msg.frame.payload_size == 0;
    auto data = protocol::message_payload_view(buffer_.readable(), msg.frame);
    split.feed(protocol::as_chars(data));
    buffer_.consume(msg.frame.wire_size);
    buffer_.shrink_if_idle();
    if (end) split.finish();
    while (auto r = split.next()) co_await take(*r);
    if (split.error() && !failure) {
      failure = make_error(errc::packet_too_large);
    }
  }
  while (!failure && !pending.empty()) co_await flush(pending.begin()->first);
  if (failure) {
    worker_.log->info("session {}: LOAD DATA into {} stopped at line {}: {}", id_, rule->name(), line,
                      failure->message);
    if (implicit) {
      co_await end_transaction(false, router::session_sql::rollback, 0xFF);
      if (totals.affected > 0) {
        failure->message += " (the " + std::to_string(totals.affected) + " rows loaded before it were rolled back)";
      }
    } else if (totals.affected > 0) {
      failure->message += " (" + std::to_string(totals.affected) + " rows loaded before it, in the open transaction)";
    }
    last_ok_ = false;
    co_return co_await send_error(*failure, seq);
  }
  if (implicit) {
    bool kept = co_await end_transaction(true, router::session_sql::commit, 0xFF);
    if (!last_ok_) {
      protocol::sql_error e = make_error(errc::partial_commit, "LOAD DATA");
      if (implicit_end_error_) e = *implicit_end_error_;
      co_return co_await send_error(e, seq) && kept;
    }
  }
  last_ok_ = true;
  row_count_ = static_cast<std::int64_t>(totals.affected);
  if (stmt_.active) stmt_.rows_affected += totals.affected;
  if (!double_writes_owed_.empty()) co_await settle_double_writes(session_status(), false);
  protocol::ok_packet ok{protocol::ok_header, totals.affected, 0, session_status(),
                         static_cast<std::uint16_t>(std::min<std::uint64_t>(totals.warnings, 0xFFFF)), totals.info()};
  protocol::bytes out;
  protocol::encode_ok(out, ok);
  co_return !(co_await write_message(stream_, out, seq));
}

}  // namespace shardwire::proxy
