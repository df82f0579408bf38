// Statement statistics of a session (proxy/server/stats.hpp): each COM_QUERY and
// COM_STMT_EXECUTE is timed and recorded, when it ends, in its worker's counters and
// digest table, and in the slow query log when it took long enough.
#include <fmt/format.h>

#include "proxy/session/client_session.hpp"
#include "router/digest.hpp"

namespace shardwire::proxy {

using protocol::command;
using clock = std::chrono::steady_clock;

void client_session::begin_statement(const protocol::unframe_result& frame) {
  stmt_ = statement_record{};
  state_since_ = clock::now();
  if (frame.payload_size == 0) return;
  auto cmd = static_cast<command>(buffer_.readable()[protocol::header_size]);
  if (cmd != command::query && cmd != command::stmt_execute) return;
  stmt_.active = true;
  stmt_.started = state_since_;
  if (cmd == command::query) {
    auto first = std::min<std::size_t>(frame.payload_size, protocol::max_packet_payload);
    stmt_.sql = protocol::as_chars(buffer_.readable().subspan(protocol::header_size + 1, first - 1));
  }
}

namespace {

// One line per slow statement: key=value pairs, then the statement quoted (newlines and
// quotes escaped so each entry stays one greppable line).
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  }
  return out + '"';
}

}  // namespace

void client_session::end_statement() {
  auto now = clock::now();
  state_since_ = now;
  if (!stmt_.active) return;
  stmt_.active = false;
  const auto elapsed = now - stmt_.started;
  const auto ns = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count());
  // The digest: known from the statement's shape, or a prepared statement's made once,
  // else made now.
  std::string made;
  const std::string* known = stmt_.digest ? stmt_.digest.get() : stmt_.digest_cache;
  if (!known || known->empty()) {
    made = router::digest_text(stmt_.sql);
    if (stmt_.digest_cache) *stmt_.digest_cache = made;
    known = &made;
  }
  const std::string& digest = *known;
  stmt_type type = classify_type(digest);
  worker_.stats.record(type, stmt_, static_cast<double>(ns) / 1e9);
  const observe_settings& o = cfg_->observe;
  worker_.digests.record(schema_, digest, type, stmt_, ns, o.digest_max_entries);
  if (o.slow_log_file.empty() || elapsed < o.slow_threshold) return;
  ++worker_.stats.slow_statements;
  std::string text = o.slow_log_literals ? std::string(stmt_.sql.substr(0, 64 * 1024)) : digest;
  worker_.state.slow.write(fmt::format(
      "duration_ms={:.3f} session={} user={} schema={} type={} route={} shards={} rows_sent={} rows_affected={} "
      "errno={} statement={}",
      static_cast<double>(ns) / 1e6, id_, user_, schema_.empty() ? "-" : schema_, type_name(type),
      route_name(stmt_.route), stmt_.shards, stmt_.rows_sent, stmt_.rows_affected, stmt_.error, quoted(text)));
}

client_session::info client_session::describe() const {
  info i;
  i.id = id_;
  i.user = user();
  i.client = peer_;
  i.schema = schema_;
  i.state = !registered_ ? "login" : stmt_.active ? "statement" : waiting_for_client_ ? "idle" : "command";
  i.state_ms = std::chrono::duration<double, std::milli>(clock::now() - state_since_).count();
  if (stmt_.active) i.statement = router::digest_text(stmt_.sql);
  i.in_transaction = txn_.open() || in_transaction();
  i.attributes = attrs_;
  if (pins_.dirty()) i.pinned = pins_.describe();
  for (const auto& [name, be] : conns_) {
    if (be) i.backends.push_back(name + " " + be->key().node->address);
  }
  return i;
}

}  // namespace shardwire::proxy
