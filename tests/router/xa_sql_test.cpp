// proxy/xa/xid: XA transaction ids as shardwire makes them, what it accepts back from
// XA RECOVER, and the text of the XA statements. Pure code.
#include "router/xa_sql.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <string>

using namespace shardwire::router::xa;

TEST_CASE("xid: a gtrid names its proxy, boot and sequence, in hex", "[xa][xid]") {
  CHECK(make_gtrid("p1", 10, 1) == "sw:p1:a:1");
  CHECK(make_gtrid("host-6033", 0x1234abcd, 0) == "sw:host-6033:1234abcd:0");
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  CHECK(make_gtrid("p", max, max) == "sw:p:ffffffffffffffff:ffffffffffffffff");

  struct row {
    std::string proxy_id;
    std::uint64_t boot, seq;
  };
  for (const auto& r : {row{"p1", 10, 1}, row{"proxy-1.a_B", 0x5f1e2d3c4b5a6, 42}, row{"p", 0, 0},
                        row{"p", max, max}, row{std::string(24, 'x'), 0x18c2f0a1b2c3d, 0xffffffff}}) {
    std::string g = make_gtrid(r.proxy_id, r.boot, r.seq);
    INFO(g);
    CHECK(safe_id_text(g));
    auto p = parse_gtrid(g);
    REQUIRE(p.has_value());
    CHECK(p->proxy_id == r.proxy_id);
    CHECK(p->boot == r.boot);
    CHECK(p->seq == r.seq);
  }
}

TEST_CASE("xid: malformed gtrids are not ours", "[xa][xid]") {
  for (const char* g : {"", "sw:", "sw:p1", "sw:p1:a", "sw:p1:a:", "sw:p1::1", "sw::a:1", "sw:p1:a:1:",
                        "sw:p1:xyz:1", "sw:p1:a:g", "sw:p1:-1:1", "sw:p1:+a:1", "sw:p1:11111111111111111:1",
                        "sw:p'1:a:1", "sw:p 1:a:1", "sw:p\\1:a:1", "sw:p\"1:a:1", "sw:p1:a:1 ", "sw:p1;:a:1",
                        "SW:p1:a:1", "sx:p1:a:1", "p1:a:1", "xsw:p1:a:1", ":sw:p1:a:1"}) {
    INFO(g);
    CHECK_FALSE(parse_gtrid(g).has_value());
  }
  // 64 bytes at most: the server's limit for a gtrid.
  std::string at_limit = make_gtrid(std::string(57, 'p'), 1, 2);
  REQUIRE(at_limit.size() == 64);
  CHECK(parse_gtrid(at_limit).has_value());
  std::string over = make_gtrid(std::string(58, 'p'), 1, 2);
  REQUIRE(over.size() == 65);
  CHECK_FALSE(parse_gtrid(over).has_value());
}

TEST_CASE("xid: branch qualifiers and safe text", "[xa][xid]") {
  CHECK(branch_qualifier(0) == "b0");
  CHECK(branch_qualifier(1) == "b1");
  CHECK(branch_qualifier(123) == "b123");

  CHECK(safe_id_text("b0"));
  CHECK(safe_id_text("AZaz09_.:-"));
  CHECK(safe_id_text(std::string(64, 'a')));
  CHECK_FALSE(safe_id_text(""));
  CHECK_FALSE(safe_id_text(std::string(65, 'a')));
  for (const char* s : {"a b", "a'b", "a\"b", "a\\b", "a`b", "a;b", "a,b", "a=b", "a%b", "a\nb", "caf\xc3\xa9"}) {
    INFO(s);
    CHECK_FALSE(safe_id_text(s));
  }
  CHECK_FALSE(safe_id_text(std::string_view("a\0b", 3)));
}

TEST_CASE("xid: XA RECOVER rows", "[xa][xid]") {
  const std::string g = "sw:p1:a:1";  // 9 bytes
  auto x = from_recover_row(format_id, 9, 2, g + "b0");
  REQUIRE(x.has_value());
  CHECK(x->gtrid == g);
  CHECK(x->bqual == "b0");
  x = from_recover_row(21335, 9, 3, g + "b12");
  REQUIRE(x.has_value());
  CHECK(x->bqual == "b12");

  struct row {
    const char* what;
    std::int64_t format, gtrid_length, bqual_length;
    std::string data;
  };
  const std::string long_gtrid = make_gtrid(std::string(58, 'p'), 1, 2);  // 65 bytes, else well formed
  for (const auto& r : {
           row{"another format id", 1, 9, 2, g + "b0"},
           row{"format id 0", 0, 9, 2, g + "b0"},
           row{"lengths short of the data", format_id, 9, 1, g + "b0"},
           row{"lengths beyond the data", format_id, 9, 3, g + "b0"},
           row{"gtrid cut short", format_id, 8, 3, g + "b0"},
           row{"negative bqual length", format_id, 12, -1, g + "b0"},
           row{"negative gtrid length", format_id, -2, 13, g + "b0"},
           row{"zero gtrid length", format_id, 0, 11, g + "b0"},
           row{"empty bqual", format_id, 11, 0, g + "b0"},
           row{"gtrid over 64 bytes", format_id, 65, 2, long_gtrid + "b0"},
           row{"bqual over 64 bytes", format_id, 9, 65, g + std::string(65, 'b')},
           row{"huge lengths", format_id, std::numeric_limits<std::int64_t>::max(), 2, g + "b0"},
           row{"not a shardwire gtrid", format_id, 3, 2, "abcb0"},
           row{"gtrid with a quote", format_id, 10, 2, "sw:p'1:a:1b0"},
           row{"bqual with a quote", format_id, 9, 3, g + "b'0"},
           row{"bqual with a space", format_id, 9, 3, g + "b 0"},
           row{"bqual with a backslash", format_id, 9, 3, g + "b\\0"},
       }) {
    INFO(r.what);
    CHECK_FALSE(from_recover_row(r.format, r.gtrid_length, r.bqual_length, r.data).has_value());
  }
}

TEST_CASE("xid: the XA statements", "[xa][xid]") {
  const xid x{"sw:p1:a:1", "b0"};
  CHECK(x.sql() == "'sw:p1:a:1','b0',21335");
  CHECK(start(x) == "XA START 'sw:p1:a:1','b0',21335");
  CHECK(end(x) == "XA END 'sw:p1:a:1','b0',21335");
  CHECK(prepare(x) == "XA PREPARE 'sw:p1:a:1','b0',21335");
  CHECK(commit(x) == "XA COMMIT 'sw:p1:a:1','b0',21335");
  CHECK(commit(x, false) == "XA COMMIT 'sw:p1:a:1','b0',21335");
  CHECK(commit(x, true) == "XA COMMIT 'sw:p1:a:1','b0',21335 ONE PHASE");
  CHECK(rollback(x) == "XA ROLLBACK 'sw:p1:a:1','b0',21335");
  const xid y{make_gtrid("h-6033", 0x1f, 0x20), branch_qualifier(3)};
  CHECK(commit(y, true) == "XA COMMIT 'sw:h-6033:1f:20','b3',21335 ONE PHASE");
}
