// One backend connection's result set as a merger row source: rows are cut out of
// the connection's read buffer without copying (multi-packet rows are gathered), and
// a row stays valid until the next pull. I/O is the caller's: on need_input it calls
// fill(); next() itself only takes bytes the kernel already holds, so a source with
// data never waits behind a slow one.
#pragma once

#include "merger/operators.hpp"
#include "proxy/net/backend_connection.hpp"

namespace shardwire::proxy {

class shard_source : public merger::row_stream {
 public:
  shard_source(int id, backend_connection& be, merger::merge_context& ctx) : id_(id), be_(be), ctx_(ctx) {}

  // Takes the result-set header (column count, definitions, column EOF) from what is
  // buffered or already in the kernel: row = complete (see columns), need_input, or
  // error (a backend ERR, or columns that differ from the merge's, in ctx.error).
  merger::pull header();
  bool has_header() const { return header_done_; }
  // Rows (the header first, if it is still coming).
  merger::pull next(const merger::row*& out) override;
  // Reads more from the backend; an error marks the connection broken.
  asio::awaitable<error_code> fill();
  // Reads and discards what is left of the response (after an early end or an error).
  asio::awaitable<error_code> drain();

  bool done() const { return done_; }
  std::uint16_t warnings() const { return warnings_; }
  const std::vector<protocol::bytes>& definitions() const { return defs_; }
  std::vector<merger::column_info> columns;
  backend_connection& connection() { return be_; }

 private:
  bool take_available();  // non-blocking read of what the socket already has
  merger::pull fail(protocol::sql_error e);
  merger::pull whole_message(protocol::unframe_result& frame, const char* broken_what);

  int id_;
  backend_connection& be_;
  merger::merge_context& ctx_;
  std::vector<protocol::bytes> defs_;
  std::size_t pending_ = 0;  // bytes of the row handed out last, consumed on the next pull
  std::size_t want_ = 0;     // bytes the current message needs in the buffer
  protocol::bytes big_;      // a row of several packets, gathered
  merger::row row_;
  bool done_ = false;
  bool header_done_ = false;
  std::uint64_t column_count_ = 0;  // from the header's first packet; 0 until then
  std::uint16_t warnings_ = 0;
};

}  // namespace shardwire::proxy
