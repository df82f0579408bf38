// A connection that is plain TCP until it is upgraded to TLS in place: MySQL switches
// after the first exchange (SSL_REQUEST), so the same object carries both phases. It is
// an Asio AsyncReadStream/AsyncWriteStream, so read_message, async_write and the relay
// use it unchanged; a plain connection costs one branch per operation.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <memory>
#include <optional>
#include <vector>

namespace shardwire::proxy {

namespace ssl = boost::asio::ssl;

// The TCP socket as TLS's lower layer, serving first the bytes that were read before
// the upgrade: a client sends its TLS ClientHello right behind SSL_REQUEST without
// waiting, so they often arrive in the same read.
class prefixed_socket {
 public:
  using socket_type = boost::asio::ip::tcp::socket;
  using executor_type = socket_type::executor_type;
  using lowest_layer_type = socket_type::lowest_layer_type;
  explicit prefixed_socket(socket_type& s) : socket_(s) {}
  executor_type get_executor() { return socket_.get_executor(); }
  lowest_layer_type& lowest_layer() { return socket_.lowest_layer(); }
  void prepend(std::vector<std::uint8_t> bytes) { prefix_ = std::move(bytes), offset_ = 0; }

  template <typename Buffers, typename Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const Buffers& b) {
          if (offset_ == prefix_.size()) {
            socket_.async_read_some(b, std::move(handler));
            return;
          }
          std::size_t n = boost::asio::buffer_copy(
              b, boost::asio::buffer(prefix_.data() + offset_, prefix_.size() - offset_));
          offset_ += n;
          if (offset_ == prefix_.size()) prefix_.clear(), offset_ = 0;
          auto ex = boost::asio::get_associated_executor(handler, socket_.get_executor());
          boost::asio::post(ex, [h = std::move(handler), n]() mutable { h(boost::system::error_code{}, n); });
        },
        token, buffers);
  }
  template <typename Buffers, typename Token>
  auto async_write_some(const Buffers& buffers, Token&& token) {
    return socket_.async_write_some(buffers, std::forward<Token>(token));
  }

 private:
  socket_type& socket_;
  std::vector<std::uint8_t> prefix_;
  std::size_t offset_ = 0;
};

class net_stream {
 public:
  using socket_type = boost::asio::ip::tcp::socket;
  using executor_type = socket_type::executor_type;
  using tls_type = ssl::stream<prefixed_socket&>;

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

  // Upgrades in place; reads and writes go through TLS from here on. `received`: bytes
  // already read past the request to upgrade (the start of the peer's handshake).
  // `server_name` (client side) is sent as SNI and, when `verify_name`, checked against
  // the certificate. The caller bounds the handshake (deadline_guard on socket()).
  boost::asio::awaitable<boost::system::error_code> accept_tls(ssl::context& ctx, std::vector<std::uint8_t> received);
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
  prefixed_socket lower_{socket_};
  std::unique_ptr<tls_type> tls_;
};

}  // namespace shardwire::proxy
