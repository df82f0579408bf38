// protocol/packet: framing of messages into 16 MiB packets and scanning them back.
#include <catch2/catch.hpp>

#include <utility>

#include "protocol/packet.hpp"
#include "tests/protocol/hex.hpp"

using namespace shardwire::protocol;
using shardwire::test::from_hex;
using shardwire::test::to_hex;
using status = unframe_result::status;

namespace {
constexpr std::size_t full = max_packet_payload;  // 0xFFFFFF

bytes pattern(std::size_t n) {
  bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 7 % 251);
  return b;
}

// (length, seq) of every packet in a framed buffer; fails if the buffer does not
// split exactly into packets.
std::vector<std::pair<std::uint32_t, std::uint8_t>> headers_of(const bytes& wire) {
  std::vector<std::pair<std::uint32_t, std::uint8_t>> out;
  std::size_t pos = 0;
  while (pos < wire.size()) {
    REQUIRE(wire.size() - pos >= header_size);
    packet_header h = read_header(wire.data() + pos);
    out.emplace_back(h.length, h.seq);
    pos += header_size + h.length;
  }
  REQUIRE(pos == wire.size());
  return out;
}
}  // namespace

TEST_CASE("packet header is 3-byte little-endian length + sequence id", "[packet]") {
  std::uint8_t h[4];
  write_header(h, 0x123456, 0xAB);
  CHECK(to_hex(byte_view(h, 4)) == "56 34 12 ab");
  packet_header back = read_header(h);
  CHECK(back.length == 0x123456);
  CHECK(back.seq == 0xAB);
  // The OK packet from the protocol documentation: 7-byte payload, sequence id 2.
  bytes ok = from_hex("07 00 00 02 00 00 00 02 00 00 00");
  CHECK(read_header(ok.data()).length == 7);
  CHECK(read_header(ok.data()).seq == 2);
}

TEST_CASE("frame_message splits at 0xFFFFFF and ends with a short packet", "[packet]") {
  using packets = std::vector<std::pair<std::uint32_t, std::uint8_t>>;
  struct row {
    std::size_t size;
    std::uint8_t seq;
    packets expected;
    std::uint8_t next_seq;
  };
  const row rows[] = {
      {0, 0, {{0, 0}}, 1},
      {1, 0, {{1, 0}}, 1},
      {0, 255, {{0, 255}}, 0},
      {full - 1, 3, {{full - 1, 3}}, 4},
      // Exactly 0xFFFFFF: a full packet must be followed by an empty one.
      {full, 0, {{full, 0}, {0, 1}}, 2},
      {full + 5, 0, {{full, 0}, {5, 1}}, 2},
      {2 * full, 0, {{full, 0}, {full, 1}, {0, 2}}, 3},
      {2 * full, 254, {{full, 254}, {full, 255}, {0, 0}}, 1},  // ids wrap at 255
  };
  for (const auto& row : rows) {
    INFO("payload size " << row.size << ", first seq " << int(row.seq));
    bytes payload = pattern(row.size);
    bytes wire = from_hex("aa bb");  // frame_message appends to what is there
    std::uint8_t seq = row.seq;
    frame_message(wire, payload, seq);
    CHECK(seq == row.next_seq);
    CHECK(wire[0] == 0xaa);
    CHECK(wire[1] == 0xbb);
    wire.erase(wire.begin(), wire.begin() + 2);
    CHECK(wire.size() == row.size + header_size * row.expected.size());
    CHECK(headers_of(wire) == row.expected);

    bytes back;
    auto msg = scan_message(wire, 3 * full);
    REQUIRE(msg.state == status::complete);
    gather_payload(wire, msg, back);
    CHECK((back == payload));
  }
}

TEST_CASE("scan_message of a complete single packet", "[packet]") {
  bytes wire = from_hex("07 00 00 02 00 00 00 02 00 00 00  01 00 00 00 0e");  // OK, then COM_PING
  auto r = scan_message(wire, 1024);
  CHECK(r.state == status::complete);
  CHECK(r.wire_size == 11);  // the second message is not included
  CHECK(r.payload_size == 7);
  CHECK(r.packets == 1);
  CHECK(r.first_seq == 2);
  CHECK(r.next_seq == 3);
  CHECK(to_hex(message_payload_view(wire, r)) == "00 00 00 02 00 00 00");

  auto second = scan_message(byte_view(wire).subspan(r.wire_size), 1024, 0);
  CHECK(second.state == status::complete);
  CHECK(second.payload_size == 1);
}

TEST_CASE("scan_message needs more at every truncation point of a 3-packet message", "[packet]") {
  bytes payload = pattern(2 * full + 5);
  bytes wire;
  std::uint8_t seq = 7;
  frame_message(wire, payload, seq);
  REQUIRE(wire.size() == payload.size() + 3 * header_size);
  byte_view all(wire);

  std::size_t not_need_more = 0, first_bad = 0;
  for (std::size_t n = 0; n < wire.size(); ++n) {
    auto r = scan_message(all.first(n), 3 * full, 7);
    if (r.state != status::need_more) {
      if (not_need_more++ == 0) first_bad = n;
    }
  }
  INFO("first prefix not reported as need_more: " << first_bad);
  CHECK(not_need_more == 0);

  auto r = scan_message(all, 3 * full, 7);
  REQUIRE(r.state == status::complete);
  CHECK(r.wire_size == wire.size());
  CHECK(r.payload_size == payload.size());
  CHECK(r.packets == 3);
  CHECK(r.first_seq == 7);
  CHECK(r.next_seq == 10);
  bytes back;
  gather_payload(all, r, back);
  CHECK((back == payload));
}

TEST_CASE("scan_message reports too_large from a header alone", "[packet]") {
  SECTION("single packet: only the 4 header bytes have arrived") {
    bytes wire = from_hex("e9 03 00 00");  // announces 1001 bytes
    CHECK(scan_message(wire, 1000).state == status::too_large);
    CHECK(scan_message(wire, 1001).state == status::need_more);
    bytes whole = wire;
    whole.resize(4 + 1001, 'x');
    CHECK(scan_message(whole, 1001).state == status::complete);  // == max is allowed
  }
  SECTION("multi-packet: the second header pushes the total over the limit") {
    bytes wire;
    std::uint8_t seq = 0;
    frame_message(wire, pattern(full + 11), seq);
    bytes cut(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(header_size + full + header_size));
    CHECK(scan_message(cut, full + 10).state == status::too_large);
    CHECK(scan_message(cut, full + 11).state == status::need_more);
    CHECK(scan_message(wire, full + 11).state == status::complete);
    // The first header alone already exceeds a smaller limit.
    CHECK(scan_message(byte_view(wire).first(header_size), full - 1).state == status::too_large);
  }
}

TEST_CASE("scan_message checks sequence ids", "[packet]") {
  bytes ping = from_hex("01 00 00 01 0e");
  CHECK(scan_message(ping, 100, 0).state == status::out_of_order);
  CHECK(scan_message(ping, 100, 2).state == status::out_of_order);
  auto any = scan_message(ping, 100);  // -1: any first id
  CHECK(any.state == status::complete);
  CHECK(any.first_seq == 1);
  CHECK(any.next_seq == 2);
  auto exact = scan_message(ping, 100, 1);
  CHECK(exact.state == status::complete);

  // Out of order is seen from the header, before the payload.
  CHECK(scan_message(byte_view(ping).first(4), 100, 0).state == status::out_of_order);

  SECTION("continuation packets must count up") {
    bytes wire;
    std::uint8_t seq = 0;
    frame_message(wire, pattern(full + 1), seq);
    wire[header_size + full + 3] = 2;  // second packet claims id 2 instead of 1
    CHECK(scan_message(wire, 2 * full).state == status::out_of_order);
    CHECK(scan_message(wire, 2 * full, 0).state == status::out_of_order);
  }
  SECTION("expected_seq wraps from 255 to 0") {
    bytes wire;
    std::uint8_t seq = 255;
    frame_message(wire, pattern(full + 1), seq);
    auto r = scan_message(wire, 2 * full, 255);
    CHECK(r.state == status::complete);
    CHECK(r.first_seq == 255);
    CHECK(r.next_seq == 1);
    CHECK(r.packets == 2);
  }
}

TEST_CASE("scan_message with partial headers needs more", "[packet]") {
  bytes wire = from_hex("05 00 00 00 03 61 62 63 64");
  for (std::size_t n = 0; n < wire.size(); ++n) {
    INFO(n);
    CHECK(scan_message(byte_view(wire).first(n), 100, 0).state == status::need_more);
  }
  CHECK(scan_message(wire, 100, 0).state == status::complete);
}

TEST_CASE("gather_payload round trips framed messages", "[packet]") {
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{1000}, full - 1, full, full + 1}) {
    INFO(size);
    bytes payload = pattern(size);
    bytes wire;
    std::uint8_t seq = 0;
    frame_message(wire, payload, seq);
    wire.push_back(0x42);  // unrelated trailing bytes are ignored
    auto r = scan_message(wire, 2 * full, 0);
    REQUIRE(r.state == status::complete);
    CHECK(r.wire_size == wire.size() - 1);
    bytes back = from_hex("de ad");  // gather_payload replaces the contents
    gather_payload(wire, r, back);
    CHECK((back == payload));
    if (r.packets == 1) {
      byte_view v = message_payload_view(wire, r);
      CHECK(bytes(v.begin(), v.end()) == payload);
    }
  }
}
