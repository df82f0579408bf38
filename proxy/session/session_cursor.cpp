// Cursors (COM_STMT_EXECUTE with CURSOR_TYPE_READ_ONLY, then COM_STMT_FETCH). The proxy
// materializes the result (bounded by merge.memory_limit_mb) and serves FETCH from it:
// the session needs no backend connection while the cursor is open, and a routed
// statement's merged rows are served the same way.
#include <spdlog/spdlog.h>

#include "protocol/capabilities.hpp"
#include "proxy/session/client_session.hpp"

namespace shardwire::proxy {

namespace cap = protocol::cap;
using protocol::errc;
using protocol::make_error;

namespace {
bool is_terminator(const protocol::bytes& p) {
  return !p.empty() && p[0] == protocol::eof_header && p.size() < 0xFFFFFF;
}
}  // namespace

// Reads the backend's answer to a (non-cursor) execute into `ps`'s cursor and answers the
// client with the result's header.
asio::awaitable<bool> client_session::collect_cursor(backend_connection& be, prepared_statement& ps, std::uint8_t seq) {
  // Under max_statement_time like a relayed statement; stopped when this returns.
  struct clock_guard {
    std::shared_ptr<statement_clock> clock;
    bool fired() const { return clock && clock->fired; }
    ~clock_guard() {
      if (clock) clock->stop();
    }
  } timing{time_statement(be)};
  auto lost = [&]() -> asio::awaitable<bool> {
    auto e = timing.fired() ? make_error(errc::statement_timeout)
                            : make_error(errc::backend_lost, be.describe() + ": reading a cursor's rows");
    co_await send_error(e, seq);
    co_return false;
  };
  auto first = co_await be.read_payload();
  if (!first || first->empty()) co_return co_await lost();
  if ((*first)[0] == protocol::err_header && timing.fired()) {
    last_ok_ = false;
    co_return co_await send_error(make_error(errc::statement_timeout), seq);
  }
  if ((*first)[0] == protocol::err_header || (*first)[0] == protocol::ok_header) {
    if ((*first)[0] == protocol::ok_header) {
      auto ok = protocol::decode_ok(*first);
      if (!ok) co_return co_await lost();
      be.status = ok->status;
      if (ok->state_changed) {  // the client gets the OK without the server's state report
        pin_reported_change();
        first->clear();
        protocol::encode_ok(*first, *ok);
      }
    }
    last_ok_ = (*first)[0] == protocol::ok_header;
    co_return !(co_await write_message(stream_, *first, seq));  // no result set: no cursor
  }
  protocol::reader r(*first);
  std::uint64_t columns = r.lenenc_int();
  std::vector<protocol::bytes> defs;
  for (std::uint64_t i = 0; i < columns; ++i) {
    auto d = co_await be.read_payload();
    if (!d) co_return co_await lost();
    defs.push_back(std::move(*d));
  }
  if (!be.deprecate_eof && !co_await be.read_payload()) co_return co_await lost();
  std::size_t bytes = 0;
  std::optional<protocol::sql_error> error;
  for (;;) {
    auto row = co_await be.read_payload();
    if (!row || row->empty()) co_return co_await lost();
    if ((*row)[0] == protocol::err_header) {
      auto e = protocol::decode_err(*row);
      error = e ? *e : make_error(errc::backend_lost, be.describe() + ": malformed error");
      break;
    }
    if (is_terminator(*row)) {
      auto ok = protocol::decode_ok(*row);
      if (row->size() > 5 && ok) be.status = ok->status;
      if (auto eof = protocol::decode_eof(*row); row->size() <= 5 && eof) be.status = eof->status;
      break;
    }
    bytes += row->size() + 32;
    if (!error && bytes > cfg_->merge.memory_limit) {
      error = make_error(errc::merge_memory_exceeded, "a cursor's rows", cfg_->merge.memory_limit >> 20);
    }
    if (!error) {
      if (auto e = charge(ps.charged, row->size() + sizeof(protocol::bytes), "a cursor's rows")) {
        error = e;
        continue;  // the rest of the response is read and dropped
      }
      ps.add_cursor_row(std::move(*row));
    }
  }
  if (error) {
    if (timing.fired()) error = make_error(errc::statement_timeout);
    ps.clear_cursor();
    settle(ps);
    last_ok_ = false;
    co_return co_await send_error(*error, seq);
  }
  protocol::bytes out, payload;
  auto emit = [&] { protocol::frame_message(out, payload, seq); };
  protocol::writer(payload).lenenc_int(columns);
  emit();
  for (auto& d : defs) {
    payload = std::move(d);
    emit();
  }
  payload.clear();
  auto status = static_cast<std::uint16_t>(session_status() | protocol::status::cursor_exists);
  if (caps_ & cap::deprecate_eof) {
    protocol::encode_ok(payload, {protocol::eof_header, 0, 0, status, 0, {}});
  } else {
    protocol::encode_eof(payload, {0, status});
  }
  emit();
  ps.cursor_open = true;
  ps.cursor_pos = 0;
  last_ok_ = true;
  auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(out), use_nothrow);
  co_return !ec;
}

asio::awaitable<bool> client_session::stmt_fetch(protocol::byte_view arg, std::uint8_t seq) {
  protocol::reader r(arg);
  std::uint32_t id = r.u32();
  std::uint32_t want = r.u32();
  if (!r.ok()) co_return co_await send_error(make_error(errc::malformed_packet), seq);
  prepared_statement* ps = stmts_.find(id);
  if (!ps) co_return co_await send_error(make_error(errc::unknown_stmt, id, "mysqld_stmt_fetch"), seq);
  if (!ps->cursor_open) {
    co_return co_await send_error(make_error(errc::unknown_stmt, id, "mysqld_stmt_fetch (no open cursor)"), seq);
  }
  protocol::bytes out, payload;
  std::size_t end = std::min<std::size_t>(ps->cursor_rows.size(), ps->cursor_pos + std::max<std::uint32_t>(want, 1));
  for (; ps->cursor_pos < end; ++ps->cursor_pos) {
    protocol::frame_message(out, ps->cursor_rows[ps->cursor_pos], seq);
    if (out.size() >= 64 * 1024) {
      auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(out), use_nothrow);
      if (ec) co_return false;
      out.clear();
    }
  }
  bool exhausted = ps->cursor_pos >= ps->cursor_rows.size();
  auto status = static_cast<std::uint16_t>(session_status() | protocol::status::cursor_exists);
  if (exhausted) status = static_cast<std::uint16_t>(status | protocol::status::last_row_sent);
  if (caps_ & cap::deprecate_eof) {
    protocol::encode_ok(payload, {protocol::eof_header, 0, 0, status, 0, {}});
  } else {
    protocol::encode_eof(payload, {0, status});
  }
  protocol::frame_message(out, payload, seq);
  if (exhausted) {
    ps->cursor_open = false;
    ps->clear_cursor();
    settle(*ps);
  }
  auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(out), use_nothrow);
  co_return !ec;
}

}  // namespace shardwire::proxy
