// protocol/messages: OK, ERR, EOF, column definitions and text rows. Golden payloads
// are captured from MariaDB 10.11 (marked "captured") or taken from the protocol
// documentation; every decoder is also fed every strict prefix of every golden.
#include <catch2/catch.hpp>

#include "protocol/messages.hpp"
#include "protocol/session_track.hpp"
#include "tests/protocol/hex.hpp"

using namespace shardwire::protocol;
using namespace shardwire::test;

namespace {
// captured: "DO 1" (framed as 07 00 00 01 ...; the docs' example has seq id 2)
const bytes ok_plain = from_hex("00 00 00 02 00 00 00");
// captured: INSERT of 3 rows (one truncated value) into a table with AUTO_INCREMENT=65536.
// The info string is length-encoded (0x26 = 38), although no session tracking was negotiated.
const bytes ok_insert = from_hex(
    "00 03 fd 00 00 01 02 00 01 00 26 52 65 63 6f 72 64 73 3a 20 33 20 20 44 75 70 6c 69 63 61"
    "74 65 73 3a 20 30 20 20 57 61 72 6e 69 6e 67 73 3a 20 31");
const std::string insert_info = "Records: 3  Duplicates: 0  Warnings: 1";
// captured: the OK(0xFE) terminating SHOW DATABASES with DEPRECATE_EOF
const bytes ok_fe = from_hex("fe 00 00 22 00 00 00");
// protocol docs: ERR 1096 with SQLSTATE marker
const bytes err_state = from_hex("ff 48 04 23 48 59 30 30 30 4e 6f 20 74 61 62 6c 65 73 20 75 73 65 64");
// captured: SELECT from a missing table
const bytes err_captured = from_hex(
    "ff 7a 04 23 34 32 53 30 32 54 61 62 6c 65 20 27 6e 6f 6e 65 78 69 73 74 65 6e 74 5f 64 62 2e"
    "74 27 20 64 6f 65 73 6e 27 74 20 65 78 69 73 74");
// protocol docs: an ERR without the '#' state marker (sent before capabilities are known)
const bytes err_plain = from_hex("ff 10 04 54 6f 6f 20 6d 61 6e 79 20 63 6f 6e 6e 65 63 74 69 6f 6e 73");
// captured: intermediate EOF of SHOW DATABASES (status AUTOCOMMIT | NO_INDEX_USED)
const bytes eof_golden = from_hex("fe 00 00 22 00");
// captured: column `a` of derived table `t` (NOT NULL INT)
const bytes coldef_a = from_hex("03 64 65 66 00 01 74 00 01 61 01 61 0c 3f 00 02 00 00 00 03 01 00 00 00 00");
// captured: SHOW DATABASES' single column
const bytes coldef_schemata = from_hex(
    "03 64 65 66 12 69 6e 66 6f 72 6d 61 74 69 6f 6e 5f 73 63 68 65 6d 61 08 53 43 48 45 4d 41 54"
    "41 08 53 43 48 45 4d 41 54 41 08 44 61 74 61 62 61 73 65 0b 53 43 48 45 4d 41 5f 4e 41 4d 45"
    "0c 2d 00 00 01 00 00 fd 01 10 00 00 00");
// captured: COM_FIELD_LIST column, which carries a trailing default value ("0")
const bytes coldef_field_list = from_hex(
    "03 64 65 66 06 73 62 74 65 73 74 01 6b 01 6b 02 69 64 02 69 64 0c 3f 00 0b 00 00 00 03 03 50"
    "00 00 00 01 30");
// captured: SELECT 1 AS a, NULL AS b, 'x' AS c
const bytes row_golden = from_hex("01 31 fb 01 78");
}  // namespace

TEST_CASE("OK packet golden bytes", "[messages]") {
  struct row {
    const char* name;
    const bytes& wire;
    ok_packet expected;
  };
  const row rows[] = {
      {"plain", ok_plain, {0x00, 0, 0, 0x0002, 0, ""}},
      {"insert with info", ok_insert, {0x00, 3, 0x10000, 0x0002, 1, insert_info}},
      {"0xFE terminator", ok_fe, {0xFE, 0, 0, 0x0022, 0, ""}},
  };
  for (const auto& row : rows) {
    INFO(row.name);
    auto ok = decode_ok(row.wire);
    REQUIRE(ok.has_value());
    CHECK(int(ok->header) == int(row.expected.header));
    CHECK(ok->affected_rows == row.expected.affected_rows);
    CHECK(ok->last_insert_id == row.expected.last_insert_id);
    CHECK(ok->status == row.expected.status);
    CHECK(ok->warnings == row.expected.warnings);
    CHECK(ok->info == row.expected.info);
    bytes out;
    encode_ok(out, row.expected);
    CHECK(to_hex(out) == to_hex(row.wire));
  }
  bytes wide;
  encode_ok(wide, {0x00, 0xFB, 0x1000000, 0x4002, 0xFFFF, ""});
  CHECK(to_hex(wide) == "00 fc fb 00 fe 00 00 00 01 00 00 00 00 02 40 ff ff");
}

TEST_CASE("decode_ok rejects what is not an OK", "[messages]") {
  CHECK_FALSE(decode_ok(err_state).has_value());
  CHECK_FALSE(decode_ok(eof_golden).has_value());  // an EOF lacks the warnings field of an OK
  CHECK_FALSE(decode_ok(from_hex("01 00 00 02 00 00 00")).has_value());
  CHECK_FALSE(decode_ok(from_hex("00 fb 00 02 00 00 00")).has_value());  // NULL is not a count
  CHECK_FALSE(decode_ok(from_hex("00 00 00 02 00 00 00 05 61 62")).has_value());  // info too short
}

TEST_CASE("ERR packet golden bytes", "[messages]") {
  struct row {
    const char* name;
    const bytes& wire;
    std::uint16_t code;
    const char* state;
    const char* message;
    bool reencodes;  // our encoder always writes the '#' marker
  };
  const row rows[] = {
      {"docs, with state", err_state, 1096, "HY000", "No tables used", true},
      {"captured", err_captured, 1146, "42S02", "Table 'nonexistent_db.t' doesn't exist", true},
      {"without state marker", err_plain, 1040, "HY000", "Too many connections", false},
  };
  for (const auto& row : rows) {
    INFO(row.name);
    auto e = decode_err(row.wire);
    REQUIRE(e.has_value());
    CHECK(e->code == row.code);
    CHECK(e->sqlstate == row.state);
    CHECK(e->message == row.message);
    bytes out;
    encode_err(out, *e);
    if (row.reencodes) CHECK(to_hex(out) == to_hex(row.wire));
  }
  bytes out;
  encode_err(out, {1040, "HY000", "Too many connections"});
  CHECK(to_hex(out) == "ff 10 04 23 48 59 30 30 30 54 6f 6f 20 6d 61 6e 79 20 63 6f 6e 6e 65 63 74 69 6f 6e 73");
  out.clear();
  encode_err(out, {1, "42", ""});  // a short state is padded, a long one cut to 5
  encode_err(out, {1, "0800123", ""});
  CHECK(to_hex(out) == "ff 01 00 23 34 32 30 30 30 ff 01 00 23 30 38 30 30 31");
  CHECK_FALSE(decode_err(ok_plain).has_value());
}

TEST_CASE("EOF packet golden bytes", "[messages]") {
  auto e = decode_eof(eof_golden);
  REQUIRE(e.has_value());
  CHECK(e->warnings == 0);
  CHECK(e->status == 0x0022);
  bytes out;
  encode_eof(out, {0, 0x0022});
  CHECK(to_hex(out) == to_hex(eof_golden));
  out.clear();
  encode_eof(out, {3, 0x000A});
  CHECK(to_hex(out) == "fe 03 00 0a 00");
  CHECK_FALSE(decode_eof(ok_fe).has_value());  // 7 bytes: an OK(0xFE), not an EOF
  CHECK_FALSE(decode_eof(ok_plain).has_value());
}

TEST_CASE("is_eof_or_terminator tells EOF/OK(0xFE) from a huge row", "[messages]") {
  CHECK(is_eof_or_terminator(eof_golden));
  CHECK(is_eof_or_terminator(ok_fe));
  CHECK_FALSE(is_eof_or_terminator(ok_plain));
  CHECK_FALSE(is_eof_or_terminator(byte_view{}));
  bytes huge(0xFFFFFF, 'x');  // a row whose first column is a >16 MiB string starts with 0xFE
  huge[0] = 0xFE;
  CHECK_FALSE(is_eof_or_terminator(huge));
  CHECK(is_eof_or_terminator(byte_view(huge).first(0xFFFFFE)));
}

TEST_CASE("column definition golden bytes", "[messages]") {
  auto a = decode_column_definition(coldef_a);
  REQUIRE(a.has_value());
  CHECK(a->schema.empty());
  CHECK(a->table == "t");
  CHECK(a->org_table.empty());
  CHECK(a->name == "a");
  CHECK(a->org_name == "a");
  CHECK(a->charset == 63);  // binary
  CHECK(a->length == 2);
  CHECK(int(a->type) == 0x03);  // LONG
  CHECK(a->flags == 0x0001);    // NOT_NULL
  CHECK(int(a->decimals) == 0);

  auto s = decode_column_definition(coldef_schemata);
  REQUIRE(s.has_value());
  CHECK(s->schema == "information_schema");
  CHECK(s->table == "SCHEMATA");
  CHECK(s->org_table == "SCHEMATA");
  CHECK(s->name == "Database");
  CHECK(s->org_name == "SCHEMA_NAME");
  CHECK(s->charset == 45);
  CHECK(s->length == 256);
  CHECK(int(s->type) == 0xFD);
  CHECK(s->flags == 0x1001);
  CHECK(int(s->decimals) == 0);

  for (const bytes* golden : {&coldef_a, &coldef_schemata}) {
    bytes out;
    encode_column_definition(out, *decode_column_definition(*golden));
    CHECK(to_hex(out) == to_hex(*golden));
  }

  auto f = decode_column_definition(coldef_field_list);  // trailing default value is ignored
  REQUIRE(f.has_value());
  CHECK(f->schema == "sbtest");
  CHECK(f->name == "id");
  CHECK(f->flags == 0x5003);
  bytes out;
  encode_column_definition(out, *f);
  CHECK(to_hex(out) == to_hex(byte_view(coldef_field_list).first(coldef_field_list.size() - 2)));

  CHECK_FALSE(decode_column_definition(from_hex("03 64 65 67 00 00 00 01 61 00 0c 3f 00 02 00 00 00 03 01 00 00 00 00"))
                  .has_value());  // catalog must be "def"
  bytes short_fixed = coldef_a;
  short_fixed[12] = 0x0b;  // fixed-length block announced shorter than 12 bytes
  CHECK_FALSE(decode_column_definition(short_fixed).has_value());
}

TEST_CASE("text row golden bytes with NULLs", "[messages]") {
  auto row = decode_text_row(row_golden, 3);
  REQUIRE(row.has_value());
  REQUIRE(row->size() == 3);
  CHECK((*row)[0] == std::optional<std::string_view>("1"));
  CHECK_FALSE((*row)[1].has_value());
  CHECK((*row)[2] == std::optional<std::string_view>("x"));
  bytes out;
  encode_text_row(out, {"1", std::nullopt, "x"});
  CHECK(to_hex(out) == to_hex(row_golden));

  out.clear();
  encode_text_row(out, {std::nullopt, std::nullopt, std::string()});
  CHECK(to_hex(out) == "fb fb 00");
  auto nulls = decode_text_row(out, 3);
  REQUIRE(nulls.has_value());
  CHECK_FALSE((*nulls)[0].has_value());
  CHECK_FALSE((*nulls)[1].has_value());
  CHECK((*nulls)[2] == std::optional<std::string_view>(""));

  CHECK_FALSE(decode_text_row(row_golden, 2).has_value());  // bytes left over
  CHECK_FALSE(decode_text_row(row_golden, 4).has_value());  // a column missing
}

// --- truncation: every strict prefix of every golden ------------------------------

TEST_CASE("decode_ok: every strict prefix", "[messages][truncation]") {
  for (const bytes* golden : {&ok_plain, &ok_fe}) {
    for_each_strict_prefix(*golden, decode_ok, [](std::size_t n, const auto& r) {
      INFO("prefix " << n);
      CHECK_FALSE(r.has_value());
    });
  }
  // With info: the fixed part alone (10 bytes) is a valid OK without info; a cut
  // inside the length-encoded info is an error.
  for_each_strict_prefix(ok_insert, decode_ok, [](std::size_t n, const auto& r) {
    INFO("prefix " << n);
    if (n == 10) {
      REQUIRE(r.has_value());
      CHECK(r->affected_rows == 3);
      CHECK(r->last_insert_id == 0x10000);
      CHECK(r->warnings == 1);
      CHECK(r->info.empty());
    } else {
      CHECK_FALSE(r.has_value());
    }
  });
}

TEST_CASE("decode_err: every strict prefix", "[messages][truncation]") {
  struct row {
    const bytes& golden;
    std::uint16_t code;
    std::string state, message;
  };
  const row rows[] = {
      {err_state, 1096, "HY000", "No tables used"},
      {err_captured, 1146, "42S02", "Table 'nonexistent_db.t' doesn't exist"},
      {err_plain, 1040, "HY000", "Too many connections"},
  };
  for (const auto& row : rows) {
    bool marker = row.golden[3] == '#';
    for_each_strict_prefix(row.golden, decode_err, [&](std::size_t n, const auto& r) {
      INFO("prefix " << n << " of " << to_hex(row.golden));
      if (n < 3 || (marker && n > 3 && n < 9)) {
        CHECK_FALSE(r.has_value());  // no code, or a cut SQLSTATE
      } else if (n == 3) {
        // Header and code only: an ERR without state marker and an empty message.
        REQUIRE(r.has_value());
        CHECK(r->code == row.code);
        CHECK(r->sqlstate == "HY000");
        CHECK(r->message.empty());
      } else {
        // The message runs to the end of the packet, so a cut one is a shorter message.
        REQUIRE(r.has_value());
        CHECK(r->code == row.code);
        CHECK(r->sqlstate == row.state);
        CHECK(r->message == row.message.substr(0, n - (marker ? 9 : 3)));
      }
    });
  }
}

TEST_CASE("decode_eof: every strict prefix", "[messages][truncation]") {
  for_each_strict_prefix(eof_golden, decode_eof, [](std::size_t n, const auto& r) {
    INFO("prefix " << n);
    CHECK_FALSE(r.has_value());
  });
}

TEST_CASE("decode_column_definition: every strict prefix", "[messages][truncation]") {
  for (const bytes* golden : {&coldef_a, &coldef_schemata}) {
    for_each_strict_prefix(*golden, [](byte_view p) { return decode_column_definition(p); }, [](std::size_t n, const auto& r) {
      INFO("prefix " << n);
      CHECK_FALSE(r.has_value());
    });
  }
  // The COM_FIELD_LIST form: once the fixed block and filler are there, a cut default
  // value is ignored like the whole default is.
  const std::size_t fixed_end = coldef_field_list.size() - 2;
  for_each_strict_prefix(coldef_field_list, [](byte_view p) { return decode_column_definition(p); }, [&](std::size_t n, const auto& r) {
    INFO("prefix " << n);
    if (n < fixed_end) {
      CHECK_FALSE(r.has_value());
    } else {
      REQUIRE(r.has_value());
      CHECK(r->name == "id");
      CHECK(r->flags == 0x5003);
    }
  });
}

TEST_CASE("decode_text_row: every strict prefix", "[messages][truncation]") {
  auto decode3 = [](byte_view p) { return decode_text_row(p, 3); };
  for_each_strict_prefix(row_golden, decode3, [](std::size_t n, const auto& r) {
    INFO("prefix " << n);
    CHECK_FALSE(r.has_value());
  });
  bytes big = from_hex("fc 00 01");
  big.resize(3 + 256, 'b');
  auto decode1 = [](byte_view p) { return decode_text_row(p, 1); };
  for_each_strict_prefix(big, decode1, [](std::size_t n, const auto& r) {
    INFO("prefix " << n);
    CHECK_FALSE(r.has_value());
  });
  CHECK(decode1(big).has_value());
}

TEST_CASE("session state report blocks: found, filtered, built", "[messages][session_track]") {
  namespace st = shardwire::protocol::session_track;
  // OK: status AUTOCOMMIT | SESSION_STATE_CHANGED, empty info, schema "db" + state change.
  shardwire::protocol::bytes ok = {0x00, 0x00, 0x00, 0x02, 0x40, 0x00, 0x00, 0x00, 0x08,
                                   0x01, 0x03, 0x02, 'd', 'b', 0x02, 0x01, '1'};
  auto block = st::block_of(ok);
  REQUIRE(block);
  CHECK(block->size() == 8);
  auto kept = st::without(*block, st::type::state_change);
  REQUIRE(kept);
  CHECK(*kept == shardwire::protocol::bytes{0x01, 0x03, 0x02, 'd', 'b'});
  shardwire::protocol::bytes built;
  st::append_schema(built, "db");
  CHECK(built == *kept);
  // Without the flag there is no block; a truncated block or entry is malformed.
  shardwire::protocol::bytes plain = {0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00};
  CHECK(st::block_of(plain)->empty());
  shardwire::protocol::bytes cut(ok.begin(), ok.end() - 1);
  CHECK_FALSE(st::block_of(cut));
  shardwire::protocol::bytes entry_cut = {0x02, 0x05, '1'};
  CHECK_FALSE(st::without(entry_cut, st::type::schema));
  // encode_ok writes a report (flag set, info as an empty lenenc string) only when given one.
  shardwire::protocol::ok_packet o{shardwire::protocol::ok_header, 0, 0, 0x0002, 0, {}};
  o.session_state = built;
  shardwire::protocol::bytes out;
  shardwire::protocol::encode_ok(out, o);
  CHECK(out == shardwire::protocol::bytes{0x00, 0x00, 0x00, 0x02, 0x40, 0x00, 0x00, 0x00, 0x05, 0x01, 0x03, 0x02, 'd', 'b'});
}
