// Streams one backend response to the client packet by packet. Data packets (rows,
// column definitions, continuation packets of >16 MiB messages) are forwarded from
// the receive buffer without copying; the next read from the backend waits until
// the client has taken the previous chunk, so memory stays bounded by the buffer no
// matter how large the result set (backpressure).
#pragma once

#include "protocol/response_tracker.hpp"
#include "proxy/net/backend_connection.hpp"

namespace shardwire::proxy {

struct relay_outcome {
  enum class status { complete, client_lost, backend_lost } state = status::complete;
  bool response_was_error = false;
  // Whether the client's stream is still at a packet boundary, so an ERR can follow.
  bool client_framing_intact = true;
  std::uint8_t next_client_seq = 0;
  std::string detail;
};

// For concatenating the result sets of several nodes into one: later nodes drop
// their header (column count, definitions, column EOF), all but the last drop their
// terminator. An ERR is never dropped.
// LOAD DATA LOCAL INFILE the client asked for: the server's file request goes to the
// client, and the client's file, packet by packet, to the server.
struct local_infile_source {
  read_buffer* buffer = nullptr;         // the client's read buffer
  std::size_t max_packet = 0;            // largest file packet taken (max_allowed_packet)
  std::chrono::milliseconds timeout{};   // for each packet (the server's net_read_timeout)
};

// Awaited once a response is complete, before its last bytes go to the client: the OK
// of a write a migration double-writes waits there for the target (client_session).
struct relay_completion {
  virtual asio::awaitable<void> before_last_flush(std::uint16_t status, bool failed) = 0;

 protected:
  ~relay_completion() = default;
};

struct relay_options {
  bool drop_header = false;
  bool drop_terminator = false;
  // Set (by a statement timer) when the statement was killed for running over: the
  // backend's ERR (1317, interrupted) goes to the client as 1969, as MariaDB's own
  // max_statement_time reports it.
  const bool* timed_out = nullptr;
  // Set for a LOAD DATA LOCAL statement; otherwise a file request is answered "no file".
  const local_infile_source* local_infile = nullptr;
  relay_completion* before_done = nullptr;
};

class relay {
 public:
  // Relays until `tracker` reports the response complete. `client_seq` is the
  // sequence id of the first packet the client expects.
  asio::awaitable<relay_outcome> run(backend_connection& be, net_stream& client, protocol::response_tracker& tracker,
                                     std::uint8_t client_seq, relay_options opts = {});

 private:
  struct segment {
    bool synthesized;
    std::size_t offset, length;
  };
  void emit_raw(std::size_t offset, std::size_t length) { segments_.push_back({false, offset, length}); }
  void emit_packet(protocol::byte_view payload);
  asio::awaitable<error_code> flush(backend_connection& be, net_stream& client);
  // Copies the client's file packets to `be` until the empty one; false: the client broke
  // off or sent something else (both connections are then unusable).
  asio::awaitable<bool> upload(backend_connection& be, net_stream& client, const local_infile_source& src,
                               std::uint8_t backend_seq, std::string& why);

  std::vector<segment> segments_;
  std::vector<asio::const_buffer> buffers_;
  protocol::bytes synth_;
  static constexpr std::size_t gather_limit = 16 * 1024;
  protocol::bytes gathered_;  // a small response's pieces, copied together (flush)
  std::uint8_t seq_ = 0;
};

}  // namespace shardwire::proxy
