#include "protocol/codec.hpp"

namespace shardwire::protocol {

namespace {
std::uint64_t load_le(const std::uint8_t* p, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= std::uint64_t{p[i]} << (8 * i);
  return v;
}
}  // namespace

std::uint8_t reader::u8() {
  if (!take(1)) return 0;
  return data_[pos_++];
}

#define SW_FIXED_READ(name, type, n)                         \
  type reader::name() {                                      \
    if (!take(n)) return 0;                                  \
    auto v = static_cast<type>(load_le(data_.data() + pos_, n)); \
    pos_ += n;                                               \
    return v;                                                \
  }
SW_FIXED_READ(u16, std::uint16_t, 2)
SW_FIXED_READ(u24, std::uint32_t, 3)
SW_FIXED_READ(u32, std::uint32_t, 4)
SW_FIXED_READ(u64, std::uint64_t, 8)
#undef SW_FIXED_READ

std::uint64_t reader::lenenc_int() {
  std::uint8_t first = u8();
  if (!ok_) return 0;
  if (first < 0xFB) return first;
  switch (first) {
    case 0xFC: return u16();
    case 0xFD: return u24();
    case 0xFE: return u64();
    default: ok_ = false; return 0;  // 0xFB NULL, 0xFF error marker
  }
}

std::optional<std::string_view> reader::lenenc_nullable() {
  if (ok_ && pos_ < data_.size() && data_[pos_] == 0xFB) {
    ++pos_;
    return std::nullopt;
  }
  return lenenc_str();
}

std::string_view reader::lenenc_str() {
  std::uint64_t n = lenenc_int();
  if (!ok_ || n > data_.size() - pos_) {
    ok_ = false;
    return {};
  }
  return fixed(static_cast<std::size_t>(n));
}

std::string_view reader::null_str() {
  if (!ok_) return {};
  if (pos_ >= data_.size()) {  // also keeps a null data() (empty span) away from memchr: UB
    ok_ = false;
    return {};
  }
  const void* nul = std::memchr(data_.data() + pos_, 0, data_.size() - pos_);
  if (nul == nullptr) {
    ok_ = false;
    return {};
  }
  std::size_t n = static_cast<const std::uint8_t*>(nul) - (data_.data() + pos_);
  std::string_view s = as_chars(data_.subspan(pos_, n));
  pos_ += n + 1;
  return s;
}

std::string_view reader::fixed(std::size_t n) {
  if (!take(n)) return {};
  std::string_view s = as_chars(data_.subspan(pos_, n));
  pos_ += n;
  return s;
}

std::string_view reader::rest() {
  if (!ok_) return {};
  std::string_view s = as_chars(data_.subspan(pos_));
  pos_ = data_.size();
  return s;
}

void writer::lenenc_int(std::uint64_t v) {
  if (v < 0xFB) {
    u8(static_cast<std::uint8_t>(v));
  } else if (v <= 0xFFFF) {
    u8(0xFC);
    u16(static_cast<std::uint16_t>(v));
  } else if (v <= 0xFFFFFF) {
    u8(0xFD);
    u24(static_cast<std::uint32_t>(v));
  } else {
    u8(0xFE);
    u64(v);
  }
}

std::size_t lenenc_int_size(std::uint64_t v) {
  if (v < 0xFB) return 1;
  if (v <= 0xFFFF) return 3;
  if (v <= 0xFFFFFF) return 4;
  return 9;
}

}  // namespace shardwire::protocol
