#include "admin/http_server.hpp"

#include <boost/beast/core.hpp>

#include "admin/api.hpp"

namespace shardwire::admin {

namespace beast = boost::beast;
using tcp = asio::ip::tcp;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

namespace {

// Constant-time comparison: the token must not leak through timing.
bool same(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

http_server::http_server(asio::any_io_executor ex, context ctx)
    : ex_(std::move(ex)), ctx_(std::move(ctx)), acceptor_(ex_) {}

bool http_server::start() {
  const auto& a = settings();
  if (!a.enabled) return true;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(a.listen_host == "localhost" ? "127.0.0.1" : a.listen_host, ec);
  if (!ec) acceptor_.open(address.is_v6() ? tcp::v6() : tcp::v4(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind({address, a.listen_port}, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    ctx_.log->error("admin: cannot listen on {}:{}: {}", a.listen_host, a.listen_port, ec.message());
    return false;
  }
  if (a.token.empty()) {
    ctx_.log->warn("admin: no token configured; the admin API on {}:{} is open to local users", a.listen_host,
                   a.listen_port);
  }
  ctx_.log->info("admin API listening on {}:{}", a.listen_host, a.listen_port);
  asio::co_spawn(ex_, accept_loop(), asio::detached);
  return true;
}

void http_server::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

asio::awaitable<void> http_server::accept_loop() {
  while (acceptor_.is_open()) {
    auto [ec, sock] = co_await acceptor_.async_accept(use_nothrow);
    if (ec) {
      if (!acceptor_.is_open()) co_return;
      asio::steady_timer t(ex_, std::chrono::milliseconds(50));  // e.g. EMFILE: back off
      co_await t.async_wait(use_nothrow);
      continue;
    }
    asio::co_spawn(ex_, serve(std::move(sock)), asio::detached);
  }
}

bool http_server::authorized(const request& req) const {
  const std::string& token = settings().token;
  if (token.empty()) return true;
  auto it = req.find(http::field::authorization);
  if (it == req.end()) return false;
  std::string_view v = it->value();
  return v.size() > 7 && v.substr(0, 7) == "Bearer " && same(v.substr(7), token);
}

asio::awaitable<void> http_server::serve(tcp::socket sock) {
  beast::tcp_stream stream(std::move(sock));
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(1 << 20);
    stream.expires_after(std::chrono::seconds(30));
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_nothrow);
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof) break;
    response res;
    bool keep = false;
    if (ec) {
      if (&ec.category() != &http::make_error_code(http::error::bad_target).category()) {
        break;  // a socket error: nobody to answer
      }
      auto status = ec == http::error::body_limit || ec == http::error::header_limit ? http::status::payload_too_large
                                                                                     : http::status::bad_request;
      res = api::error(status, "malformed HTTP request: " + ec.message(), 11);
    } else {
      const request& req = parser.get();
      keep = req.keep_alive();
      if (!authorized(req)) {
        res = api::error(http::status::unauthorized, "missing or wrong bearer token", req.version());
        res.set(http::field::www_authenticate, "Bearer");
      } else {
        // Exception firewall: a bug in one handler answers 500, never ends the daemon.
        try {
          res = co_await handle(ctx_, req);
        } catch (const std::exception& e) {
          ctx_.log->error("admin: {} {} failed: {}", std::string(req.method_string()), std::string(req.target()),
                          e.what());
          res = api::error(http::status::internal_server_error, std::string("internal error: ") + e.what(),
                           req.version());
        }
      }
      res.keep_alive(keep);
    }
    res.set(http::field::server, "shardwire");
    auto [wec, wn] = co_await http::async_write(stream, res, use_nothrow);
    if (wec || !keep) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

}  // namespace shardwire::admin
