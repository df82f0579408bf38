#include "merger/row_codec.hpp"

#include <cstdlib>
#include <cstring>

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

namespace shardwire::merger {

namespace {

void put_le(protocol::bytes& out, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// Reads up to `max` digits as a number; advances `s`.
unsigned digits(std::string_view& s, int max = 9) {
  unsigned v = 0;
  int n = 0;
  while (!s.empty() && n < max && s.front() >= '0' && s.front() <= '9') {
    v = v * 10 + static_cast<unsigned>(s.front() - '0');
    s.remove_prefix(1);
    ++n;
  }
  return v;
}

bool skip(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

unsigned micros(std::string_view& s) {
  if (!skip(s, '.')) return 0;
  std::size_t n = 0;
  unsigned v = 0;
  while (n < 6 && !s.empty() && s.front() >= '0' && s.front() <= '9') {
    v = v * 10 + static_cast<unsigned>(s.front() - '0');
    s.remove_prefix(1);
    ++n;
  }
  for (; n < 6; ++n) v *= 10;
  return v;
}

// 'YYYY-MM-DD[ HH:MM:SS[.ffffff]]' as the binary protocol's length-prefixed form.
void put_datetime(protocol::bytes& out, std::string_view s) {
  unsigned y = digits(s, 4);
  skip(s, '-');
  unsigned mo = digits(s, 2);
  skip(s, '-');
  unsigned d = digits(s, 2);
  unsigned h = 0, mi = 0, se = 0, us = 0;
  if (skip(s, ' ') || skip(s, 'T')) {
    h = digits(s, 2);
    skip(s, ':');
    mi = digits(s, 2);
    skip(s, ':');
    se = digits(s, 2);
    us = micros(s);
  }
  std::uint8_t len = us ? 11 : (h || mi || se) ? 7 : (y || mo || d) ? 4 : 0;
  out.push_back(len);
  if (len == 0) return;
  put_le(out, y, 2);
  out.push_back(static_cast<std::uint8_t>(mo));
  out.push_back(static_cast<std::uint8_t>(d));
  if (len == 4) return;
  out.push_back(static_cast<std::uint8_t>(h));
  out.push_back(static_cast<std::uint8_t>(mi));
  out.push_back(static_cast<std::uint8_t>(se));
  if (len == 11) put_le(out, us, 4);
}

// '[-]HHH:MM:SS[.ffffff]' as days + hours etc.
void put_time(protocol::bytes& out, std::string_view s) {
  bool neg = skip(s, '-');
  unsigned h = digits(s, 4);
  skip(s, ':');
  unsigned mi = digits(s, 2);
  skip(s, ':');
  unsigned se = digits(s, 2);
  unsigned us = micros(s);
  std::uint8_t len = us ? 12 : (h || mi || se) ? 8 : 0;
  out.push_back(len);
  if (len == 0) return;
  out.push_back(neg ? 1 : 0);
  put_le(out, h / 24, 4);
  out.push_back(static_cast<std::uint8_t>(h % 24));
  out.push_back(static_cast<std::uint8_t>(mi));
  out.push_back(static_cast<std::uint8_t>(se));
  if (len == 12) put_le(out, us, 4);
}

void put_binary_value(protocol::bytes& out, std::string_view text, const column_info& col) {
  std::string z(text);  // NUL-terminated for strto*
  bool is_unsigned = col.flags & unsigned_flag;
  auto integer = [&](int n) {
    std::uint64_t v = is_unsigned ? std::strtoull(z.c_str(), nullptr, 10)
                                  : static_cast<std::uint64_t>(std::strtoll(z.c_str(), nullptr, 10));
    put_le(out, v, n);
  };
  switch (col.type) {
    case type::tiny: integer(1); return;
    case type::short_:
    case type::year: integer(2); return;
    case type::long_:
    case type::int24: integer(4); return;
    case type::longlong: integer(8); return;
    case type::float_: {
      float f = std::strtof(z.c_str(), nullptr);
      std::uint32_t bits;
      std::memcpy(&bits, &f, 4);
      put_le(out, bits, 4);
      return;
    }
    case type::double_: {
      double d = std::strtod(z.c_str(), nullptr);
      std::uint64_t bits;
      std::memcpy(&bits, &d, 8);
      put_le(out, bits, 8);
      return;
    }
    case type::date:
    case type::newdate:
    case type::datetime:
    case type::timestamp: put_datetime(out, text); return;
    case type::time: put_time(out, text); return;
    default: protocol::writer(out).lenenc_str(text); return;
  }
}

}  // namespace

void encode_text_row_as_binary(protocol::bytes& out, const row& r, std::size_t count,
                               const std::vector<column_info>& cols) {
  out.push_back(0x00);
  std::size_t bitmap_at = out.size(), bitmap = (count + 7 + 2) / 8;
  out.resize(out.size() + bitmap, 0);
  for (std::size_t i = 0; i < count; ++i) {
    if (r[i].null) {
      std::size_t bit = i + 2;
      out[bitmap_at + bit / 8] = static_cast<std::uint8_t>(out[bitmap_at + bit / 8] | (1u << (bit % 8)));
      continue;
    }
    put_binary_value(out, r[i].bytes, cols[i]);
  }
}

}  // namespace shardwire::merger
