// A connection that is plain TCP until it is upgraded to TLS in place: MySQL switches
// after the first exchange (SSL_REQUEST), so the same object carries both phases. It is
// an Asio AsyncReadStream/AsyncWriteStream, so read_message, async_write and the relay
// use it unchanged; a plain connection costs one branch per operation.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <memory>
#include <optional>

namespace shardwire::proxy {

namespace ssl = boost::asio::ssl;

class net_stream {
 public:
  using socket_type = boost::asio::ip::tcp::socket;
  using executor_type = socket_type::executor_type;
  using tls_type = ssl::stream<socket_type&>;

  explicit net_stream(socket_type socket) : socket_(std::move(socket)) {}
  explicit net_stream(executor_type ex) : socket_(std::move(ex)) {}
  net_stream(const net_stream&) = delete;
  net_stream& operator=(const net_stream&) = delete;

  executor_type get_executor() { return socket_.get_executor(); }
  // The TCP socket under it: options, close, peer address, kernel queues.
  socket_type& socket() { return socket_; }
  const socket_type& socket() const { return socket_; }
  bool secure() const { return tls_ != nullptr; }
  // The TLS object once upgraded (cipher, version, peer certificate); nullptr before.
  tls_type* tls() { return tls_.get(); }
  // Bytes that are decrypted or received but not yet returned by a read: a socket that
  // is not readable may still have data to give (TLS only; 0 when plain).
  bool has_buffered_input() const;

  // Upgrades in place; reads and writes go through TLS from here on. `server_name`
  // (client side) is sent as SNI and, when `verify_name`, checked against the
  // certificate. The caller bounds the handshake (deadline_guard on socket()).
  boost::asio::awaitable<boost::system::error_code> accept_tls(ssl::context& ctx);
  boost::asio::awaitable<boost::system::error_code> connect_tls(ssl::context& ctx, const std::string& server_name,
                                                                bool verify_name);

  template <typename Buffers, typename Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const Buffers& b) {
          if (tls_) {
            tls_->async_read_some(b, std::move(handler));
          } else {
            socket_.async_read_some(b, std::move(handler));
          }
        },
        token, buffers);
  }
  template <typename Buffers, typename Token>
  auto async_write_some(const Buffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const Buffers& b) {
          if (tls_) {
            tls_->async_write_some(b, std::move(handler));
          } else {
            socket_.async_write_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

 private:
  socket_type socket_;
  std::unique_ptr<tls_type> tls_;
};

}  // namespace shardwire::proxy
