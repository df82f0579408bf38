// Asio plumbing shared by client sessions and backend connections: a growable read
// buffer and whole-message reads. Errors are values: nothing here throws.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <chrono>
#include <memory>

#include "protocol/packet.hpp"
#include "proxy/net/net_stream.hpp"

namespace shardwire::proxy {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;
// Completion token: results arrive as (error_code, value) tuples, never exceptions.
inline constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

// Contiguous receive buffer holding [begin, end) unread bytes.
class read_buffer {
 public:
  explicit read_buffer(std::size_t initial = 16 * 1024) : data_(initial) {}

  protocol::byte_view readable() const { return {data_.data() + begin_, end_ - begin_}; }
  std::uint8_t* readable_data() { return data_.data() + begin_; }
  void consume(std::size_t n) {
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
  }
  // Room for more bytes, `min_free` if the buffer may grow that far: compacts first, then
  // grows by at most max(64 KiB, bytes held), so memory follows the bytes that arrived,
  // never a length a peer announced. For partial reads (read_some) only.
  asio::mutable_buffer prepare(std::size_t min_free = 4096);
  static constexpr std::size_t growth_floor = 64 * 1024;
  void commit(std::size_t n) { end_ += n; }
  // Returns memory grown for one large message once it has been consumed.
  void shrink_if_idle(std::size_t keep = 64 * 1024);
  std::size_t capacity() const { return data_.size(); }

 private:
  protocol::bytes data_;
  std::size_t begin_ = 0, end_ = 0;
};

struct message_read {
  error_code io;                   // socket failure or EOF
  protocol::unframe_result frame;  // complete, too_large or out_of_order when io is clear
};

// Reads until one whole message sits at the front of `buf` (not consumed).
asio::awaitable<message_read> read_message(net_stream& sock, read_buffer& buf, std::size_t max_payload,
                                           int expected_seq);

// Closes the socket if the guarded exchange outlives its deadline; the shared flag
// keeps a late timer callback from touching a socket that has moved on.
class deadline_guard {
 public:
  deadline_guard(tcp::socket& sock, std::chrono::milliseconds timeout)
      : armed_(std::make_shared<bool>(true)), fired_(std::make_shared<bool>(false)), timer_(sock.get_executor()) {
    timer_.expires_after(timeout);
    timer_.async_wait([armed = armed_, fired = fired_, &sock](error_code ec) {
      if (ec || !*armed) return;
      *fired = true;
      error_code ignored;
      sock.close(ignored);
    });
  }
  ~deadline_guard() { *armed_ = false; }
  bool fired() const { return *fired_; }

 private:
  std::shared_ptr<bool> armed_, fired_;
  asio::steady_timer timer_;
};

// Frames `payload` at `seq` and writes it.
asio::awaitable<error_code> write_message(net_stream& sock, protocol::byte_view payload, std::uint8_t seq);

void set_socket_options(tcp::socket& sock);

// The peer's IP address as text ("unknown" when the socket has none).
std::string peer_ip(const tcp::socket& sock);

// Human text for a socket error. A plain function on purpose: in coroutines GCC 12
// destroys both arms of a `?:` that yields a class temporary, so keep them out.
std::string io_error_text(const error_code& ec);

}  // namespace shardwire::proxy
