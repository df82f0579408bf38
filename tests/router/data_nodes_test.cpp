// router/data_nodes: inline expressions ${a..b} and ${[x,y]} and their errors.
#include <catch2/catch.hpp>

#include "router/data_nodes.hpp"

using namespace shardwire::router;

namespace {
std::vector<std::string> expand_ok(std::string_view pattern) {
  auto r = expand_inline(pattern);
  INFO(pattern);
  if (!r) FAIL(r.error());
  return *r;
}
}  // namespace

TEST_CASE("ranges expand database-major, left to right", "[data_nodes]") {
  auto names = expand_ok("db_${0..7}.order_info_${0..7}");
  REQUIRE(names.size() == 64);
  CHECK(names[0] == "db_0.order_info_0");
  CHECK(names[1] == "db_0.order_info_1");
  CHECK(names[7] == "db_0.order_info_7");
  CHECK(names[8] == "db_1.order_info_0");
  CHECK(names[9] == "db_1.order_info_1");
  CHECK(names[40] == "db_5.order_info_0");
  CHECK(names[63] == "db_7.order_info_7");
}

TEST_CASE("lists, single values, padding and plain text", "[data_nodes]") {
  CHECK(expand_ok("t_${[a, b ,c]}") == std::vector<std::string>{"t_a", "t_b", "t_c"});
  CHECK(expand_ok("${[x,y]}_${1..2}") == std::vector<std::string>{"x_1", "x_2", "y_1", "y_2"});
  CHECK(expand_ok("plain.table") == std::vector<std::string>{"plain.table"});
  CHECK(expand_ok("t_${3..3}") == std::vector<std::string>{"t_3"});
  CHECK(expand_ok("t_${ 1 .. 2 }") == std::vector<std::string>{"t_1", "t_2"});
  CHECK(expand_ok("t_${[only]}") == std::vector<std::string>{"t_only"});
  auto padded = expand_ok("t_${08..11}");
  CHECK(padded == std::vector<std::string>{"t_08", "t_09", "t_10", "t_11"});
  CHECK(expand_ok("t_${0..2}") == std::vector<std::string>{"t_0", "t_1", "t_2"});  // no padding without a leading 0
  CHECK(expand_ok("a$b") == std::vector<std::string>{"a$b"});                     // a lone $ is text
  CHECK(expand_ok("${0..1}${[p,q]}${5..6}").size() == 8);
  CHECK(expand_ok("${0..1}${[p,q]}${5..6}")[1] == "0p6");
}

TEST_CASE("bad expressions say what and where", "[data_nodes]") {
  struct row {
    const char* pattern;
    const char* message;  // a substring of the error
  };
  for (const row& r : {
           row{"t_${3..1}", "descending range ${3..1} at offset 2"},
           row{"t_${0..3", "unterminated ${ at offset 2"},
           row{"t_${0..${1..2}}", "nested ${ at offset 7"},
           row{"t_${}", "expected ${a..b} or ${[x,y,...]}"},
           row{"t_${a..b}", "non-negative integers"},
           row{"t_${-1..3}", "non-negative integers"},
           row{"t_${0..1234567890}", "non-negative integers"},
           row{"t_${1,2}", "expected ${a..b}"},
           row{"t_${[]}", "empty item in list"},
           row{"t_${[a,,b]}", "empty item in list"},
           row{"t_${[a,b}", "expected ${a..b}"},
           row{"t_${[a,[b]]}", "bad item"},
           row{"t_0}", "unmatched '}' at offset 3"},
           row{"t_${0..999999}", "expands to more than 100000 names"},
           row{"t_${0..999}_${0..999}", "expands to more than 100000 names"},
       }) {
    INFO(r.pattern);
    auto e = expand_inline(r.pattern);
    REQUIRE_FALSE(e.has_value());
    CHECK_THAT(e.error(), Catch::Contains(r.message));
  }
}

TEST_CASE("data nodes split into database and table", "[data_nodes]") {
  auto nodes = expand_data_nodes("db_${0..1}.t_${[x,y]}");
  REQUIRE(nodes.has_value());
  REQUIRE(nodes->size() == 4);
  CHECK((*nodes)[0] == data_node{"", "db_0", "t_x"});
  CHECK((*nodes)[3] == data_node{"", "db_1", "t_y"});
  CHECK((*nodes)[2].text() == "db_1.t_x");

  for (const char* bad : {"db_0", "a.b.c", "db_0.", ".t", "db 0.t", "db_${0..1}", "db.`t`", "db.${[a,b.c]}"}) {
    INFO(bad);
    CHECK_FALSE(expand_data_nodes(bad).has_value());
  }
  auto e = expand_data_nodes("db_${0..1}");
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error() == "expected \"database.table\", got \"db_0\"");
}

TEST_CASE("object names", "[data_nodes]") {
  for (const char* ok : {"db_0", "t", "Order$Info", "x-y", "caf\xc3\xa9"}) CHECK(is_valid_object_name(ok));
  for (const char* bad : {"", "a.b", "a`b", "a b", "a/b", "a\\b", "a\tb"}) {
    INFO(bad);
    CHECK_FALSE(is_valid_object_name(bad));
  }
  CHECK(is_valid_object_name(std::string(64, 'a')));
  CHECK_FALSE(is_valid_object_name(std::string(65, 'a')));
}
