#include "protocol/response_tracker.hpp"

#include "protocol/session_track.hpp"

namespace shardwire::protocol {

namespace {
using decision = response_tracker::decision;
using action = response_tracker::action;

constexpr decision need_whole{action::need_whole};
constexpr decision pass{action::pass};
constexpr decision failure{action::error};

bool whole(std::uint32_t length, byte_view avail) { return avail.size() >= length; }
}  // namespace

response_kind response_kind_for(command c) {
  switch (c) {
    case command::query:
    case command::stmt_execute:
      return response_kind::result_sets;
    case command::field_list:
      return response_kind::field_list;
    case command::statistics:
      return response_kind::raw_single;
    case command::stmt_prepare:
      return response_kind::stmt_prepare;
    case command::stmt_fetch:
      return response_kind::rows;
    case command::set_option:
    case command::debug:
      return response_kind::eof_err;
    case command::stmt_close:
    case command::stmt_send_long_data:
    case command::quit:
      return response_kind::none;
    default:
      return response_kind::ok_err;
  }
}

response_tracker::response_tracker(response_kind kind, bool backend_deprecate_eof, bool client_deprecate_eof,
                                   std::uint16_t status_hint)
    : kind_(kind),
      backend_deprecate_(backend_deprecate_eof),
      client_deprecate_(client_deprecate_eof),
      status_(static_cast<std::uint16_t>(status_hint & ~status::session_state_changed)) {
  if (kind_ == response_kind::field_list || kind_ == response_kind::rows) state_ = state::rows;
}

decision response_tracker::on_packet(std::uint32_t length, byte_view avail) {
  if (length > 0 && avail.empty()) return need_whole;
  switch (state_) {
    case state::start:
      return on_start(length, avail);
    case state::columns:
    case state::prep_params:
    case state::prep_columns:
      return on_definition(length, avail);
    case state::column_eof:
    case state::prep_params_eof:
    case state::prep_columns_eof: {
      if (!whole(length, avail)) return need_whole;
      state next = state_ == state::column_eof        ? state::rows
                   : state_ == state::prep_params_eof ? after_prepare_params()
                                                      : state::done;
      return on_definition_eof(avail.first(length), next);
    }
    case state::rows:
      return on_rows(length, avail);
    case state::done:
      return failure;  // a packet after the response ended
  }
  return failure;
}

decision response_tracker::on_start(std::uint32_t length, byte_view avail) {
  if (kind_ == response_kind::raw_single) {
    state_ = state::done;
    return {.act = action::pass, .done = true};
  }
  if (length == 0 || kind_ == response_kind::none) return failure;
  if (!whole(length, avail)) return need_whole;  // every first packet is small
  byte_view p = avail.first(length);
  switch (p[0]) {
    case err_header:
      return on_error(p);
    case eof_header:
      if (kind_ == response_kind::eof_err) return on_terminator(p);
      return failure;
    case ok_header: {
      if (kind_ == response_kind::stmt_prepare) return on_prepare_ok(p);
      auto ok = decode_ok(p);
      if (!ok) return failure;
      status_ = ok->status;
      if (ok->last_insert_id) insert_id_ = ok->last_insert_id;
      affected_ = ok->affected_rows;
      ended_in_ok_ = true;
      warnings_ = ok->warnings;
      bool more = kind_ == response_kind::result_sets && (status_ & status::more_results_exist);
      if (!more) state_ = state::done;
      return {.act = report(*ok, p), .done = !more};
    }
    case local_infile_header:
      if (kind_ != response_kind::result_sets) return failure;
      return {.act = action::drop, .local_infile = true};
    default: {
      if (kind_ != response_kind::result_sets) return failure;
      reader r(p);
      columns_left_ = r.lenenc_int();
      if (!r.ok() || !r.at_end() || columns_left_ == 0) return failure;
      state_ = state::columns;
      result_set_ = true;
      ended_in_ok_ = false;
      rows_ = 0;
      return pass;
    }
  }
}

decision response_tracker::on_prepare_ok(byte_view p) {
  reader r(p);
  r.u8();
  r.u32();  // statement id: the relay passes it through untouched
  columns_left_ = r.u16();
  params_left_ = r.u16();
  if (!r.ok()) return failure;
  state_ = params_left_ > 0 ? state::prep_params : after_prepare_params();
  return {.act = action::pass, .done = state_ == state::done};
}

response_tracker::state response_tracker::after_prepare_params() const {
  return columns_left_ > 0 ? state::prep_columns : state::done;
}

decision response_tracker::on_definition(std::uint32_t length, byte_view avail) {
  if (add_extended_ && !whole(length, avail)) return need_whole;
  decision d = state_ == state::columns        ? after_definitions(columns_left_, state::column_eof, state::rows)
               : state_ == state::prep_params ? after_definitions(params_left_, state::prep_params_eof,
                                                                   after_prepare_params())
                                              : after_definitions(columns_left_, state::prep_columns_eof, state::done);
  if (!add_extended_) return d;
  auto with = with_empty_extended_metadata(avail.first(length));
  if (!with) return failure;
  replacement_ = std::move(*with);
  d.act = action::replace;
  return d;
}

// One more definition packet went by; after the last one the backend either sends an
// EOF (no DEPRECATE_EOF) or goes straight on, and the client may need one synthesized.
decision response_tracker::after_definitions(std::uint64_t& remaining, state eof_state, state next) {
  if (--remaining > 0) return pass;
  decision d = pass;
  if (!backend_deprecate_) {
    state_ = eof_state;
    return d;
  }
  state_ = next;
  if (!client_deprecate_) {
    if (next == state::rows) {
      // Owed, not sent yet: what follows decides its form. Rows get a plain EOF in
      // front; a cursor marker (OK 0xFE with CURSOR_EXISTS) becomes that EOF itself.
      eof_owed_ = true;
    } else {
      make_eof_append();
      d.append_eof = true;
    }
  }
  d.done = state_ == state::done;
  return d;
}

decision response_tracker::on_definition_eof(byte_view payload, state next) {
  auto eof = decode_eof(payload);
  if (!eof) return failure;
  status_ = eof->status;
  state_changed_ = state_changed_ || eof->state_changed;
  // A read-only cursor opened by COM_STMT_EXECUTE: rows come later through FETCH.
  bool cursor = next == state::rows && (status_ & status::cursor_exists);
  if (cursor) next = state::done;
  state_ = next;
  decision d{client_deprecate_ ? action::drop : action::pass};
  if (cursor && client_deprecate_) {
    // This EOF is the whole end of the response, so it must not vanish: a
    // DEPRECATE_EOF server ends a cursor's metadata with OK(0xFE) carrying the
    // CURSOR_EXISTS status instead (captured from MariaDB 10.11).
    replacement_.clear();
    encode_ok(replacement_, {eof_header, 0, 0, status_, eof->warnings, {}});
    d.act = action::replace;
  } else if (!client_deprecate_ && eof->state_changed) {
    replacement_.clear();
    encode_eof(replacement_, *eof);
    d.act = action::replace;
  }
  d.done = state_ == state::done;
  return d;
}

decision response_tracker::on_rows(std::uint32_t length, byte_view avail) {
  std::uint8_t first = avail.empty() ? 0 : avail[0];
  if (length == 0) return failure;
  decision d = pass;
  if (first == err_header) {
    if (!whole(length, avail)) return need_whole;
    d = on_error(avail.first(length));
  } else if (first == eof_header && length < 0xFFFFFF) {
    if (!whole(length, avail)) return need_whole;
    bool owed = eof_owed_;
    d = on_terminator(avail.first(length));
    if (owed && (status_ & status::cursor_exists)) {
      eof_owed_ = false;  // the terminator, now an EOF, is the column EOF the client awaits
      return d;
    }
  } else {
    ++rows_;
  }
  if (eof_owed_) {
    eof_owed_ = false;
    make_eof_append();
    d.prepend_eof = true;
  }
  return d;
}

// A terminator is an EOF (5 bytes) or an OK with an 0xFE header (7 bytes or more).
// Decide by shape, not by what was negotiated, then emit what the client expects.
decision response_tracker::on_terminator(byte_view payload) {
  std::uint16_t warnings = 0;
  bool ok_form = payload.size() > 5;
  bool changed = false;
  ok_packet ok_terminator;
  if (ok_form) {
    auto ok = decode_ok(payload);
    if (!ok) return failure;
    status_ = ok->status;
    warnings = ok->warnings;
    changed = ok->state_changed;
    ok_terminator = std::move(*ok);
  } else {
    auto eof = decode_eof(payload);
    if (!eof) return failure;
    status_ = eof->status;
    warnings = eof->warnings;
    changed = eof->state_changed;
  }
  warnings_ = warnings;
  state_changed_ = state_changed_ || changed;
  decision d = pass;
  if (changed && ok_form && client_deprecate_) {  // the client's form, with what it may see of the report
    d.act = report(ok_terminator, payload);
  } else if (changed && !ok_form && !client_deprecate_) {  // an EOF: the flag goes, the status stays
    replacement_.clear();
    encode_eof(replacement_, {warnings, status_});
    d.act = action::replace;
  } else if (ok_form && !client_deprecate_) {
    replacement_.clear();
    encode_eof(replacement_, {warnings, status_});
    d.act = action::replace;
  } else if (!ok_form && client_deprecate_) {
    replacement_.clear();
    encode_ok(replacement_, {eof_header, 0, 0, status_, warnings, {}});
    d.act = action::replace;
  }
  bool more = kind_ == response_kind::result_sets && (status_ & status::more_results_exist);
  state_ = more ? state::start : state::done;
  d.done = !more;
  return d;
}

// An OK that reports a session state change goes to the client re-encoded without the
// report, or with the part of it the client's own session asked for.
response_tracker::action response_tracker::report(ok_packet& ok, byte_view payload) {
  if (!ok.state_changed) return action::pass;
  state_changed_ = true;
  if (forward_reports_) {
    auto block = session_track::block_of(payload);
    if (!block) return action::error;
    if (keep_state_change_) return action::pass;  // the server's report is the client's
    auto kept = session_track::without(*block, session_track::type::state_change);
    if (!kept) return action::error;
    if (kept->size() == block->size()) return action::pass;
    ok.session_state = std::move(*kept);
  }
  replacement_.clear();
  encode_ok(replacement_, ok);
  return action::replace;
}

decision response_tracker::on_error(byte_view p) {
  error_ = true;
  if (p.size() >= 3) error_code_ = static_cast<std::uint16_t>(p[1] | (p[2] << 8));
  state_ = state::done;
  return {.act = action::pass, .done = true};
}

void response_tracker::make_eof_append() {
  appended_.clear();
  encode_eof(appended_, {0, status_});
}

}  // namespace shardwire::protocol
