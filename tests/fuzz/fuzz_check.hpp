// Shared by the libFuzzer targets: an invariant check that stops the run the way a
// crash does (libFuzzer saves the input under build-fuzz/artifacts/), and a cursor that
// takes the fuzzer's choices off the front of the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "protocol/codec.hpp"

#define FUZZ_CHECK(cond, what)                                                                               \
  do {                                                                                                       \
    if (!(cond)) {                                                                                           \
      std::fprintf(stderr, "fuzz invariant failed at %s:%d: %s\n  (%s)\n", __FILE__, __LINE__, what, #cond); \
      std::abort();                                                                                          \
    }                                                                                                        \
  } while (0)

namespace shardwire::fuzz {

// Reads choices from the front of the input; past the end everything is zero, so every
// input (the empty one included) is a valid case.
class choices {
 public:
  choices(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::uint8_t u8() { return pos_ < size_ ? data_[pos_++] : 0; }
  std::uint16_t u16() { return static_cast<std::uint16_t>(u8() | u8() << 8); }
  std::uint32_t u24() { return std::uint32_t{u8()} | std::uint32_t{u8()} << 8 | std::uint32_t{u8()} << 16; }
  bool empty() const { return pos_ >= size_; }
  std::size_t left() const { return size_ - pos_; }
  // The next `n` bytes (fewer at the end of the input).
  protocol::byte_view take(std::size_t n) {
    if (n > left()) n = left();
    protocol::byte_view v(data_ + pos_, n);
    pos_ += n;
    return v;
  }
  protocol::byte_view rest() { return take(left()); }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

inline std::string_view chars(protocol::byte_view b) { return protocol::as_chars(b); }

}  // namespace shardwire::fuzz
