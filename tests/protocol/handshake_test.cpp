// protocol/handshake: Handshake v10, HandshakeResponse41 and the auth switch request.
// Goldens marked "captured" were recorded from MariaDB 10.11.19 and its `mariadb`
// 10.11 command-line client (libmariadb 3.3); the others follow the protocol docs.
#include <algorithm>

#include <catch2/catch.hpp>

#include "protocol/capabilities.hpp"
#include "protocol/handshake.hpp"
#include "tests/protocol/hex.hpp"

using namespace shardwire::protocol;
using namespace shardwire::test;

namespace {
// captured: MariaDB 10.11.19's greeting (payload of packet 0)
const bytes server_hello = from_hex(
    "0a 35 2e 35 2e 35 2d 31 30 2e 31 31 2e 31 39 2d 4d 61 72 69 61 44 42 2d 30 2b 64 65 62 31 32"
    "75 31 2d 6c 6f 67 00 4e 00 00 00 22 5e 35 2b 76 36 48 47 00 fe f7 2d 02 00 ff 81 15 00 00 00"
    "00 00 00 1d 00 00 00 69 5c 71 45 43 5e 32 7b 39 48 3f 44 00 6d 79 73 71 6c 5f 6e 61 74 69 76"
    "65 5f 70 61 73 73 77 6f 72 64 00");
const bytes hello_scramble = from_hex("22 5e 35 2b 76 36 48 47 69 5c 71 45 43 5e 32 7b 39 48 3f 44");
constexpr std::size_t hello_plugin_at = 82;  // offset of "mysql_native_password"

// captured: `mariadb -uapp -papp -Dshop` answering server_hello: lenenc auth data,
// CONNECT_WITH_DB, PLUGIN_AUTH and connect attributes; MariaDB's extended
// capabilities (0x1d) sit in the last 4 filler bytes.
const bytes cli_response = from_hex(
    "8c a2 bf 00 00 00 00 10 21 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 1d 00 00"
    "00 61 70 70 00 14 a0 1a 2c 1f 1d 5c a9 dd 49 d6 87 0c 83 12 d7 3d 4b 67 a4 b5 73 68 6f 70 00"
    "6d 79 73 71 6c 5f 6e 61 74 69 76 65 5f 70 61 73 73 77 6f 72 64 00 7f 03 5f 6f 73 05 4c 69 6e"
    "75 78 0c 5f 63 6c 69 65 6e 74 5f 6e 61 6d 65 0a 6c 69 62 6d 61 72 69 61 64 62 04 5f 70 69 64"
    "05 31 36 33 37 34 0f 5f 63 6c 69 65 6e 74 5f 76 65 72 73 69 6f 6e 06 33 2e 33 2e 32 30 09 5f"
    "70 6c 61 74 66 6f 72 6d 06 78 38 36 5f 36 34 0c 70 72 6f 67 72 61 6d 5f 6e 61 6d 65 05 6d 79"
    "73 71 6c 0c 5f 73 65 72 76 65 72 5f 68 6f 73 74 09 31 32 37 2e 30 2e 30 2e 31");
const bytes cli_token = from_hex("a0 1a 2c 1f 1d 5c a9 dd 49 d6 87 0c 83 12 d7 3d 4b 67 a4 b5");

bytes filler() { return bytes(23, 0); }

// SECURE_CONNECTION (1-byte auth length) + PLUGIN_AUTH, no database.
const bytes secure_response = concat({from_hex("01 a2 08 00 00 00 00 01 21"), filler(), from_text("root"),
                                      from_hex("00 14"), cli_token, from_text("mysql_native_password"),
                                      from_hex("00")});
// CONNECT_WITH_DB, empty auth data, no PLUGIN_AUTH.
const bytes db_response =
    concat({from_hex("08 a2 00 00 00 00 00 01 2d"), filler(), from_hex("75 00 00"), from_text("db1"), from_hex("00")});
// PROTOCOL_41 without SECURE_CONNECTION: the auth data is a NUL-terminated string.
const bytes old_auth_response =
    concat({from_hex("00 02 00 00 00 00 00 01 08"), filler(), from_hex("75 00 61 62 63 00")});

bytes without_last_byte(const bytes& b) { return bytes(b.begin(), b.end() - 1); }

// captured: MariaDB asking a client that offered caching_sha2_password to switch.
const bytes auth_switch_golden = from_hex(
    "fe 6d 79 73 71 6c 5f 6e 61 74 69 76 65 5f 70 61 73 73 77 6f 72 64 00 67 34 68 32 5f 68 6a 5d"
    "74 51 74 77 78 75 63 6f 26 6b 6b 55 00");
}  // namespace

TEST_CASE("Handshake v10 as MariaDB 10.11 sends it", "[handshake]") {
  auto hs = decode_handshake(server_hello);
  REQUIRE(hs.has_value());
  CHECK(hs->server_version == "5.5.5-10.11.19-MariaDB-0+deb12u1-log");
  CHECK(hs->connection_id == 78);
  CHECK(to_hex(hs->auth_data) == to_hex(hello_scramble));  // 8 + 12 bytes, NUL dropped
  CHECK(hs->capabilities == 0x81FFF7FEu);
  CHECK_FALSE(hs->capabilities & cap::long_password);  // MariaDB clears CLIENT_MYSQL
  CHECK(hs->capabilities & cap::protocol_41);
  CHECK(hs->capabilities & cap::deprecate_eof);
  CHECK(int(hs->charset) == 45);
  CHECK(hs->status == status::autocommit);
  CHECK(hs->auth_plugin == "mysql_native_password");
}

TEST_CASE("Handshake v10 encode/decode round trip", "[handshake]") {
  auto hs = decode_handshake(server_hello);
  REQUIRE(hs.has_value());
  bytes out;
  encode_handshake(out, *hs);
  CHECK(hs->mariadb_caps == 0x1D);  // progress, bulk, extended metadata, cache metadata
  CHECK(to_hex(out) == to_hex(server_hello));
  // With CLIENT_MYSQL set the reserved bytes are zeros (a MySQL server has no extended caps).
  hs->capabilities |= cap::long_password;
  out.clear();
  encode_handshake(out, *hs);
  CHECK(std::all_of(out.begin() + 65, out.begin() + 69, [](auto b) { return b == 0; }));
  CHECK(decode_handshake(out)->mariadb_caps == 0);

  handshake_v10 mine;
  mine.server_version = "11.4.2-shardwire";
  mine.connection_id = 0xDEADBEEF;
  mine.auth_data = from_hex("01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14");
  mine.capabilities = cap::protocol_41 | cap::secure_connection | cap::plugin_auth | cap::deprecate_eof;
  mine.status = 0x4002;
  out.clear();
  encode_handshake(out, mine);
  auto back = decode_handshake(out);
  REQUIRE(back.has_value());
  CHECK(back->server_version == mine.server_version);
  CHECK(back->connection_id == mine.connection_id);
  CHECK(back->auth_data == mine.auth_data);
  CHECK(back->capabilities == mine.capabilities);
  CHECK(back->charset == mine.charset);
  CHECK(back->status == mine.status);
  CHECK(back->auth_plugin == mine.auth_plugin);
}

TEST_CASE("decode_handshake rejects other protocol versions", "[handshake]") {
  bytes v9 = server_hello;
  v9[0] = 9;
  CHECK(decode_handshake(v9).error() == errc::bad_handshake);
  CHECK_FALSE(decode_handshake(from_hex("ff 15 04 23 32 38 30 30 30")).has_value());  // an ERR instead
}

TEST_CASE("decode_handshake: every strict prefix", "[handshake][truncation]") {
  const std::string plugin = "mysql_native_password";
  for_each_strict_prefix(server_hello, decode_handshake, [&](std::size_t n, const auto& r) {
    INFO("prefix " << n);
    if (n < hello_plugin_at) {
      CHECK_FALSE(r.has_value());
    } else {
      // The plugin name is the last string and may come unterminated: a cut one is
      // read as far as it goes.
      REQUIRE(r.has_value());
      CHECK(r->auth_data.size() == 20);
      CHECK(r->auth_plugin == plugin.substr(0, n - hello_plugin_at));
    }
  });
}

TEST_CASE("HandshakeResponse41 from the mariadb client", "[handshake]") {
  auto hr = decode_handshake_response(cli_response);
  REQUIRE(hr.has_value());
  CHECK(hr->capabilities == 0x00BFA28Cu);
  CHECK(hr->capabilities & cap::plugin_auth_lenenc_data);
  CHECK(hr->max_packet == 0x10000000u);
  CHECK(int(hr->charset) == 33);
  CHECK(hr->user == "app");
  CHECK(to_hex(hr->auth_response) == to_hex(cli_token));
  CHECK(hr->database == "shop");
  CHECK(hr->auth_plugin == "mysql_native_password");
  using kv = std::pair<std::string, std::string>;
  const std::vector<kv> attrs{{"_os", "Linux"},         {"_client_name", "libmariadb"},
                              {"_pid", "16374"},        {"_client_version", "3.3.20"},
                              {"_platform", "x86_64"},  {"program_name", "mysql"},
                              {"_server_host", "127.0.0.1"}};
  CHECK(hr->attributes == attrs);

  bytes out;
  encode_handshake_response(out, *hr);
  CHECK(hr->mariadb_caps == 0x1D);  // libmariadb 3.3 asks for every extended capability it knows
  CHECK(to_hex(out) == to_hex(cli_response));
}

TEST_CASE("HandshakeResponse41 variants", "[handshake]") {
  struct row {
    const char* name;
    bytes wire;
    std::string user, database, plugin;
    bytes auth;
    bool reencodes;  // encode(decode(wire)) == wire
  };
  const row rows[] = {
      {"SECURE_CONNECTION 1-byte auth length", secure_response, "root", "", "mysql_native_password", cli_token, true},
      {"CONNECT_WITH_DB, empty auth", db_response, "u", "db1", "", {}, true},
      {"no SECURE_CONNECTION: NUL-terminated auth", old_auth_response, "u", "", "", from_text("abc"), false},
      // Some clients leave the last string of the packet unterminated; MariaDB accepts it.
      {"plugin name without NUL", without_last_byte(secure_response), "root", "", "mysql_native_password", cli_token,
       false},
      {"database without NUL", without_last_byte(db_response), "u", "db1", "", {}, false},
  };
  for (const auto& row : rows) {
    INFO(row.name);
    auto hr = decode_handshake_response(row.wire);
    REQUIRE(hr.has_value());
    CHECK(hr->user == row.user);
    CHECK(hr->database == row.database);
    CHECK(hr->auth_plugin == row.plugin);
    CHECK(to_hex(hr->auth_response) == to_hex(row.auth));
    CHECK(hr->attributes.empty());
    if (row.reencodes) {
      bytes out;
      encode_handshake_response(out, *hr);
      CHECK(to_hex(out) == to_hex(row.wire));
    }
  }
}

TEST_CASE("HandshakeResponse41 with empty connect attributes", "[handshake]") {
  handshake_response hr;
  hr.capabilities = cap::protocol_41 | cap::secure_connection | cap::plugin_auth_lenenc_data | cap::connect_attrs;
  hr.user = "u";
  bytes out;
  encode_handshake_response(out, hr);
  CHECK(to_hex(byte_view(out).subspan(32)) == "75 00 00 00");  // user, lenenc auth 0, attrs length 0
  auto back = decode_handshake_response(out);
  REQUIRE(back.has_value());
  CHECK(back->attributes.empty());

  bytes bad = out;
  bad.back() = 3;  // attrs announce 3 bytes that are not there
  CHECK(decode_handshake_response(bad).error() == errc::malformed_packet);
  bad = out;
  bad.back() = 2;
  bad.push_back(0x05);  // a key claiming 5 bytes inside a 2-byte attrs block
  bad.push_back(0x61);
  CHECK(decode_handshake_response(bad).error() == errc::malformed_packet);
}

TEST_CASE("HandshakeResponse rejects pre-4.1 clients and SSL requests", "[handshake]") {
  // HandshakeResponse320: 2-byte capabilities (no PROTOCOL_41), 3-byte max packet.
  bytes old = concat({from_hex("05 00 00 00 01"), from_text("root"), from_hex("00 41 42 43 44 45 46 47 48")});
  CHECK(decode_handshake_response(old).error() == errc::auth_mode_unsupported);
  CHECK(decode_handshake_response(byte_view(old).first(4)).error() == errc::auth_mode_unsupported);
  CHECK(decode_handshake_response(byte_view(old).first(3)).error() == errc::malformed_packet);

  // SSLRequest: the 32-byte prefix with CLIENT_SSL; not a whole response, but known as
  // the request to upgrade. After the upgrade the whole response keeps CLIENT_SSL.
  bytes ssl = concat({from_hex("8c aa bf 00 00 00 00 10 21"), filler()});
  CHECK(is_ssl_request(ssl));
  CHECK(decode_handshake_response(ssl).error() == errc::malformed_packet);
  bytes ssl_full = cli_response;
  ssl_full[1] |= 0x08;
  CHECK_FALSE(is_ssl_request(ssl_full));
  auto full = decode_handshake_response(ssl_full);
  if (!full) FAIL("the response after TLS did not decode");
  CHECK((full->capabilities & cap::ssl) != 0);
  bytes plain_prefix = ssl;
  plain_prefix[1] &= static_cast<std::uint8_t>(~0x08);
  CHECK_FALSE(is_ssl_request(plain_prefix));  // 32 bytes without CLIENT_SSL: a (short) response
  for (std::size_t n = 4; n < ssl.size(); ++n) {
    INFO(n);
    CHECK_FALSE(is_ssl_request(byte_view(ssl).first(n)));
    CHECK(decode_handshake_response(byte_view(ssl).first(n)).error() == errc::malformed_packet);
  }
  bytes encoded;
  handshake_response req;
  req.capabilities = cap::protocol_41 | cap::secure_connection;
  req.max_packet = 1 << 24;
  req.charset = 45;
  encode_ssl_request(encoded, req);
  CHECK(encoded.size() == ssl_request_size);
  CHECK(is_ssl_request(encoded));
}

TEST_CASE("decode_handshake_response: every strict prefix", "[handshake][truncation]") {
  SECTION("mariadb client: auth, database, plugin, attributes") {
    constexpr std::size_t auth_end = 57, db_end = 62, plugin_end = 84;
    const std::string db = "shop", plugin = "mysql_native_password";
    for_each_strict_prefix(cli_response, decode_handshake_response, [&](std::size_t n, const auto& r) {
      INFO("prefix " << n);
      if (n < auth_end || n > plugin_end) {
        CHECK_FALSE(r.has_value());  // cut header, user, auth data or attributes
        return;
      }
      // Trailing fields may be absent, and the last present string may lack its NUL.
      REQUIRE(r.has_value());
      CHECK(r->user == "app");
      CHECK(r->auth_response.size() == 20);
      CHECK(r->database == db.substr(0, std::min(n, db_end) - auth_end));
      CHECK(r->auth_plugin == (n <= db_end ? "" : plugin.substr(0, n - db_end)));
      CHECK(r->attributes.empty());
    });
  }
  SECTION("1-byte auth length and plugin") {
    for_each_strict_prefix(secure_response, decode_handshake_response, [&](std::size_t n, const auto& r) {
      INFO("prefix " << n);
      if (n < 58) {
        CHECK_FALSE(r.has_value());
      } else {
        REQUIRE(r.has_value());
        CHECK(r->auth_plugin == std::string("mysql_native_password").substr(0, n - 58));
      }
    });
  }
  SECTION("database, no plugin") {
    for_each_strict_prefix(db_response, decode_handshake_response, [&](std::size_t n, const auto& r) {
      INFO("prefix " << n);
      if (n < 35) {
        CHECK_FALSE(r.has_value());
      } else {
        REQUIRE(r.has_value());
        CHECK(r->database == std::string("db1").substr(0, n - 35));
      }
    });
  }
}

TEST_CASE("auth switch request encode/decode", "[handshake]") {
  auto a = decode_auth_switch(auth_switch_golden);
  REQUIRE(a.has_value());
  CHECK(a->plugin == "mysql_native_password");
  CHECK(as_chars(a->data) == "g4h2_hj]tQtwxuco&kkU");  // 20-byte scramble, NUL dropped
  bytes out;
  encode_auth_switch(out, *a);
  CHECK(to_hex(out) == to_hex(auth_switch_golden));

  out.clear();
  encode_auth_switch(out, {"mysql_clear_password", {}});
  auto empty = decode_auth_switch(out);
  REQUIRE(empty.has_value());
  CHECK(empty->plugin == "mysql_clear_password");
  CHECK(empty->data.empty());

  CHECK_FALSE(decode_auth_switch(from_hex("fe")).has_value());  // old-password switch: unsupported
  CHECK_FALSE(decode_auth_switch(from_hex("00 00 00 02 00 00 00")).has_value());
}

TEST_CASE("decode_auth_switch: every strict prefix", "[handshake][truncation]") {
  const std::string data = "g4h2_hj]tQtwxuco&kkU";
  constexpr std::size_t data_at = 23;
  for_each_strict_prefix(auth_switch_golden, decode_auth_switch, [&](std::size_t n, const auto& r) {
    INFO("prefix " << n);
    if (n < data_at) {
      CHECK_FALSE(r.has_value());  // no header, or a plugin name without its NUL
    } else {
      REQUIRE(r.has_value());
      CHECK(r->plugin == "mysql_native_password");
      CHECK(as_chars(r->data) == data.substr(0, n - data_at));
    }
  });
}
