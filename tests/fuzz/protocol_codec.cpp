// protocol/codec: the sticky-failure reader driven by a fuzzer-chosen sequence of reads
// over fuzzer-chosen bytes. Input: a count n (< 64), n operation codes, then the data.
// Values read back through the writer must re-read as the same values.
#include <cstdint>

#include "protocol/codec.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace shardwire::protocol;
using shardwire::fuzz::choices;

namespace {
// Writes what was read, reads it back: the reader and the writer agree on the format.
void lenenc_roundtrip(std::uint64_t v) {
  bytes out;
  writer(out).lenenc_int(v);
  FUZZ_CHECK(out.size() == lenenc_int_size(v), "lenenc_int_size matches what the writer writes");
  reader r(out);
  FUZZ_CHECK(r.lenenc_int() == v && r.ok() && r.at_end(), "lenenc int round trip");
}

void lenenc_str_roundtrip(std::string_view s) {
  bytes out;
  writer(out).lenenc_str(s);
  reader r(out);
  auto back = r.lenenc_nullable();
  FUZZ_CHECK(r.ok() && r.at_end() && back && *back == s, "lenenc string round trip");
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  choices in(data, size);
  std::size_t n = in.u8() % 64;
  byte_view ops = in.take(n);
  byte_view body = in.rest();
  reader r(body);
  std::size_t last = 0;
  bool failed = false;
  for (std::uint8_t op : ops) {
    bool was_ok = r.ok();
    std::size_t before = r.remaining();
    switch (op % 14) {
      case 0: {
        std::uint8_t v = r.u8();
        if (r.ok()) {
          bytes out;
          writer(out).u8(v);
          FUZZ_CHECK(out.size() == 1 && out[0] == v, "u8");
        }
        break;
      }
      case 1: {
        std::uint16_t v = r.u16();
        bytes out;
        writer(out).u16(v);
        FUZZ_CHECK(reader(out).u16() == v, "u16 round trip");
        break;
      }
      case 2: {
        std::uint32_t v = r.u24();
        FUZZ_CHECK(v <= 0xFFFFFF, "u24 range");
        bytes out;
        writer(out).u24(v);
        FUZZ_CHECK(out.size() == 3 && reader(out).u24() == v, "u24 round trip");
        break;
      }
      case 3: {
        std::uint32_t v = r.u32();
        bytes out;
        writer(out).u32(v);
        FUZZ_CHECK(reader(out).u32() == v, "u32 round trip");
        break;
      }
      case 4: {
        std::uint64_t v = r.u64();
        bytes out;
        writer(out).u64(v);
        FUZZ_CHECK(reader(out).u64() == v, "u64 round trip");
        break;
      }
      case 5: {
        std::uint64_t v = r.lenenc_int();
        if (r.ok()) lenenc_roundtrip(v);
        break;
      }
      case 6: {
        auto v = r.lenenc_nullable();
        if (r.ok() && v) lenenc_str_roundtrip(*v);
        break;
      }
      case 7: {
        auto v = r.lenenc_str();
        if (r.ok()) lenenc_str_roundtrip(v);
        break;
      }
      case 8: {
        auto v = r.null_str();
        FUZZ_CHECK(v.find('\0') == std::string_view::npos, "null_str stops at the NUL");
        if (r.ok()) {
          bytes out;
          writer(out).null_str(v);
          reader back(out);
          FUZZ_CHECK(back.null_str() == v && back.ok() && back.at_end(), "null_str round trip");
        }
        break;
      }
      case 9: {
        std::size_t k = op / 14;
        auto v = r.fixed(k);
        FUZZ_CHECK(!r.ok() || v.size() == k, "fixed gives what it was asked for");
        break;
      }
      case 10: {
        auto v = r.rest();
        FUZZ_CHECK(!r.ok() || (v.size() == before && r.at_end()), "rest takes the rest");
        break;
      }
      case 11:
        r.skip(op / 14);
        break;
      case 12: {
        std::uint8_t p = r.peek();
        FUZZ_CHECK(r.remaining() == before, "peek does not move");
        if (r.ok() && !r.at_end()) FUZZ_CHECK(p == body[r.position()], "peek sees the next byte");
        break;
      }
      default:
        lenenc_roundtrip(std::uint64_t{op} << (op % 57));  // every size class of the writer
        break;
    }
    // Sticky failure: once failed, always failed with nothing left; otherwise the cursor
    // only moves forward inside the data.
    if (failed || !was_ok) FUZZ_CHECK(!r.ok(), "failure is sticky");
    if (!r.ok()) {
      failed = true;
      FUZZ_CHECK(r.remaining() == 0, "nothing remains after a failure");
      continue;
    }
    FUZZ_CHECK(r.position() >= last && r.position() <= body.size(), "cursor moves forward inside the data");
    FUZZ_CHECK(r.remaining() == body.size() - r.position(), "remaining");
    last = r.position();
  }
  return 0;
}
