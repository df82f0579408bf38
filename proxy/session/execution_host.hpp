// What running a plan asks of the session it runs for (client_session implements it):
// the session's connections, its client, and the session state a statement updates. The
// executor (plan_executor.hpp) sees nothing else of the session.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "proxy/net/relay.hpp"
#include "proxy/session/session_state.hpp"
#include "proxy/session/statement_clock.hpp"

namespace shardwire::proxy {

struct prepared_statement;

class execution_host {
 public:
  // The session's connection to `data_source` for this statement (made to match the
  // session, joined to its transaction); nullptr when it failed and an ERR was sent
  // (with `report`) or the client is gone.
  virtual asio::awaitable<backend_connection*> lease(const std::string& data_source, std::uint8_t seq,
                                                     bool report = true) = 0;
  // One more connection to the server `like` came from, only if one is free now, made to
  // match the session (a multi-node read's extra lane); nullptr: none.
  virtual asio::awaitable<std::unique_ptr<backend_connection>> extra_connection(const backend_connection& like) = 0;
  virtual void return_extra(std::unique_ptr<backend_connection> be) = 0;
  virtual bool connections_lost() const = 0;  // a session connection broke: its state is gone
  // max_statement_time for the statement `be` now runs (nullptr: no limit). Over it, the
  // statement is killed (`fired`), or its connection closed when that does not end it;
  // stop() the clock once the response is complete, before `be` serves anything else.
  virtual std::shared_ptr<statement_clock> time_statement(backend_connection& be) = 0;

  // The client.
  virtual asio::awaitable<bool> relay_response(backend_connection& be, protocol::response_kind kind,
                                               std::uint8_t seq, const statement_marks& marks,
                                               relay_options opts = {}, std::uint8_t* next_seq = nullptr) = 0;
  virtual asio::awaitable<bool> send_error(const protocol::sql_error& err, std::uint8_t seq) = 0;
  virtual asio::awaitable<bool> send_ok(std::uint8_t seq, std::uint64_t affected = 0, std::uint64_t insert_id = 0,
                                        std::uint16_t warnings = 0) = 0;
  virtual asio::awaitable<bool> write_to_client(const protocol::bytes& framed) = 0;
  virtual bool client_gone() const = 0;
  virtual bool deprecate_eof() const = 0;
  virtual bool extended_metadata() const = 0;  // MARIADB_CLIENT_EXTENDED_METADATA negotiated
  virtual std::uint16_t session_status() const = 0;

  // The session's state.
  virtual bool transaction_scope() const = 0;  // in a transaction, or autocommit off
  virtual statement_marks statement_effects() const = 0;  // of the command being run
  virtual void pin_reported_change() = 0;
  virtual void set_last_ok(bool ok) = 0;  // the statement's response was not an ERR
  virtual bool last_ok() const = 0;
  virtual void set_last_insert_id(std::uint64_t id) = 0;  // a key the proxy generated
  // Memory budget: `more` bytes for `what`, or the error to answer instead.
  virtual std::optional<protocol::sql_error> charge(std::size_t& charged, std::size_t more,
                                                    std::string_view what) = 0;
  virtual void settle(prepared_statement& ps) = 0;

 protected:
  ~execution_host() = default;
};

}  // namespace shardwire::proxy
