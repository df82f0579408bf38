#include "protocol/session_track.hpp"

#include "protocol/capabilities.hpp"

namespace shardwire::protocol::session_track {

std::optional<byte_view> block_of(byte_view p) {
  reader r(p);
  std::uint8_t header = r.u8();
  if (header != 0x00 && header != 0xFE) return std::nullopt;
  r.lenenc_int();  // affected rows
  r.lenenc_int();  // last insert id
  std::uint16_t st = r.u16();
  r.u16();  // warnings
  if (!r.ok()) return std::nullopt;
  if (!(st & status::session_state_changed) || r.at_end()) return byte_view{};
  r.lenenc_str();  // info
  if (r.at_end()) return r.ok() ? std::optional<byte_view>(byte_view{}) : std::nullopt;
  auto block = r.lenenc_str();
  if (!r.ok()) return std::nullopt;
  return as_bytes(block);
}

std::optional<bytes> without(byte_view block, type drop) {
  bytes out;
  reader r(block);
  while (r.ok() && !r.at_end()) {
    std::size_t start = r.position();
    auto t = static_cast<type>(r.u8());
    r.lenenc_str();
    if (!r.ok()) return std::nullopt;
    if (t == drop) continue;
    auto entry = block.subspan(start, r.position() - start);
    out.insert(out.end(), entry.begin(), entry.end());
  }
  if (!r.ok()) return std::nullopt;
  return out;
}

void append_schema(bytes& block, std::string_view schema) {
  bytes data;
  writer(data).lenenc_str(schema);
  writer w(block);
  w.u8(static_cast<std::uint8_t>(type::schema));
  w.lenenc_int(data.size());
  w.raw(as_chars(data));
}

}  // namespace shardwire::protocol::session_track
