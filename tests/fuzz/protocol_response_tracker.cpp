// protocol/response_tracker: arbitrary packet sequences as a backend could answer.
// The first bytes choose the response kind, both DEPRECATE_EOF flags, whether packets
// arrive a byte at a time, and the status hint; then packets follow, each as
//   n < 0xF0: payload of n bytes | 0xF0 u16: length | 0xF1.. u24: a large packet of which
//   at most 64 bytes are buffered (a row streamed through without its tail).
// Checked: never need_whole once a packet is whole, need_whole leaves the tracker as it
// was, synthesized packets are well-formed EOF/OK terminators, done is final.
#include <cstdint>

#include "protocol/response_tracker.hpp"
#include "protocol/session_track.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace shardwire::protocol;
using shardwire::fuzz::choices;
using action = response_tracker::action;

namespace {
struct observable {
  std::uint16_t status, warnings, error_code;
  std::uint64_t rows, insert_id, affected;
  bool done, in_rows, failed, result_set;
  bool operator==(const observable&) const = default;
};
observable observe(const response_tracker& t) {
  return {t.status(),        t.warnings(), t.error_code(), t.rows(),   t.last_insert_id(),
          t.affected_rows(), t.done(),     t.in_rows(),    t.failed(), t.result_set()};
}

bool is_terminator(const bytes& p) {
  return (p.size() == 5 && decode_eof(p)) || (p.size() > 5 && p[0] == eof_header && decode_ok(p));
}
// An OK whose report holds no state-change entry.
bool filtered(const bytes& p) {
  auto ok = decode_ok(p);
  auto block = session_track::block_of(p);
  if (!ok || !block) return false;
  auto kept = session_track::without(*block, session_track::type::state_change);
  return kept && kept->size() == block->size();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  choices in(data, size);
  auto kind = static_cast<response_kind>(in.u8() % 8);
  std::uint8_t flags = in.u8();
  bool backend_deprecate = flags & 1, client_deprecate = flags & 2, trickle = flags & 4;
  response_tracker t(kind, backend_deprecate, client_deprecate, in.u16());
  bool forwarding = flags & 8;
  if (forwarding) t.forward_reports(flags & 16);  // a client with CLIENT_SESSION_TRACK
  bool add_extended = flags & 32;
  if (add_extended) t.add_extended_metadata();  // a client with extended metadata, a server without
  bool was_done = t.done();
  for (int packets = 0; !in.empty() && packets < 4096; ++packets) {
    std::uint8_t c = in.u8();
    std::uint32_t length;
    byte_view avail;
    if (c < 0xF0) {
      length = c;
      avail = in.take(length);
    } else if (c == 0xF0) {
      length = in.u16();
      avail = in.take(length);
    } else {
      length = in.u24();
      avail = in.take(std::min<std::uint32_t>(length, 64));
    }
    bool whole = avail.size() >= length;
    response_tracker::decision d;
    for (std::size_t n = trickle ? 0 : avail.size();; ++n) {
      observable before = observe(t);
      d = t.on_packet(length, avail.first(n));
      if (d.act != action::need_whole) break;
      FUZZ_CHECK(observe(t) == before, "need_whole leaves the tracker unchanged");
      if (n == avail.size()) break;
    }
    if (d.act == action::need_whole) {
      FUZZ_CHECK(!whole, "never need_whole once the whole packet is there");
      continue;  // the relay would buffer more; this input has no more of it
    }
    if (was_done) FUZZ_CHECK(d.act == action::error, "a packet after the end is an error");
    if (d.act == action::error) break;
    if (d.act == action::replace) {
      // A terminator in the client's form, or an OK re-encoded without its session-state
      // report (for a client with CLIENT_SESSION_TRACK: without its state-change entries).
      const bytes& r = t.replacement();
      bool plain_ok = !r.empty() && r[0] == ok_header && decode_ok(r) && !decode_ok(r)->state_changed;
      // (or, for a client with extended metadata, the definition with an empty block)
      auto inserted = add_extended ? with_empty_extended_metadata(avail.first(length)) : std::nullopt;
      bool definition = inserted && *inserted == r;
      FUZZ_CHECK(is_terminator(r) || plain_ok || (forwarding && filtered(r)) || definition,
                 "a replacement is an EOF/OK terminator or an untracked OK");
      if (!forwarding && !definition) {
        FUZZ_CHECK(!decode_ok(r) || !decode_ok(r)->state_changed, "no report without SESSION_TRACK");
      }
    }
    FUZZ_CHECK(!(t.status() & status::session_state_changed), "the session-state flag never reaches the status");
    if (d.append_eof || d.prepend_eof) FUZZ_CHECK(t.appended().size() == 5 && decode_eof(t.appended()), "appended EOF");
    if (d.local_infile) FUZZ_CHECK(kind == response_kind::result_sets && d.act == action::drop, "LOCAL INFILE");
    FUZZ_CHECK(d.done == t.done(), "decision.done agrees with done()");
    if (t.failed()) FUZZ_CHECK(t.done(), "an ERR ends the response");
    was_done = t.done();
  }
  return 0;
}
