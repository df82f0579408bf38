// Bounds-checked readers and writers for the MySQL wire primitives: fixed-width
// little-endian integers, length-encoded integers and strings, NUL-terminated strings.
// Pure functions over byte spans: no sockets, no allocation on the read side.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace shardwire::protocol {

using bytes = std::vector<std::uint8_t>;
using byte_view = std::span<const std::uint8_t>;

inline byte_view as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_chars(byte_view b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// Sticky-failure cursor: a read past the end marks the reader failed and returns
// zero/empty, so a decoder reads every field and checks ok() once at the end.
class reader {
 public:
  explicit reader(byte_view data) : data_(data) {}

  bool ok() const { return ok_; }
  std::size_t remaining() const { return ok_ ? data_.size() - pos_ : 0; }
  bool at_end() const { return pos_ >= data_.size(); }
  std::size_t position() const { return pos_; }
  void fail() { ok_ = false; }

  std::uint8_t u8();
  std::uint16_t u16();
  std::uint32_t u24();
  std::uint32_t u32();
  std::uint64_t u64();
  std::uint8_t peek() const { return ok_ && pos_ < data_.size() ? data_[pos_] : 0; }

  // Length-encoded integer. 0xFB (the NULL marker) and 0xFF are not integers: fail.
  std::uint64_t lenenc_int();
  // Length-encoded string; nullopt for the NULL marker 0xFB (text-row columns).
  std::optional<std::string_view> lenenc_nullable();
  std::string_view lenenc_str();
  std::string_view null_str();  // up to (and consuming) the next NUL; fails without one
  std::string_view fixed(std::size_t n);
  std::string_view rest();
  void skip(std::size_t n) { (void)fixed(n); }

 private:
  bool take(std::size_t n) {
    if (!ok_ || data_.size() - pos_ < n) {
      ok_ = false;
      return false;
    }
    return true;
  }
  byte_view data_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

// Appends wire primitives to a byte buffer.
class writer {
 public:
  explicit writer(bytes& out) : out_(out) {}
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) { le(v, 2); }
  void u24(std::uint32_t v) { le(v, 3); }
  void u32(std::uint32_t v) { le(v, 4); }
  void u64(std::uint64_t v) { le(v, 8); }
  void lenenc_int(std::uint64_t v);
  void lenenc_str(std::string_view s) {
    lenenc_int(s.size());
    raw(s);
  }
  void null_str(std::string_view s) {
    raw(s);
    u8(0);
  }
  void raw(std::string_view s) { out_.insert(out_.end(), s.begin(), s.end()); }
  void raw(byte_view b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void zeros(std::size_t n) { out_.insert(out_.end(), n, 0); }

 private:
  void le(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  bytes& out_;
};

std::size_t lenenc_int_size(std::uint64_t v);

}  // namespace shardwire::protocol
