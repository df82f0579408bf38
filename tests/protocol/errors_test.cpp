// protocol/errors: the numbered error catalog and make_error.
#include <catch2/catch.hpp>

#include <cctype>
#include <iterator>
#include <set>

#include "protocol/errors.hpp"
#include "protocol/messages.hpp"
#include "tests/protocol/hex.hpp"

using namespace shardwire::protocol;
using shardwire::test::to_hex;

namespace {
const errc all[] = {
#define SW_LIST(name, code, state, text) errc::name,
    SHARDWIRE_ERRORS(SW_LIST)
#undef SW_LIST
};
}  // namespace

TEST_CASE("every catalog entry has an errno, a 5-character SQLSTATE and a text", "[errors]") {
  std::set<std::string_view> names;
  for (errc e : all) {
    const catalog_entry& c = describe(e);
    INFO(c.name);
    CHECK(c.code != 0);
    CHECK(c.code < 10000);
    REQUIRE(c.sqlstate.size() == 5);
    for (char ch : c.sqlstate) CHECK((std::isdigit(static_cast<unsigned char>(ch)) || std::isupper(static_cast<unsigned char>(ch))));
    CHECK_FALSE(c.text.empty());
    CHECK(names.insert(c.name).second);
  }
  CHECK(names.size() == std::size(all));
  CHECK(describe(errc::internal).name == "internal");
  CHECK(describe(errc::malformed_packet).code == 1835);
}

TEST_CASE("entries use MariaDB's errno and SQLSTATE", "[errors]") {
  struct row {
    errc e;
    std::uint16_t code;
    const char* state;
  };
  // ER_ACCESS_DENIED_ERROR, ER_UNKNOWN_COM_ERROR, ER_HANDSHAKE_ERROR, ER_CON_COUNT_ERROR,
  // ER_SERVER_SHUTDOWN, ER_NET_PACKET_TOO_LARGE, ER_NET_PACKETS_OUT_OF_ORDER,
  // ER_NOT_SUPPORTED_AUTH_MODE, ER_NOT_SUPPORTED_YET.
  const row rows[] = {
      {errc::access_denied, 1045, "28000"},       {errc::unknown_command, 1047, "08S01"},
      {errc::bad_handshake, 1043, "08S01"},       {errc::too_many_connections, 1040, "08004"},
      {errc::server_shutdown, 1053, "08S01"},     {errc::packet_too_large, 1153, "08S01"},
      {errc::packets_out_of_order, 1156, "08S01"},
      {errc::auth_mode_unsupported, 1251, "08004"}, {errc::not_supported, 1235, "42000"},
  };
  for (const auto& row : rows) {
    INFO(describe(row.e).name);
    CHECK(describe(row.e).code == row.code);
    CHECK(describe(row.e).sqlstate == row.state);
  }
}

TEST_CASE("make_error formats the arguments into the text", "[errors]") {
  auto denied = make_error(errc::access_denied, "u", "h", "YES");
  CHECK(denied.code == 1045);
  CHECK(denied.sqlstate == "28000");
  // Byte for byte what MariaDB says (captured: ... for user 'app'@'127.0.0.1' (using password: YES)).
  CHECK(denied.message == "Access denied for user 'u'@'h' (using password: YES)");
  CHECK(make_error(errc::access_denied, "app", "127.0.0.1", "NO").message ==
        "Access denied for user 'app'@'127.0.0.1' (using password: NO)");

  auto plain = make_error(errc::too_many_connections);
  CHECK(plain.message == "Too many connections");
  CHECK(make_error(errc::packet_too_large).message == "Got a packet bigger than 'max_allowed_packet' bytes");

  auto timeout = make_error(errc::backend_pool_timeout, "ds0", 3000);
  CHECK(timeout.message == "Too many connections: no connection to ds0 free within 3000 ms");
  CHECK(make_error(errc::not_supported, "COM_BINLOG_DUMP").message ==
        "This version of shardwire doesn't yet support 'COM_BINLOG_DUMP'");
  CHECK(make_error(errc::internal, std::string("oops")).message == "shardwire internal error: oops");
}

TEST_CASE("a catalog error becomes the ERR packet MariaDB would send", "[errors]") {
  bytes out;
  encode_err(out, make_error(errc::access_denied, "app", "127.0.0.1", "YES"));
  // captured from MariaDB 10.11 for a wrong password
  CHECK(to_hex(out) ==
        "ff 15 04 23 32 38 30 30 30 41 63 63 65 73 73 20 64 65 6e 69 65 64 20 66 6f 72 20 75 73 65 72 20 27 61 70 "
        "70 27 40 27 31 32 37 2e 30 2e 30 2e 31 27 20 28 75 73 69 6e 67 20 70 61 73 73 77 6f 72 64 3a 20 59 45 53 "
        "29");
}
