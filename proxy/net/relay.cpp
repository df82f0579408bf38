#include "proxy/net/relay.hpp"

namespace shardwire::proxy {

using protocol::response_tracker;
using action = response_tracker::action;

void relay::emit_packet(protocol::byte_view payload) {
  std::size_t at = synth_.size();
  synth_.resize(at + protocol::header_size);
  protocol::write_header(synth_.data() + at, static_cast<std::uint32_t>(payload.size()), seq_++);
  synth_.insert(synth_.end(), payload.begin(), payload.end());
  segments_.push_back({true, at, synth_.size() - at});
}

asio::awaitable<error_code> relay::flush(backend_connection& be, net_stream& client) {
  if (segments_.empty()) co_return error_code{};
  const std::uint8_t* base = be.buffer().readable_data();
  std::size_t total = 0;
  for (const auto& s : segments_) total += s.length;
  error_code ec;
  if (segments_.size() > 1 && total <= gather_limit) {
    // A small response in pieces (a terminator rewritten): one contiguous write. Asio's
    // operation for a buffer sequence is too large for its recycled memory: a malloc
    // per statement otherwise.
    gathered_.clear();
    for (const auto& s : segments_) {
      const std::uint8_t* from = s.synthesized ? synth_.data() + s.offset : base + s.offset;
      gathered_.insert(gathered_.end(), from, from + s.length);
    }
    auto [e, n] = co_await asio::async_write(client, asio::buffer(gathered_), use_nothrow);
    ec = e;
    if (gathered_.capacity() > 4096) gathered_ = {};  // idle sessions stay small
  } else {
    buffers_.clear();
    for (const auto& s : segments_) {
      buffers_.emplace_back(s.synthesized ? synth_.data() + s.offset : base + s.offset, s.length);
    }
    auto [e, n] = co_await asio::async_write(client, buffers_, use_nothrow);
    ec = e;
  }
  segments_.clear();
  synth_.clear();
  co_return ec;
}

asio::awaitable<bool> relay::upload(backend_connection& be, net_stream& client, const local_infile_source& src,
                                    std::uint8_t backend_seq, std::string& why) {
  for (;;) {
    // Memory follows the packet sizes the client sends (each at most max_packet).
    deadline_guard guard(client.socket(), src.timeout);
    auto msg = co_await read_message(client, *src.buffer, src.max_packet, seq_);
    if (msg.io || msg.frame.state != protocol::unframe_result::status::complete) {
      why = guard.fired() ? "the client sent no file data for the read timeout"
            : msg.io      ? "the client went away during LOAD DATA LOCAL"
                          : "the client's file packet is too large or out of sequence";
      co_return false;
    }
    std::uint8_t* raw = src.buffer->readable_data();
    for (std::size_t at = 0; at < msg.frame.wire_size;) {  // renumber each physical packet
      std::size_t length = protocol::read_header(raw + at).length;
      raw[at + 3] = backend_seq++;
      ++seq_;
      at += protocol::header_size + length;
    }
    auto [ec, n] = co_await asio::async_write(be.stream(), asio::buffer(raw, msg.frame.wire_size), use_nothrow);
    bool last = msg.frame.payload_size == 0;  // the empty packet ends the file
    src.buffer->consume(msg.frame.wire_size);
    src.buffer->shrink_if_idle();
    if (ec) {
      why = "backend lost during LOAD DATA LOCAL: " + ec.message();
      co_return false;
    }
    if (last) co_return true;
  }
}

asio::awaitable<relay_outcome> relay::run(backend_connection& be, net_stream& client, response_tracker& tracker,
                                          std::uint8_t client_seq, relay_options opts) {
  relay_outcome out;
  seq_ = client_seq;
  read_buffer& buf = be.buffer();
  std::size_t stream_left = 0;  // payload bytes of the current packet still to forward
  std::size_t skip_left = 0;    // payload bytes of a dropped packet still to discard
  bool continuation = false;    // the previous packet was full, this one continues it
  bool mid_packet = false;      // the client has seen part of a packet
  bool done = false;

  auto lose_backend = [&](std::string detail) {
    be.broken = true;
    out.state = relay_outcome::status::backend_lost;
    out.client_framing_intact = !mid_packet;
    out.next_client_seq = seq_;
    out.detail = std::move(detail);
    return out;
  };

  while (!done) {
    // Walk whatever is buffered; offsets are relative to the buffer's read position.
    auto data = buf.readable();
    std::size_t pos = 0;
    bool need_more = false;
    while (pos < data.size() && !done && !need_more) {
      if (skip_left > 0) {
        std::size_t n = std::min(skip_left, data.size() - pos);
        pos += n;
        skip_left -= n;
        continue;
      }
      if (stream_left > 0) {
        std::size_t n = std::min(stream_left, data.size() - pos);
        emit_raw(pos, n);
        pos += n;
        stream_left -= n;
        mid_packet = stream_left > 0;
        continue;
      }
      if (data.size() - pos < protocol::header_size) {
        need_more = true;
        break;
      }
      auto h = protocol::read_header(data.data() + pos);
      std::size_t avail = std::min<std::size_t>(h.length, data.size() - pos - protocol::header_size);
      response_tracker::decision d{action::pass};
      bool dropped = false;
      if (!continuation) {
        bool was_rows = tracker.in_rows();
        d = tracker.on_packet(h.length, data.subspan(pos + protocol::header_size, avail));
        if (d.act == action::need_whole) {
          need_more = true;
          break;
        }
        if (d.act == action::error) co_return lose_backend("unexpected packet in response");
        bool is_err = avail > 0 && data[pos + protocol::header_size] == protocol::err_header;
        dropped = !is_err && ((opts.drop_header && !was_rows) || (opts.drop_terminator && was_rows && d.done));
        if (opts.drop_header) d.prepend_eof = false;  // the owed column EOF belongs to the header
      }
      continuation = h.length == protocol::max_packet_payload;
      // An owed column EOF goes out even when the packet that revealed it is dropped
      // (an empty result set's terminator, when a later node's rows follow).
      if (d.prepend_eof) {
        emit_packet(tracker.appended());
        d.prepend_eof = false;
      }
      if (dropped) {  // header and terminator packets are small: never continued
        std::size_t whole = protocol::header_size + h.length;
        std::size_t have = protocol::header_size + avail;
        pos += have;
        skip_left = whole - have;
        done = d.done;
        continue;
      }
      switch (d.act) {
        case action::pass: {
          if (opts.timed_out && *opts.timed_out && tracker.failed() && d.done && h.length == avail) {
            protocol::bytes err;
            protocol::encode_err(err, protocol::make_error(protocol::errc::statement_timeout));
            emit_packet(err);
            pos += protocol::header_size + h.length;
            break;
          }
          const_cast<std::uint8_t*>(data.data())[pos + 3] = seq_++;  // renumber in place
          emit_raw(pos, protocol::header_size + avail);
          stream_left = h.length - avail;
          mid_packet = stream_left > 0;
          pos += protocol::header_size + avail;
          break;
        }
        case action::replace:
          emit_packet(tracker.replacement());
          pos += protocol::header_size + h.length;
          break;
        case action::drop:
          // The server's file request goes to the client when its statement asked for one.
          if (d.local_infile && opts.local_infile) emit_packet(data.subspan(pos + protocol::header_size, avail));
          pos += protocol::header_size + h.length;
          break;
        default:
          break;
      }
      if (d.append_eof) emit_packet(tracker.appended());
      if (d.local_infile && opts.local_infile) {
        if (auto ec = co_await flush(be, client); ec) {
          be.broken = true;  // it waits for a file nobody will send
          out.state = relay_outcome::status::client_lost;
          out.detail = ec.message();
          co_return out;
        }
        std::string why;
        if (!co_await upload(be, client, *opts.local_infile, static_cast<std::uint8_t>(h.seq + 1), why)) {
          be.broken = true;
          out.state = relay_outcome::status::client_lost;
          out.client_framing_intact = false;
          out.detail = why;
          co_return out;
        }
      } else if (d.local_infile) {
        // A file request no LOAD DATA LOCAL of this client asked for: "no file".
        std::uint8_t empty[4];
        protocol::write_header(empty, 0, static_cast<std::uint8_t>(h.seq + 1));
        auto [ec, n] = co_await asio::async_write(be.stream(), asio::buffer(empty), use_nothrow);
        if (ec) co_return lose_backend(ec.message());
      }
      done = d.done;
    }
    if (done && opts.before_done) co_await opts.before_done->before_last_flush(tracker.status(), tracker.failed());
    if (auto ec = co_await flush(be, client); ec) {
      be.broken = !done;  // an unread rest of the response leaves the backend unusable
      buf.consume(pos);
      out.state = relay_outcome::status::client_lost;
      out.detail = ec.message();
      co_return out;
    }
    buf.consume(pos);
    if (done) break;
    std::size_t want = 16 * 1024;
    if (need_more && buf.readable().size() >= protocol::header_size) {
      // A control packet must be whole before it can be judged: make room for it.
      want = std::max(want, protocol::read_header(buf.readable().data()).length + protocol::header_size);
    }
    auto [ec, n] = co_await be.stream().async_read_some(buf.prepare(want), use_nothrow);
    if (ec) co_return lose_backend(io_error_text(ec));
    buf.commit(n);
  }
  if (!buf.readable().empty()) be.broken = true;  // bytes beyond the response: out of sync
  be.status = tracker.status();
  out.response_was_error = tracker.failed();
  out.next_client_seq = seq_;
  co_return out;
}

}  // namespace shardwire::proxy
