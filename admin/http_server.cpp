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

// The Host header's name: without the port, brackets of an IPv6 literal dropped.
std::string host_name(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    auto close = host.find(']');
    host = close == std::string_view::npos ? host.substr(1) : host.substr(1, close - 1);
  } else if (auto colon = host.find(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  std::string out(host);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
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
    if (connections_ >= settings().max_connections) {  // refused, not queued: others keep working
      boost::system::error_code ignored;
      sock.close(ignored);
      continue;
    }
    ++connections_;
    asio::co_spawn(ex_, serve(std::move(sock)), [this](std::exception_ptr) { --connections_; });
  }
}

bool http_server::host_allowed(const request& req) const {
  auto it = req.find(http::field::host);
  if (it == req.end()) return false;
  std::string name = host_name(it->value());
  for (const auto& h : settings().allowed_hosts) {
    if (name == h) return true;
  }
  return false;
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
    // The header first: the Host and the token are checked before any body is read.
    auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, use_nothrow);
    response res;
    bool keep = false;
    if (!ec) {
      const request& head = parser.get();
      if (!host_allowed(head)) {
        res = api::error(http::status::forbidden, "Host not allowed (admin.allowed_hosts)", head.version());
      } else if (!authorized(head)) {
        res = api::error(http::status::unauthorized, "missing or wrong bearer token", head.version());
        res.set(http::field::www_authenticate, "Bearer");
      } else {
        std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, use_nothrow);
      }
    }
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof) break;
    if (res.result_int() != 200) {
      res.keep_alive(false);  // refused before its body was read: the connection cannot be reused
    } else if (ec) {
      if (&ec.category() != &http::make_error_code(http::error::bad_target).category()) {
        break;  // a socket error: nobody to answer
      }
      auto status = ec == http::error::body_limit || ec == http::error::header_limit ? http::status::payload_too_large
                                                                                     : http::status::bad_request;
      res = api::error(status, "malformed HTTP request: " + ec.message(), 11);
    } else {
      const request& req = parser.get();
      keep = req.keep_alive();
      // Exception firewall: a bug in one handler answers 500, never ends the daemon.
      try {
        res = co_await handle(ctx_, req);
      } catch (const std::exception& e) {
        ctx_.log->error("admin: {} {} failed: {}", std::string(req.method_string()), std::string(req.target()),
                        e.what());
        res = api::error(http::status::internal_server_error, std::string("internal error: ") + e.what(),
                         req.version());
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
