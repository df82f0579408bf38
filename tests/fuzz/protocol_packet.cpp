// protocol/packet: scan_message and gather_payload over arbitrary bytes as they come
// off a socket, with the limits the sessions use and tiny ones; a complete message
// framed again with frame_message must give back exactly the bytes it occupied.
#include <algorithm>
#include <cstdint>
#include <limits>

#include "protocol/packet.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace shardwire::protocol;

namespace {
void scan(byte_view buf, std::size_t max_payload, int expected_seq) {
  unframe_result r = scan_message(buf, max_payload, expected_seq);
  using st = unframe_result::status;
  if (r.state != st::complete) return;
  FUZZ_CHECK(r.wire_size <= buf.size(), "a complete message lies inside the buffer");
  FUZZ_CHECK(r.payload_size <= max_payload, "complete, so not too large");
  FUZZ_CHECK(r.packets >= 1 && r.wire_size == r.payload_size + r.packets * header_size, "sizes add up");
  FUZZ_CHECK(expected_seq < 0 || r.first_seq == static_cast<std::uint8_t>(expected_seq), "first id as expected");
  FUZZ_CHECK(r.next_seq == static_cast<std::uint8_t>(r.first_seq + r.packets), "ids count up");
  bytes payload;
  gather_payload(buf, r, payload);
  FUZZ_CHECK(payload.size() == r.payload_size, "gathered payload size");
  if (r.packets == 1) {
    byte_view v = message_payload_view(buf, r);
    FUZZ_CHECK(v.size() == payload.size() && std::equal(v.begin(), v.end(), payload.begin()), "view == copy");
  }
  bytes again;
  std::uint8_t seq = r.first_seq;
  frame_message(again, payload, seq);
  FUZZ_CHECK(seq == r.next_seq, "framing again ends at the same sequence id");
  FUZZ_CHECK(again.size() == r.wire_size && std::equal(again.begin(), again.end(), buf.begin()),
             "framing the payload again gives the same wire bytes");
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  byte_view buf(data, size);
  int seq = size > 3 ? data[3] : 0;
  for (std::size_t max :
       {std::numeric_limits<std::size_t>::max(), std::size_t{64 * 1024 * 1024}, std::size_t{16}, std::size_t{0}}) {
    scan(buf, max, -1);
    scan(buf, max, seq);
    scan(buf, max, (seq + 1) & 0xFF);
  }
  // Messages back to back, as a pipelining client sends them.
  for (std::size_t pos = 0; pos < size;) {
    unframe_result r = scan_message(buf.subspan(pos), std::numeric_limits<std::size_t>::max());
    if (r.state != unframe_result::status::complete) break;
    pos += r.wire_size;
  }
  return 0;
}
