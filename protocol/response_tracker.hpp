// Sans-I/O walker over a backend's response to one command. The relay feeds it the
// start of every packet (continuation packets of >16 MiB messages excluded) and gets
// back what to do with it: stream it through, drop it, replace it, or first buffer it
// whole. Only small control packets (OK/ERR/EOF, column counts) are ever buffered
// whole, so rows of any size stream with bounded memory.
//
// It also translates between the backend's and the client's CLIENT_DEPRECATE_EOF
// choice: intermediate EOFs are dropped or synthesized, terminators rewritten between
// EOF and OK(0xFE) form. The caller renumbers sequence ids of everything it emits.
//
// Backends negotiate CLIENT_SESSION_TRACK so that the server reports session state
// changes the statement text does not show (a trigger's SET @v); state_changed() tells
// the session. A client without CLIENT_SESSION_TRACK gets OK/EOF packets re-encoded
// without the report; one with it (forward_reports) gets the server's report, less the
// state-change entries only the proxy asked for.
#pragma once

#include "protocol/capabilities.hpp"
#include "protocol/messages.hpp"

namespace shardwire::protocol {

enum class response_kind : std::uint8_t {
  none,          // COM_STMT_CLOSE, COM_STMT_SEND_LONG_DATA: no response at all
  ok_err,        // one OK or ERR (PING, INIT_DB, RESET_CONNECTION, STMT_RESET, ...)
  eof_err,       // one EOF or ERR (SET_OPTION, DEBUG); EOF may come in OK form
  raw_single,    // COM_STATISTICS: one packet of plain text
  result_sets,   // COM_QUERY, COM_STMT_EXECUTE: OK | ERR | result sets, possibly several
  field_list,    // COM_FIELD_LIST: column definitions up to a terminator
  stmt_prepare,  // COM_STMT_PREPARE: prepare-OK, parameter and column definitions
  rows,          // COM_STMT_FETCH: rows up to a terminator
};

response_kind response_kind_for(command c);

class response_tracker {
 public:
  enum class action : std::uint8_t { need_whole, pass, drop, replace, error };
  struct decision {
    action act = action::pass;
    bool append_eof = false;    // emit appended() after this packet
    bool local_infile = false;  // backend asked for a client file: answer it empty, send nothing on
    bool done = false;          // the response is complete after this packet
    bool prepend_eof = false;   // emit appended() before this packet
  };

  response_tracker(response_kind kind, bool backend_deprecate_eof, bool client_deprecate_eof,
                   std::uint16_t status_hint = status::autocommit);

  // `length` is the packet's payload length, `avail` the prefix of it that is
  // buffered (possibly all of it). need_whole leaves the tracker unchanged.
  decision on_packet(std::uint32_t length, byte_view avail);

  // The client negotiated CLIENT_SESSION_TRACK: OKs keep the server's report;
  // SESSION_TRACK_STATE_CHANGE entries only when the client's session tracks them.
  void forward_reports(bool keep_state_change) {
    forward_reports_ = true;
    keep_state_change_ = keep_state_change;
  }

  // The client negotiated MARIADB_CLIENT_EXTENDED_METADATA and the backend did not (a
  // server without it): every column definition gets an empty extended block.
  void add_extended_metadata() { add_extended_ = true; }

  const bytes& replacement() const { return replacement_; }  // for action::replace
  // The buffers replaced and inserted packets are built in, lent by a caller that keeps
  // them from one response to the next (so rewriting terminators allocates nothing), and
  // given back.
  struct buffers {
    bytes replacement, appended;
  };
  void reuse_buffers(buffers b) {
    replacement_ = std::move(b.replacement);
    appended_ = std::move(b.appended);
    replacement_.clear();
    appended_.clear();
  }
  buffers release_buffers() { return {std::move(replacement_), std::move(appended_)}; }
  const bytes& appended() const { return appended_; }        // for append_eof / prepend_eof
  std::uint16_t status() const { return status_; }           // of the last OK/EOF seen
  bool done() const { return state_ == state::done; }
  // In the rows of a result set: what comes now is a row or the set's terminator.
  bool in_rows() const { return state_ == state::rows; }
  bool failed() const { return error_; }                       // the response ended in ERR
  std::uint16_t error_code() const { return error_code_; }     // its errno
  std::uint64_t rows() const { return rows_; }                 // of the last result set
  std::uint64_t last_insert_id() const { return insert_id_; }  // of the last OK
  std::uint64_t affected_rows() const { return affected_; }    // of the last OK
  std::uint16_t warnings() const { return warnings_; }         // of the last OK/EOF
  bool result_set() const { return result_set_; }              // the response had one (rows() counts the last)
  // The last result was an OK (a CALL's final status, a batch ending in a write), not a
  // result set: what ROW_COUNT() then reports is that OK's affected rows.
  bool ended_in_ok() const { return ended_in_ok_; }
  bool state_changed() const { return state_changed_; }        // the server reported a session state change

 private:
  enum class state : std::uint8_t {
    start,
    columns,
    column_eof,
    rows,
    prep_params,
    prep_params_eof,
    prep_columns,
    prep_columns_eof,
    done
  };
  decision on_start(std::uint32_t length, byte_view avail);
  decision on_prepare_ok(byte_view payload);
  decision on_definition(std::uint32_t length, byte_view avail);
  decision on_rows(std::uint32_t length, byte_view avail);
  decision on_terminator(byte_view payload);
  decision on_error(byte_view p);
  action report(ok_packet& ok, byte_view payload);
  decision after_definitions(std::uint64_t& remaining, state eof_state, state next);
  decision on_definition_eof(byte_view payload, state next);
  state after_prepare_params() const;
  void make_eof_append();

  response_kind kind_;
  bool backend_deprecate_;
  bool client_deprecate_;
  state state_ = state::start;
  std::uint16_t status_;
  std::uint64_t columns_left_ = 0;
  std::uint64_t params_left_ = 0;
  std::uint64_t rows_ = 0;
  std::uint64_t insert_id_ = 0;
  std::uint64_t affected_ = 0;
  std::uint16_t warnings_ = 0;
  bool result_set_ = false;
  bool ended_in_ok_ = false;
  bool error_ = false;
  bool state_changed_ = false;
  bool forward_reports_ = false;
  bool add_extended_ = false;
  bool keep_state_change_ = false;
  std::uint16_t error_code_ = 0;
  bool eof_owed_ = false;  // a column EOF the client needs, sent once we see what follows
  bytes replacement_;
  bytes appended_;
};

}  // namespace shardwire::protocol
