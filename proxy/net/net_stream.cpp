#include "proxy/net/net_stream.hpp"

#include <openssl/ssl.h>

namespace shardwire::proxy {

namespace asio = boost::asio;
using boost::system::error_code;

bool net_stream::has_buffered_input() const {
  if (!tls_) return false;
  SSL* ssl = const_cast<tls_type&>(*tls_).native_handle();
  // Decrypted bytes not yet read, or records in the engine's input BIO not yet decrypted.
  return SSL_has_pending(ssl) == 1 || BIO_ctrl_pending(SSL_get_rbio(ssl)) > 0;
}

asio::awaitable<error_code> net_stream::accept_tls(ssl::context& ctx, std::vector<std::uint8_t> received) {
  lower_.prepend(std::move(received));
  tls_ = std::make_unique<tls_type>(lower_, ctx);
  auto [ec] = co_await tls_->async_handshake(ssl::stream_base::server, asio::as_tuple(asio::use_awaitable));
  co_return ec;
}

asio::awaitable<error_code> net_stream::connect_tls(ssl::context& ctx, const std::string& server_name,
                                                     bool verify_name) {
  tls_ = std::make_unique<tls_type>(lower_, ctx);
  SSL* ssl = tls_->native_handle();
  // SNI only for names: RFC 6066 forbids IP literals there.
  error_code not_ip;
  asio::ip::make_address(server_name, not_ip);
  bool is_ip = !not_ip;
  if (!is_ip && !server_name.empty()) SSL_set_tlsext_host_name(ssl, server_name.c_str());
  if (verify_name) {
    // OpenSSL checks the name (DNS SAN or IP SAN) during the handshake.
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, server_name.c_str())
                   : X509_VERIFY_PARAM_set1_host(param, server_name.c_str(), server_name.size());
    if (ok != 1) co_return error_code(asio::error::invalid_argument);
  }
  auto [ec] = co_await tls_->async_handshake(ssl::stream_base::client, asio::as_tuple(asio::use_awaitable));
  co_return ec;
}

}  // namespace shardwire::proxy
