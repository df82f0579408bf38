// protocol/codec: bounds-checked readers and writers of the wire primitives.
#include <catch2/catch.hpp>

#include <limits>

#include "protocol/codec.hpp"
#include "tests/protocol/hex.hpp"

using namespace shardwire::protocol;
using shardwire::test::from_hex;
using shardwire::test::to_hex;

TEST_CASE("fixed-width integers are little-endian", "[codec]") {
  bytes b = from_hex("01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12");
  reader r(b);
  CHECK(r.u8() == 0x01);
  CHECK(r.u16() == 0x0302);
  CHECK(r.u24() == 0x060504);
  CHECK(r.u32() == 0x0a090807u);
  CHECK(r.u64() == 0x1211100f0e0d0c0bull);
  CHECK(r.ok());
  CHECK(r.at_end());
  CHECK(r.remaining() == 0);
  CHECK(r.position() == b.size());
}

TEST_CASE("each fixed-width read fails one byte short", "[codec]") {
  struct probe {
    const char* name;
    std::size_t width;
    std::uint64_t (*read)(reader&);
  };
  const probe probes[] = {
      {"u8", 1, [](reader& r) -> std::uint64_t { return r.u8(); }},
      {"u16", 2, [](reader& r) -> std::uint64_t { return r.u16(); }},
      {"u24", 3, [](reader& r) -> std::uint64_t { return r.u24(); }},
      {"u32", 4, [](reader& r) -> std::uint64_t { return r.u32(); }},
      {"u64", 8, [](reader& r) -> std::uint64_t { return r.u64(); }},
  };
  for (const auto& p : probes) {
    INFO(p.name);
    bytes exact(p.width, 0xFF);
    reader ok(exact);
    CHECK(p.read(ok) == (p.width == 8 ? ~0ull : (1ull << (8 * p.width)) - 1));
    CHECK(ok.ok());
    bytes shorter(p.width - 1, 0xFF);
    reader bad(shorter);
    CHECK(p.read(bad) == 0);
    CHECK_FALSE(bad.ok());
    CHECK(bad.position() == 0);  // a failed read consumes nothing
  }
}

TEST_CASE("lenenc_int decodes every width at its boundaries", "[codec]") {
  struct row {
    const char* hex;
    std::uint64_t value;
  };
  const row rows[] = {
      {"00", 0},
      {"01", 1},
      {"fa", 0xFA},                              // largest 1-byte value
      {"fc fb 00", 0xFB},                        // smallest 3-byte value
      {"fc ff ff", 0xFFFF},
      {"fd 00 00 01", 0x10000},                  // smallest 4-byte value
      {"fd ff ff ff", 0xFFFFFF},
      {"fe 00 00 00 01 00 00 00 00", 0x1000000},  // smallest 9-byte value
      {"fe ff ff ff ff ff ff ff ff", std::numeric_limits<std::uint64_t>::max()},
  };
  for (const auto& row : rows) {
    INFO(row.hex);
    bytes b = from_hex(row.hex);
    reader r(b);
    CHECK(r.lenenc_int() == row.value);
    CHECK(r.ok());
    CHECK(r.at_end());
    CHECK(lenenc_int_size(row.value) == b.size());
    bytes out;
    writer(out).lenenc_int(row.value);
    CHECK(to_hex(out) == to_hex(b));
    // Every truncation of the encoding fails.
    for (std::size_t n = 0; n < b.size(); ++n) {
      bytes prefix(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n));
      reader t(prefix);
      CHECK(t.lenenc_int() == 0);
      CHECK_FALSE(t.ok());
    }
  }
}

TEST_CASE("lenenc_int rejects the NULL (0xFB) and ERR (0xFF) markers", "[codec]") {
  for (const char* hex : {"fb", "ff", "ff 00 00"}) {
    INFO(hex);
    bytes b = from_hex(hex);
    reader r(b);
    CHECK(r.lenenc_int() == 0);
    CHECK_FALSE(r.ok());
  }
}

TEST_CASE("lenenc strings and the NULL marker", "[codec]") {
  bytes b = from_hex("03 61 62 63 00 fb fc 01 00 7a");
  reader r(b);
  CHECK(r.lenenc_str() == "abc");
  CHECK(r.lenenc_str().empty());
  CHECK(r.lenenc_nullable() == std::nullopt);
  auto z = r.lenenc_nullable();
  REQUIRE(z.has_value());
  CHECK(*z == "z");  // a 3-byte length prefix on a 1-byte string is still valid
  CHECK(r.ok());
  CHECK(r.at_end());

  bytes null_marker = from_hex("fb");
  reader n(null_marker);
  CHECK(n.lenenc_str().empty());  // not nullable here: 0xFB is an error
  CHECK_FALSE(n.ok());
}

TEST_CASE("lenenc_str fails when the length exceeds the data", "[codec]") {
  for (const char* hex : {"04 61 62 63", "fc 00 01 61", "fe ff ff ff ff ff ff ff ff 61", "01"}) {
    INFO(hex);
    bytes b = from_hex(hex);
    reader r(b);
    CHECK(r.lenenc_str().empty());
    CHECK_FALSE(r.ok());
    reader r2(b);
    CHECK(r2.lenenc_nullable().value_or("x").empty());
    CHECK_FALSE(r2.ok());
  }
}

TEST_CASE("null_str reads up to and consuming the NUL", "[codec]") {
  bytes b = from_hex("61 62 00 00 63");
  reader r(b);
  CHECK(r.null_str() == "ab");
  CHECK(r.position() == 3);
  CHECK(r.null_str().empty());
  CHECK(r.position() == 4);
  CHECK(r.ok());
  CHECK(r.null_str().empty());  // "c" has no terminator
  CHECK_FALSE(r.ok());
}

TEST_CASE("null_str without a NUL fails, also on empty input", "[codec]") {
  bytes none = from_hex("61 62 63");
  reader r(none);
  CHECK(r.null_str().empty());
  CHECK_FALSE(r.ok());

  bytes empty;
  reader e(empty);
  CHECK(e.null_str().empty());
  CHECK_FALSE(e.ok());

  bytes one = from_hex("61");
  reader at_end(one);
  at_end.u8();
  CHECK(at_end.null_str().empty());
  CHECK_FALSE(at_end.ok());
}

TEST_CASE("fixed, skip, rest and peek", "[codec]") {
  bytes b = from_hex("61 62 63 64 65");
  reader r(b);
  CHECK(r.peek() == 0x61);
  CHECK(r.fixed(2) == "ab");
  r.skip(1);
  CHECK(r.remaining() == 2);
  CHECK(r.rest() == "de");
  CHECK(r.at_end());
  CHECK(r.rest().empty());  // rest at the end is empty and not a failure
  CHECK(r.fixed(0).empty());
  CHECK(r.peek() == 0);
  CHECK(r.ok());
  CHECK(r.fixed(1).empty());
  CHECK_FALSE(r.ok());

  reader s(b);
  s.skip(6);
  CHECK_FALSE(s.ok());
}

TEST_CASE("failure is sticky: nothing reads after the first short read", "[codec]") {
  bytes b = from_hex("01 02 03 04 05 06 07 08 00");
  reader r(b);
  CHECK(r.u8() == 1);
  CHECK(r.fixed(100).empty());  // fails
  CHECK_FALSE(r.ok());
  CHECK(r.remaining() == 0);
  // Plenty of bytes are left, yet every read returns zero/empty.
  CHECK(r.u8() == 0);
  CHECK(r.u16() == 0);
  CHECK(r.u32() == 0);
  CHECK(r.lenenc_int() == 0);
  CHECK(r.lenenc_str().empty());
  CHECK(r.null_str().empty());
  CHECK(r.rest().empty());
  CHECK(r.peek() == 0);
  CHECK_FALSE(r.ok());

  reader f(b);
  f.fail();
  CHECK(f.u8() == 0);
  CHECK_FALSE(f.ok());
}

TEST_CASE("writer primitives produce the wire bytes", "[codec]") {
  bytes out;
  writer w(out);
  w.u8(0x01);
  w.u16(0x0302);
  w.u24(0x060504);
  w.u32(0x0a090807);
  w.u64(0x1211100f0e0d0c0bull);
  CHECK(to_hex(out) == "01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12");

  out.clear();
  w.lenenc_str("abc");
  w.null_str("de");
  w.raw(std::string_view("f"));
  w.raw(byte_view(from_hex("ff")));
  w.zeros(2);
  CHECK(to_hex(out) == "03 61 62 63 64 65 00 66 ff 00 00");
}

TEST_CASE("writer/reader round trip of every primitive", "[codec]") {
  std::string big(0x10000, 'x');  // needs the 4-byte (FD) length prefix
  bytes out;
  writer w(out);
  w.u8(0xAB);
  w.u16(0xBEEF);
  w.u24(0xFFFFFF);
  w.u32(0xDEADBEEF);
  w.u64(0x0123456789ABCDEFull);
  for (std::uint64_t v : {0ull, 0xFAull, 0xFBull, 0xFFFFull, 0x10000ull, 0xFFFFFFull, 0x1000000ull, ~0ull}) {
    w.lenenc_int(v);
  }
  w.lenenc_str("");
  w.lenenc_str(big);
  w.null_str("nul");
  w.raw(std::string_view("tail"));

  reader r(out);
  CHECK(r.u8() == 0xAB);
  CHECK(r.u16() == 0xBEEF);
  CHECK(r.u24() == 0xFFFFFF);
  CHECK(r.u32() == 0xDEADBEEF);
  CHECK(r.u64() == 0x0123456789ABCDEFull);
  for (std::uint64_t v : {0ull, 0xFAull, 0xFBull, 0xFFFFull, 0x10000ull, 0xFFFFFFull, 0x1000000ull, ~0ull}) {
    CHECK(r.lenenc_int() == v);
  }
  CHECK(r.lenenc_str().empty());
  CHECK(r.lenenc_str() == big);
  CHECK(r.null_str() == "nul");
  CHECK(r.rest() == "tail");
  CHECK(r.ok());
  CHECK(r.at_end());
}

TEST_CASE("as_bytes and as_chars view the same memory", "[codec]") {
  std::string s("a\0b\xFF", 4);
  byte_view b = as_bytes(s);
  CHECK(b.size() == s.size());
  CHECK(b[3] == 0xFF);
  CHECK(as_chars(b) == s);
}
