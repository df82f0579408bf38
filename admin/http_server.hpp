// The HTTP admin plane (docs/admin.md): a Boost.Beast HTTP/1.1 server on its own port,
// on the proxy's main event loop (never on a SQL worker), JSON in and out, bearer-token
// auth. A malformed request gets a 4xx and the connection closes; nothing here can
// disturb SQL sessions.
#pragma once

#include <spdlog/logger.h>

#include <boost/asio.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <string>

#include "proxy/server/server.hpp"

namespace shardwire::admin {

namespace asio = boost::asio;
namespace http = boost::beast::http;

// What the endpoints read and change: the server's topology, config snapshots and
// workers, through the server's own operations (the same ones a reload uses).
struct context {
  proxy::server& srv;
  std::shared_ptr<spdlog::logger> log;
};

using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

// Routes one request (auth already checked). Runs on the main event loop.
asio::awaitable<response> handle(const context& ctx, const request& req);

class http_server {
 public:
  http_server(asio::any_io_executor ex, context ctx);
  // Binds admin.listen; false (logged) when it cannot. No-op when admin is disabled.
  bool start();
  void stop();

 private:
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(asio::ip::tcp::socket sock);
  bool authorized(const request& req) const;
  bool host_allowed(const request& req) const;
  const proxy::admin_settings& settings() const { return ctx_.srv.state().cfg->admin; }

  asio::any_io_executor ex_;
  context ctx_;
  asio::ip::tcp::acceptor acceptor_;
  int connections_ = 0;  // being served (all on the main event loop: no lock)
};

}  // namespace shardwire::admin
