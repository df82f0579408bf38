#include "proxy/net/io.hpp"

#include <cstring>

namespace shardwire::proxy {

asio::mutable_buffer read_buffer::prepare(std::size_t min_free) {
  // A header announcing 16 MiB must not reserve 16 MiB before the bytes come: the buffer
  // grows by at most what it already holds (or 64 KiB), i.e. with what arrived.
  min_free = std::min(min_free, std::max<std::size_t>(growth_floor, end_ - begin_));
  if (data_.size() - end_ < min_free && begin_ > 0) {
    std::memmove(data_.data(), data_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (data_.size() - end_ < min_free) data_.resize(std::max(data_.size() * 2, end_ + min_free));
  return asio::buffer(data_.data() + end_, data_.size() - end_);
}

void read_buffer::shrink_if_idle(std::size_t keep) {
  if (begin_ == end_ && data_.size() > keep) {
    protocol::bytes fresh(keep);
    data_.swap(fresh);
    begin_ = end_ = 0;
  }
}

asio::awaitable<message_read> read_message(net_stream& sock, read_buffer& buf, std::size_t max_payload,
                                           int expected_seq) {
  for (;;) {
    auto frame = protocol::scan_message(buf.readable(), max_payload, expected_seq);
    if (frame.state != protocol::unframe_result::status::need_more) co_return message_read{{}, frame};
    // Ask for what the known headers say is missing, so a large message grows the
    // buffer once instead of doubling through every size.
    std::size_t want = 4096;
    auto have = buf.readable();
    if (have.size() >= protocol::header_size) {
      std::size_t first = protocol::read_header(have.data()).length + protocol::header_size;
      if (first > have.size()) want = std::max(want, first - have.size());
    }
    auto [ec, n] = co_await sock.async_read_some(buf.prepare(want), use_nothrow);
    if (ec) co_return message_read{ec, frame};
    buf.commit(n);
  }
}

asio::awaitable<error_code> write_message(net_stream& sock, protocol::byte_view payload, std::uint8_t seq) {
  protocol::bytes out;
  out.reserve(payload.size() + protocol::header_size);
  protocol::frame_message(out, payload, seq);
  auto [ec, n] = co_await asio::async_write(sock, asio::buffer(out), use_nothrow);
  co_return ec;
}

std::string io_error_text(const error_code& ec) {
  if (ec == asio::error::eof) return "connection closed by peer";
  return ec.message();
}

std::string peer_ip(const tcp::socket& sock) {
  error_code ec;
  auto ep = sock.remote_endpoint(ec);
  return ec ? std::string("unknown") : ep.address().to_string();
}

void set_socket_options(tcp::socket& sock) {
  error_code ignored;
  sock.set_option(tcp::no_delay(true), ignored);
  sock.set_option(asio::socket_base::keep_alive(true), ignored);
}

}  // namespace shardwire::proxy
