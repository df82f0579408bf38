// Test helpers for golden wire bytes: hex <-> bytes, and a walker over every strict
// prefix of a payload (each copied into an exactly-sized buffer so ASan catches any
// read past the end).
#pragma once

#include <cstddef>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>

#include "protocol/codec.hpp"

namespace shardwire::test {

using protocol::byte_view;
using protocol::bytes;

// "07 00 00 02" or "07000002": whitespace is ignored, anything else must be hex.
inline bytes from_hex(std::string_view text) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  bytes out;
  int hi = -1;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\t') continue;
    int v = nibble(c);
    if (v < 0) throw std::invalid_argument("from_hex: bad character in \"" + std::string(text) + "\"");
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(hi << 4 | v));
      hi = -1;
    }
  }
  if (hi >= 0) throw std::invalid_argument("from_hex: odd number of digits");
  return out;
}

// Space-separated lower-case hex, for readable assertion failures.
inline std::string to_hex(byte_view b) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i) out += ' ';
    out += digits[b[i] >> 4];
    out += digits[b[i] & 15];
  }
  return out;
}

inline bytes from_text(std::string_view s) { return {s.begin(), s.end()}; }

inline bytes concat(std::initializer_list<bytes> parts) {
  bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Calls check(n, decode(prefix)) for every strict prefix (n = 0 .. size-1).
template <typename Decode, typename Check>
void for_each_strict_prefix(const bytes& golden, Decode decode, Check check) {
  for (std::size_t n = 0; n < golden.size(); ++n) {
    bytes prefix(golden.begin(), golden.begin() + static_cast<std::ptrdiff_t>(n));
    prefix.shrink_to_fit();
    check(n, decode(byte_view(prefix)));
  }
}

}  // namespace shardwire::test
