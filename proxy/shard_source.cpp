#include "proxy/shard_source.hpp"

#include "merger/row_codec.hpp"
#include "protocol/packet.hpp"

namespace shardwire::proxy {

using merger::pull;
using protocol::errc;
using protocol::make_error;

namespace {
constexpr std::size_t max_row = std::size_t{1} << 30;
}

asio::awaitable<sql_result<void>> shard_source::read_header() {
  auto& buf = be_.buffer();
  auto next_message = [&]() -> asio::awaitable<sql_result<protocol::bytes>> {
    auto m = co_await read_message(be_.socket(), buf, max_row, -1);
    if (m.io || m.frame.state != protocol::unframe_result::status::complete) {
      be_.broken = true;
      co_return make_error(errc::backend_lost, be_.describe() + ": " + (m.io ? io_error_text(m.io) : "bad framing"));
    }
    protocol::bytes payload;
    protocol::gather_payload(buf.readable(), m.frame, payload);
    buf.consume(m.frame.wire_size);
    co_return payload;
  };
  auto first = co_await next_message();
  if (!first) co_return first.error();
  if (!first->empty() && (*first)[0] == protocol::err_header) {
    done_ = true;
    auto e = protocol::decode_err(*first);
    if (!e) co_return make_error(errc::backend_lost, be_.describe() + ": malformed error packet");
    co_return *e;
  }
  protocol::reader r(*first);
  std::uint64_t count = r.lenenc_int();
  if (!r.ok() || (*first)[0] == protocol::ok_header || count == 0) {
    be_.broken = true;  // a SELECT always has columns; an OK here means we are out of step
    co_return make_error(errc::internal, "a node answered a SELECT without a result set");
  }
  for (std::uint64_t i = 0; i < count; ++i) {
    auto def = co_await next_message();
    if (!def) co_return def.error();
    auto d = protocol::decode_column_definition(*def);
    if (!d) {
      be_.broken = true;
      co_return make_error(errc::backend_lost, be_.describe() + ": malformed column definition");
    }
    columns.push_back(merger::column_of(*d));
    defs_.push_back(std::move(*def));
  }
  if (!be_.deprecate_eof) {
    auto eof = co_await next_message();
    if (!eof) co_return eof.error();
  }
  co_return sql_result<void>{};
}

bool shard_source::take_available() {
  error_code ec;
  std::size_t n = be_.socket().available(ec);
  if (ec || n == 0) return false;
  // At most 64 KiB at a time (or the message under way): a connection's buffer stays
  // small however much the kernel has queued.
  auto got = be_.socket().read_some(be_.buffer().prepare(std::max<std::size_t>(std::min<std::size_t>(n, 64 * 1024), want_)), ec);
  if (ec) return false;
  be_.buffer().commit(got);
  return got > 0;
}

pull shard_source::next(const merger::row*& out) {
  auto& buf = be_.buffer();
  buf.consume(pending_);
  pending_ = 0;
  if (done_) return pull::end;
  for (;;) {
    auto frame = protocol::scan_message(buf.readable(), max_row, -1);
    using st = protocol::unframe_result::status;
    if (frame.state == st::need_more) {
      auto data = buf.readable();
      want_ = data.size() >= protocol::header_size
                  ? protocol::read_header(data.data()).length + protocol::header_size
                  : protocol::header_size;
      if (take_available()) continue;
      ctx_.wanted = id_;
      return pull::need_input;
    }
    if (frame.state != st::complete) {
      be_.broken = true;
      done_ = true;
      ctx_.fail(make_error(errc::backend_lost, be_.describe() + ": row larger than 1 GiB or out of sequence"));
      return pull::error;
    }
    protocol::byte_view payload;
    if (frame.packets == 1) {
      payload = protocol::message_payload_view(buf.readable(), frame);
    } else {
      protocol::gather_payload(buf.readable(), frame, big_);
      payload = big_;
    }
    if (!payload.empty() && payload[0] == protocol::err_header) {
      done_ = true;
      auto e = protocol::decode_err(payload);
      buf.consume(frame.wire_size);
      ctx_.fail(e ? *e : make_error(errc::backend_lost, be_.describe() + ": malformed error packet"));
      return pull::error;
    }
    if (protocol::is_eof_or_terminator(payload)) {
      done_ = true;
      if (be_.deprecate_eof) {
        if (auto ok = protocol::decode_ok(payload)) {
          warnings_ = ok->warnings;
          be_.status = ok->status;
        }
      } else if (auto eof = protocol::decode_eof(payload)) {
        warnings_ = eof->warnings;
        be_.status = eof->status;
      }
      buf.consume(frame.wire_size);
      return pull::end;
    }
    if (!merger::split_row(payload, columns, ctx_.format, row_)) {
      be_.broken = true;
      done_ = true;
      ctx_.fail(make_error(errc::backend_lost, be_.describe() + ": malformed row"));
      return pull::error;
    }
    if (frame.packets == 1) {
      pending_ = frame.wire_size;  // the row points into the buffer: consume it next time
    } else {
      buf.consume(frame.wire_size);  // the row points into big_
    }
    out = &row_;
    return pull::row;
  }
}

asio::awaitable<error_code> shard_source::fill() {
  auto& buf = be_.buffer();
  auto [ec, n] = co_await be_.socket().async_read_some(buf.prepare(std::max<std::size_t>(want_, 16 * 1024)),
                                                       use_nothrow);
  if (ec) {
    be_.broken = true;
    done_ = true;
    co_return ec;
  }
  buf.commit(n);
  co_return error_code{};
}

asio::awaitable<error_code> shard_source::drain() {
  while (!done_) {
    const merger::row* r = nullptr;
    pull p = next(r);
    if (p == pull::need_input) {
      if (auto ec = co_await fill()) co_return ec;
    }
  }
  be_.buffer().consume(pending_);
  pending_ = 0;
  co_return error_code{};
}

}  // namespace shardwire::proxy
