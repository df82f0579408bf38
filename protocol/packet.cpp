#include "protocol/packet.hpp"

#include <algorithm>

namespace shardwire::protocol {

void frame_message(bytes& out, byte_view payload, std::uint8_t& seq) {
  std::size_t off = 0;
  for (;;) {
    std::size_t chunk = std::min<std::size_t>(payload.size() - off, max_packet_payload);
    std::size_t at = out.size();
    out.resize(at + header_size);
    write_header(out.data() + at, static_cast<std::uint32_t>(chunk), seq++);
    out.insert(out.end(), payload.begin() + off, payload.begin() + off + chunk);
    off += chunk;
    if (chunk < max_packet_payload) return;  // a full packet is always followed by another
  }
}

unframe_result scan_message(byte_view buf, std::size_t max_payload, int expected_seq) {
  unframe_result r;
  std::size_t pos = 0;
  int want = expected_seq;
  for (;;) {
    if (buf.size() - pos < header_size) return r;  // need_more
    packet_header h = read_header(buf.data() + pos);
    if (want >= 0 && h.seq != static_cast<std::uint8_t>(want)) {
      r.state = unframe_result::status::out_of_order;
      return r;
    }
    if (r.packets == 0) r.first_seq = h.seq;
    r.payload_size += h.length;
    if (r.payload_size > max_payload) {
      r.state = unframe_result::status::too_large;
      return r;
    }
    want = static_cast<std::uint8_t>(h.seq + 1);
    if (buf.size() - pos - header_size < h.length) return r;  // need_more
    pos += header_size + h.length;
    ++r.packets;
    if (h.length < max_packet_payload) {
      r.state = unframe_result::status::complete;
      r.wire_size = pos;
      r.next_seq = static_cast<std::uint8_t>(want);
      return r;
    }
  }
}

void gather_payload(byte_view buf, const unframe_result& msg, bytes& out) {
  out.clear();
  out.reserve(msg.payload_size);
  std::size_t pos = 0;
  for (std::size_t i = 0; i < msg.packets; ++i) {
    packet_header h = read_header(buf.data() + pos);
    out.insert(out.end(), buf.begin() + pos + header_size, buf.begin() + pos + header_size + h.length);
    pos += header_size + h.length;
  }
}

}  // namespace shardwire::protocol
