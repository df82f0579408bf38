// Multi-shard reads through the merger: every node's query is sent at once (over
// up to merge.max_connections_per_data_source connections per data source; nodes
// beyond that share a connection as one UNION ALL), then the merge pipeline pulls rows
// from whichever connection it needs and streams the merged rows to the client.
#include <spdlog/spdlog.h>

#include "merger/row_codec.hpp"
#include "proxy/session/plan_executor.hpp"
#include "proxy/session/prepared.hpp"
#include "router/session_sql.hpp"
#include "proxy/net/shard_source.hpp"

namespace shardwire::proxy {

using merger::pull;
using protocol::errc;
using protocol::make_error;

namespace {

struct lane {
  backend_connection* be = nullptr;
  std::unique_ptr<backend_connection> lease;  // an extra connection for this statement
  std::vector<const router::route_target*> nodes;
};

std::string lane_sql(const lane& l, const router::plan& p) {
  std::vector<std::string_view> statements;
  for (const auto* t : l.nodes) statements.push_back(t->sql);
  return router::session_sql::union_all(statements, p.union_derived_terms, p.union_tail);
}

// Waits until one of the `waiting` sources' connections is readable and reads from
// it. An unordered merge may continue with any of them: waiting on one alone would
// leave the others' rows unread behind a node that stalls.
asio::awaitable<std::optional<protocol::sql_error>> read_any(std::vector<std::unique_ptr<shard_source>>& sources,
                                                             const std::vector<int>& waiting) {
  std::size_t ready = static_cast<std::size_t>(waiting.front());
  // A TLS connection may hold received bytes its socket no longer shows as readable.
  bool buffered = false;
  for (int i : waiting) {
    if (sources[static_cast<std::size_t>(i)]->connection().stream().has_buffered_input()) {
      ready = static_cast<std::size_t>(i);
      buffered = true;
      break;
    }
  }
  if (waiting.size() > 1 && !buffered) {
    struct race {
      explicit race(asio::any_io_executor ex) : wake(std::move(ex)) {}
      asio::steady_timer wake;
      int winner = -1;
    };
    auto r = std::make_shared<race>(co_await asio::this_coro::executor);
    r->wake.expires_at(asio::steady_timer::time_point::max());
    for (int i : waiting) {
      sources[static_cast<std::size_t>(i)]->connection().socket().async_wait(tcp::socket::wait_read,
                                                                             [r, i](error_code) {
                                                                               if (r->winner < 0) {
                                                                                 r->winner = i;
                                                                                 r->wake.cancel();
                                                                               }
                                                                             });
    }
    co_await r->wake.async_wait(use_nothrow);
    for (int i : waiting) {  // the losers' waits end as operation_aborted, touching only `r`
      error_code ignored;
      sources[static_cast<std::size_t>(i)]->connection().socket().cancel(ignored);
    }
    ready = static_cast<std::size_t>(r->winner);
  }
  auto& s = *sources[ready];
  if (auto ec = co_await s.fill()) {
    co_return make_error(errc::backend_lost, s.connection().describe() + ": " + io_error_text(ec));
  }
  co_return std::nullopt;
}

}  // namespace

asio::awaitable<bool> plan_executor::run_merged(const router::plan& p, std::uint8_t seq,
                                                merger::row_format out_format, prepared_statement* cursor) {
  stmt_.merged = true;
  // Inside a transaction every node must be read on the session's own connection.
  bool in_txn = host_.transaction_scope();
  std::vector<lane> lanes;
  std::vector<std::string> order;  // data sources in first-use order
  std::map<std::string, std::vector<const router::route_target*>> by_source;
  for (const auto& t : p.targets) {
    if (!by_source.count(t.data_source)) order.push_back(t.data_source);
    by_source[t.data_source].push_back(&t);
  }
  auto release_leases = [&] {
    for (auto& l : lanes) {
      if (l.lease) host_.return_extra(std::move(l.lease));
    }
  };
  for (const auto& ds : order) {
    const auto& nodes = by_source[ds];
    backend_connection* own = co_await host_.lease(ds, seq);
    if (!own) {
      release_leases();
      co_return !host_.client_gone();
    }
    std::size_t first = lanes.size();
    lanes.push_back({own, nullptr, {}});
    std::size_t want = in_txn
                           ? 1
                           : std::min<std::size_t>(
                                 nodes.size(), static_cast<std::size_t>(cfg_.merge.max_connections_per_data_source));
    while (lanes.size() - first < want) {
      // Only connections free right now: waiting here while holding others could deadlock.
      auto extra = co_await host_.extra_connection(*own);
      if (!extra) break;
      backend_connection* be = extra.get();
      lanes.push_back({be, std::move(extra), {}});
    }
    for (std::size_t i = 0; i < nodes.size(); ++i) lanes[first + i % (lanes.size() - first)].nodes.push_back(nodes[i]);
  }

  merger::merge_context ctx;
  ctx.format = merger::row_format::text;
  ctx.memory_limit = cfg_.merge.memory_limit;
  std::vector<std::unique_ptr<shard_source>> sources;
  std::optional<protocol::sql_error> error;
  std::vector<std::shared_ptr<statement_clock>> clocks;  // max_statement_time per lane
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    sources.push_back(std::make_unique<shard_source>(static_cast<int>(i), *lanes[i].be, ctx));
    if (auto ec =
            co_await lanes[i].be->send_command(protocol::command::query, protocol::as_bytes(lane_sql(lanes[i], p)))) {
      lanes[i].be->broken = true;
      error = make_error(errc::backend_lost, lanes[i].be->describe() + ": " + io_error_text(ec));
      sources.pop_back();
      break;
    }
    if (auto clock = host_.time_statement(*lanes[i].be)) clocks.push_back(std::move(clock));
  }
  // The client gets the header of the first node to answer; the others' headers are
  // taken as their rows are (a node still waiting on a lock holds up nothing else).
  shard_source* first = nullptr;
  while (!error && !first) {
    std::vector<int> waiting;
    for (std::size_t i = 0; i < sources.size() && !first; ++i) {
      switch (sources[i]->header()) {
        case pull::row:
          first = sources[i].get();
          break;
        case pull::need_input:
          waiting.push_back(static_cast<int>(i));
          break;
        default:
          break;
      }
    }
    if (ctx.error) error = ctx.error;
    if (first || error) break;
    if (auto e = co_await read_any(sources, waiting)) error = e;
  }

  protocol::bytes out, payload;
  bool client_ok = true;
  // A cursor (COM_STMT_EXECUTE with CURSOR_TYPE_READ_ONLY) keeps the rows for FETCH and
  // answers with the header only, once the whole result is known.
  std::size_t cursor_bytes = 0;
  const std::uint8_t first_seq = seq;
  auto emit = [&] { protocol::frame_message(out, payload, seq); };
  auto flush = [&](bool last = false) -> asio::awaitable<void> {
    if (out.empty() || !client_ok || (cursor && !last)) co_return;
    if (!co_await host_.write_to_client(out)) client_ok = false;
    out.clear();
  };
  bool deprecate = host_.deprecate_eof();
  if (!error) {
    ctx.columns = first->columns;
    static const merger::merge_spec concatenation;  // single node / UNION ALL
    merger::pipeline pipe(
        p.merge ? *p.merge : concatenation,
        [&] {
          std::vector<merger::row_stream*> raw;
          for (auto& s : sources) raw.push_back(s.get());
          return raw;
        }(),
        ctx);
    std::size_t visible = pipe.visible();
    payload.clear();
    protocol::writer(payload).lenenc_int(visible);
    emit();
    bool add_extended = host_.extended_metadata() && !first->connection().extended_metadata;
    for (std::size_t i = 0; i < visible; ++i) {
      payload = first->definitions()[i];
      // (a server without extended metadata behind a client with it: an empty block)
      if (add_extended) payload = protocol::with_empty_extended_metadata(payload).value_or(payload);
      emit();
    }
    if (!deprecate) {
      payload.clear();
      std::uint16_t status = host_.session_status();
      if (cursor) status |= protocol::status::cursor_exists;
      protocol::encode_eof(payload, {0, status});
      emit();
    }
    for (bool more = true; more && client_ok;) {
      const merger::row* r = nullptr;
      switch (pipe.next(r)) {
        case pull::row:
          ++stmt_.rows_sent;
          payload.clear();
          if (out_format == ctx.format) {
            merger::encode_row(payload, *r, visible, ctx.columns, ctx.format);
          } else {
            merger::encode_text_row_as_binary(payload, *r, visible, ctx.columns);
          }
          if (cursor) {
            cursor_bytes += payload.size() + 32;
            if (cursor_bytes > cfg_.merge.memory_limit) {
              error = make_error(errc::merge_memory_exceeded, "a cursor's rows", cfg_.merge.memory_limit >> 20);
              more = false;
              break;
            }
            if (auto e = host_.charge(cursor->charged, payload.size() + sizeof(protocol::bytes), "a cursor's rows")) {
              error = e;
              more = false;
              break;
            }
            cursor->add_cursor_row(payload);
            break;
          }
          emit();
          if (out.size() >= 64 * 1024) co_await flush();
          break;
        case pull::need_input: {
          co_await flush();  // the client has every row so far before we wait for a node
          std::vector<int> waiting = ctx.waiting.empty() ? std::vector<int>{ctx.wanted} : ctx.waiting;
          if (auto e = co_await read_any(sources, waiting)) {
            error = e;
            more = false;
          }
          break;
        }
        case pull::end:
          more = false;
          break;
        case pull::error:
          error = ctx.error.value_or(make_error(errc::internal, "merge failed"));
          more = false;
          break;
      }
    }
  }
  // Every connection finishes its response (rows the merge did not need are read and
  // dropped) so it can serve the next statement.
  std::uint16_t warnings = 0;
  for (auto& s : sources) {
    if (!s->done()) co_await s->drain();
    warnings = static_cast<std::uint16_t>(warnings + s->warnings());
    s->connection().buffer().shrink_if_idle();  // rows of any size passed through; keep 64 KiB
  }
  bool over_time = false;
  for (auto& c : clocks) {
    c->stop();  // every lane's response is complete
    over_time = over_time || c->fired;
  }
  // A lane killed for running over ends with the server's interruption (or a closed
  // connection): the client gets MariaDB's own error for max_statement_time.
  if (error && over_time) error = make_error(errc::statement_timeout);
  payload.clear();
  if (cursor && error) {
    out.clear();  // nothing was sent: the ERR is the whole response
    seq = first_seq;
    cursor->clear_cursor();
    host_.settle(*cursor);
  }
  if (error) {
    if (!stmt_.error) stmt_.error = error->code;
    protocol::encode_err(payload, *error);
    log_.debug("session {}: multi-shard read failed: {}", session_id_, error->message);
  } else if (cursor) {
    cursor->cursor_open = true;
    cursor->cursor_pos = 0;
    protocol::encode_ok(payload, {protocol::eof_header,
                                  0,
                                  0,
                                  static_cast<std::uint16_t>(host_.session_status() | protocol::status::cursor_exists),
                                  0,
                                  {}});
  } else if (deprecate) {
    protocol::encode_ok(payload, {protocol::eof_header, 0, 0, host_.session_status(), warnings, {}});
  } else {
    protocol::encode_eof(payload, {warnings, host_.session_status()});
  }
  if (!(cursor && !error && !deprecate)) emit();  // an EOF client's cursor header ended with its EOF
  co_await flush(true);
  host_.set_last_ok(!error);
  release_leases();
  // A session connection lost mid-response took the session's state with it.
  co_return client_ok && !host_.connections_lost();
}

}  // namespace shardwire::proxy
