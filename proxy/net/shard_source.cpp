#include "proxy/net/shard_source.hpp"

#include "merger/row_codec.hpp"
#include "protocol/packet.hpp"

namespace shardwire::proxy {

using merger::pull;
using protocol::errc;
using protocol::make_error;

namespace {
constexpr std::size_t max_row = std::size_t{1} << 30;
}

pull shard_source::fail(protocol::sql_error e) {
  done_ = true;
  ctx_.fail(std::move(e));
  return pull::error;
}

// The next whole message in the buffer, taking what the kernel already holds; else
// need_input (naming this source) or error.
pull shard_source::whole_message(protocol::unframe_result& frame, const char* broken_what) {
  auto& buf = be_.buffer();
  for (;;) {
    frame = protocol::scan_message(buf.readable(), max_row, -1);
    using st = protocol::unframe_result::status;
    if (frame.state == st::complete) return pull::row;
    if (frame.state != st::need_more) {
      be_.broken = true;
      return fail(make_error(errc::backend_lost, be_.describe() + ": " + broken_what));
    }
    auto data = buf.readable();
    want_ = data.size() >= protocol::header_size ? protocol::read_header(data.data()).length + protocol::header_size
                                                 : protocol::header_size;
    if (!take_available()) {
      ctx_.wanted = id_;
      return pull::need_input;
    }
  }
}

pull shard_source::header() {
  auto& buf = be_.buffer();
  if (done_) return pull::error;
  while (!header_done_) {
    protocol::unframe_result frame;
    if (pull p = whole_message(frame, "header out of sequence"); p != pull::row) return p;
    protocol::bytes payload;
    protocol::gather_payload(buf.readable(), frame, payload);
    buf.consume(frame.wire_size);
    if (column_count_ == 0) {  // the first packet: ERR, or the column count
      if (!payload.empty() && payload[0] == protocol::err_header) {
        auto e = protocol::decode_err(payload);
        return fail(e ? *e : make_error(errc::backend_lost, be_.describe() + ": malformed error packet"));
      }
      protocol::reader r(payload);
      column_count_ = r.lenenc_int();
      if (!r.ok() || payload.empty() || payload[0] == protocol::ok_header || column_count_ == 0) {
        be_.broken = true;  // a SELECT always has columns; an OK here means we are out of step
        return fail(make_error(errc::internal, "a node answered a SELECT without a result set"));
      }
      continue;
    }
    if (columns.size() < column_count_) {
      auto d = protocol::decode_column_definition(payload, be_.extended_metadata);
      if (!d) {
        be_.broken = true;
        return fail(make_error(errc::backend_lost, be_.describe() + ": malformed column definition"));
      }
      columns.push_back(merger::column_of(*d));
      defs_.push_back(std::move(payload));
      if (columns.size() < column_count_ || !be_.deprecate_eof) continue;
    }
    // (without DEPRECATE_EOF the packet just consumed was the column EOF)
    header_done_ = true;
    if (!ctx_.columns.empty() && ctx_.columns.size() != columns.size()) {
      return fail(make_error(errc::internal, "nodes answered with different column counts"));
    }
  }
  return pull::row;
}

bool shard_source::take_available() {
  // Over TLS the kernel's count says nothing about whole records: the async fill() reads.
  if (be_.stream().secure()) return false;
  error_code ec;
  std::size_t n = be_.socket().available(ec);
  if (ec || n == 0) return false;
  // At most 64 KiB at a time (or the message under way): a connection's buffer stays
  // small however much the kernel has queued.
  auto got = be_.socket().read_some(
      be_.buffer().prepare(std::max<std::size_t>(std::min<std::size_t>(n, 64 * 1024), want_)), ec);
  if (ec) return false;
  be_.buffer().commit(got);
  return got > 0;
}

pull shard_source::next(const merger::row*& out) {
  auto& buf = be_.buffer();
  buf.consume(pending_);
  pending_ = 0;
  if (done_) return pull::end;
  if (!header_done_) {
    pull h = header();
    if (h != pull::row) return h;
  }
  protocol::unframe_result frame;
  if (pull p = whole_message(frame, "row larger than 1 GiB or out of sequence"); p != pull::row) return p;
  protocol::byte_view payload;
  if (frame.packets == 1) {
    payload = protocol::message_payload_view(buf.readable(), frame);
  } else {
    protocol::gather_payload(buf.readable(), frame, big_);
    payload = big_;
  }
  if (!payload.empty() && payload[0] == protocol::err_header) {
    auto e = protocol::decode_err(payload);
    buf.consume(frame.wire_size);
    return fail(e ? *e : make_error(errc::backend_lost, be_.describe() + ": malformed error packet"));
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
    return fail(make_error(errc::backend_lost, be_.describe() + ": malformed row"));
  }
  if (frame.packets == 1) {
    pending_ = frame.wire_size;  // the row points into the buffer: consume it next time
  } else {
    buf.consume(frame.wire_size);  // the row points into big_
  }
  out = &row_;
  return pull::row;
}

asio::awaitable<error_code> shard_source::fill() {
  auto& buf = be_.buffer();
  auto [ec, n] =
      co_await be_.stream().async_read_some(buf.prepare(std::max<std::size_t>(want_, 16 * 1024)), use_nothrow);
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
