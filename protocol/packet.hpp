// MySQL packet framing: 3-byte little-endian payload length + 1-byte sequence id.
// A payload of 0xFFFFFF bytes or more is split into 0xFFFFFF-byte packets, and a
// final packet shorter than 0xFFFFFF (possibly empty) ends the message.
#pragma once

#include <cstdint>

#include "protocol/codec.hpp"

namespace shardwire::protocol {

inline constexpr std::uint32_t max_packet_payload = 0xFFFFFF;
inline constexpr std::size_t header_size = 4;

struct packet_header {
  std::uint32_t length = 0;
  std::uint8_t seq = 0;
};

inline packet_header read_header(const std::uint8_t* p) {
  return {std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16, p[3]};
}
inline void write_header(std::uint8_t* p, std::uint32_t length, std::uint8_t seq) {
  p[0] = static_cast<std::uint8_t>(length);
  p[1] = static_cast<std::uint8_t>(length >> 8);
  p[2] = static_cast<std::uint8_t>(length >> 16);
  p[3] = seq;
}

// Appends `payload` framed as one message starting at sequence id `seq`; on return
// `seq` is the id the next packet must carry (wrapping at 255).
void frame_message(bytes& out, byte_view payload, std::uint8_t& seq);

// Result of looking for one complete message at the start of a buffer.
struct unframe_result {
  enum class status { complete, need_more, too_large, out_of_order } state = status::need_more;
  std::size_t wire_size = 0;      // bytes of the buffer the message occupies (headers included)
  std::size_t payload_size = 0;   // payload bytes, headers excluded
  std::uint8_t first_seq = 0;
  std::uint8_t next_seq = 0;      // sequence id expected of the packet after this message
  std::size_t packets = 0;
};

// Scans a (possibly multi-packet) message at the start of `buf` without copying.
// `expected_seq` < 0 accepts any first id; consecutive packets must count up.
// Messages whose payload exceeds `max_payload` are reported as too_large as soon as
// a header shows it, so an oversized client never makes us buffer its payload.
unframe_result scan_message(byte_view buf, std::size_t max_payload, int expected_seq = -1);

// Copies the payload of a message found by scan_message, headers removed.
// For a single-packet message prefer message_payload_view (no copy).
void gather_payload(byte_view buf, const unframe_result& msg, bytes& out);
inline byte_view message_payload_view(byte_view buf, const unframe_result& msg) {
  return buf.subspan(header_size, msg.payload_size);  // valid only when msg.packets == 1
}

}  // namespace shardwire::protocol
