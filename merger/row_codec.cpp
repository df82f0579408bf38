#include "merger/row_codec.hpp"

#include "protocol/codec.hpp"

namespace shardwire::merger {

namespace {

// Bytes of a binary-protocol value of a fixed-size type; 0 for length-encoded ones,
// -1 for temporal types (a length byte first).
int fixed_size(std::uint8_t t) {
  switch (t) {
    case type::tiny: return 1;
    case type::short_:
    case type::year: return 2;
    case type::long_:
    case type::int24:
    case type::float_: return 4;
    case type::longlong:
    case type::double_: return 8;
    case type::date:
    case type::newdate:
    case type::datetime:
    case type::timestamp:
    case type::time: return -1;
    default: return 0;
  }
}

std::string_view chars(protocol::byte_view b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

}  // namespace

bool split_row(protocol::byte_view payload, const std::vector<column_info>& cols, row_format fmt, row& out) {
  out.resize(cols.size());
  protocol::reader r(payload);
  if (fmt == row_format::text) {
    for (auto& c : out) {
      if (r.at_end()) return false;
      auto v = r.lenenc_nullable();
      c.null = !v;
      c.bytes = v ? *v : std::string_view{};
    }
    return r.ok() && r.at_end();
  }
  std::size_t bitmap = (cols.size() + 7 + 2) / 8;
  if (payload.size() < 1 + bitmap || payload[0] != 0x00) return false;
  std::size_t pos = 1 + bitmap;
  for (std::size_t i = 0; i < cols.size(); ++i) {
    std::size_t bit = i + 2;
    auto& c = out[i];
    c.null = (payload[1 + bit / 8] >> (bit % 8)) & 1;
    c.bytes = {};
    if (c.null) continue;
    int n = fixed_size(cols[i].type);
    if (n > 0) {
      if (payload.size() - pos < static_cast<std::size_t>(n)) return false;
      c.bytes = chars(payload.subspan(pos, static_cast<std::size_t>(n)));
      pos += static_cast<std::size_t>(n);
    } else if (n < 0) {
      if (pos >= payload.size()) return false;
      std::size_t len = 1u + payload[pos];
      if (payload.size() - pos < len) return false;
      c.bytes = chars(payload.subspan(pos, len));
      pos += len;
    } else {
      protocol::reader lr(payload.subspan(pos));
      auto s = lr.lenenc_str();
      if (!lr.ok()) return false;
      c.bytes = s;
      pos = static_cast<std::size_t>(s.data() + s.size() - reinterpret_cast<const char*>(payload.data()));
    }
  }
  return pos == payload.size();
}

void encode_row(protocol::bytes& out, const row& r, std::size_t count, const std::vector<column_info>& cols,
                row_format fmt) {
  protocol::writer w(out);
  if (fmt == row_format::text) {
    for (std::size_t i = 0; i < count; ++i) {
      if (r[i].null) {
        w.u8(0xFB);
      } else {
        w.lenenc_str(r[i].bytes);
      }
    }
    return;
  }
  w.u8(0x00);
  std::size_t bitmap_at = out.size(), bitmap = (count + 7 + 2) / 8;
  w.zeros(bitmap);
  for (std::size_t i = 0; i < count; ++i) {
    if (r[i].null) {
      std::size_t bit = i + 2;
      out[bitmap_at + bit / 8] = static_cast<std::uint8_t>(out[bitmap_at + bit / 8] | (1u << (bit % 8)));
      continue;
    }
    if (fixed_size(cols[i].type) != 0) {
      w.raw(r[i].bytes);
    } else {
      w.lenenc_str(r[i].bytes);
    }
  }
}

}  // namespace shardwire::merger
