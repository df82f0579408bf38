// One client connection: the handshake and authentication against the proxy's own
// users, then a loop reading commands and relaying them to the backend connection
// leased for the session. Runs as one coroutine on its worker's thread.
#pragma once

#include <map>
#include <memory>

#include "proxy/relay.hpp"
#include "router/kill_statement.hpp"
#include "router/planner.hpp"
#include "proxy/worker.hpp"

namespace shardwire::proxy {

class client_session : public std::enable_shared_from_this<client_session> {
 public:
  client_session(tcp::socket socket, worker& w);
  ~client_session();

  asio::awaitable<void> run();
  // Graceful shutdown: an idle session closes now, a busy one after its statement.
  void request_stop();
  std::uint32_t id() const { return id_; }
  // For KILL from other sessions (any thread): immutable once registered / atomic.
  const std::string& user() const { return user_; }
  std::uint32_t backend_thread_id() const { return backend_thread_id_.load(std::memory_order_relaxed); }
  void kill_connection();  // run on this session's own worker

 private:
  asio::awaitable<bool> handshake();
  asio::awaitable<bool> authenticate(const protocol::handshake_response& resp, std::uint8_t& seq);
  asio::awaitable<bool> attach_backend(const std::string& schema, std::uint8_t& seq);
  asio::awaitable<void> command_loop();
  asio::awaitable<bool> dispatch(const protocol::unframe_result& frame);
  asio::awaitable<bool> forward(protocol::command cmd, const protocol::unframe_result& frame);
  void track_session_state(protocol::command cmd, protocol::byte_view payload);
  asio::awaitable<bool> handle_kill(const router::kill_statement& kill, std::uint8_t seq);
  // Routing (session_route.cpp)
  bool needs_routing(std::string_view sql) const;
  asio::awaitable<bool> route_query(std::string_view sql, const protocol::unframe_result& frame);
  asio::awaitable<backend_connection*> backend_for(const std::string& data_source, std::uint8_t seq);
  asio::awaitable<bool> run_single(const router::route_target& target, std::uint8_t seq);
  asio::awaitable<bool> run_reads(const router::plan& p, std::uint8_t seq);
  asio::awaitable<bool> run_merged(const router::plan& p, std::uint8_t seq);  // session_merge.cpp
  asio::awaitable<bool> run_writes(const router::plan& p, std::uint8_t seq);
  asio::awaitable<bool> send_explain(const router::plan& p, std::uint8_t seq);
  asio::awaitable<bool> finish_relay(const relay_outcome& out, backend_connection& be);
  asio::awaitable<bool> set_multi_statements(backend_connection& be, std::uint8_t seq);
  asio::awaitable<void> after_session_change(protocol::command cmd, protocol::byte_view arg);
  asio::awaitable<bool> replay_session(backend_connection& be, std::uint8_t seq);
  asio::awaitable<bool> send_error(const protocol::sql_error& err, std::uint8_t seq);
  asio::awaitable<void> watchdog();
  void close();

  tcp::socket socket_;
  worker& worker_;
  const config& cfg_;
  std::uint32_t id_;
  std::string peer_;
  std::string user_;
  std::uint32_t caps_ = 0;
  std::uint8_t charset_ = 45;
  protocol::bytes scramble_;
  read_buffer buffer_;
  std::unique_ptr<backend_connection> backend_;  // to the default data source, in schema_
  std::map<std::string, std::unique_ptr<backend_connection>> others_;  // other data sources, leased on use
  std::string schema_;                            // the client's current database
  // SET statements the client ran, replayed on connections to other data sources so
  // user variables, time zone, sql_mode etc. mean the same on every node.
  std::vector<std::string> session_sets_;
  bool last_ok_ = false;                          // the last relayed response was not an ERR
  relay relay_;
  asio::steady_timer watchdog_timer_;
  std::chrono::steady_clock::time_point deadline_;
  bool waiting_for_client_ = true;
  bool timed_out_ = false;
  bool closed_ = false;
  bool registered_ = false;
  std::atomic<std::uint32_t> backend_thread_id_{0};
};

}  // namespace shardwire::proxy
