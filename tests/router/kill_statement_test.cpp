// router/kill_statement: which statements are KILLs, and what they target.
#include <catch2/catch.hpp>

#include "router/kill_statement.hpp"

using shardwire::router::kill_statement;
using shardwire::router::parse_kill;
using target = kill_statement::target;

TEST_CASE("statements that are not KILL", "[kill]") {
  for (const char* sql : {"", "SELECT 1", "SELECT 'KILL 5'", "KILLER 5", "killed", " -- KILL 5\n SELECT 1",
                          "INSERT INTO t VALUES ('KILL 1')"}) {
    INFO(sql);
    CHECK_FALSE(parse_kill(sql).has_value());
  }
}

TEST_CASE("KILL in a versioned comment is KILL: the server runs it", "[kill]") {
  for (const char* sql : {"/*! KILL 5 */", "/*!50700 KILL 5*/", "/*M!100100 KILL CONNECTION 5 */"}) {
    INFO(sql);
    auto k = parse_kill(sql);
    REQUIRE(k.has_value());
    CHECK(k->kind == target::connection);
    CHECK(k->id == 5);
  }
}

TEST_CASE("KILL forms and their targets", "[kill]") {
  struct row {
    const char* sql;
    target kind;
    const char* modifier;
    std::uint64_t id;
  };
  for (const row& r : {
           row{"KILL 5", target::connection, "", 5},
           row{"kill 42;", target::connection, "", 42},
           row{"  KILL CONNECTION 7  ", target::connection, "", 7},
           row{"KILL QUERY 1073741825", target::query, "", 1073741825},
           row{"kill hard query 9", target::query, "HARD", 9},
           row{"KILL SOFT CONNECTION 3", target::connection, "SOFT", 3},
           row{"/* cancel */ KILL QUERY 12", target::query, "", 12},
           row{"-- cancel\nKILL QUERY 12", target::query, "", 12},
           row{"# cancel\nKILL 1 ; ", target::connection, "", 1},
           row{"KILL\tQUERY\n8", target::query, "", 8},
           row{"KILL QUERY ID 77", target::query_id, "", 77},
       }) {
    INFO(r.sql);
    auto k = parse_kill(r.sql);
    REQUIRE(k.has_value());
    CHECK(k->kind == r.kind);
    CHECK(k->modifier == r.modifier);
    CHECK(k->id == r.id);
  }
}

TEST_CASE("KILL USER is recognized", "[kill]") {
  auto k = parse_kill("KILL USER 'app'@'%'");
  REQUIRE(k.has_value());
  CHECK(k->kind == target::user);
}

TEST_CASE("KILL forms that must be refused, never forwarded", "[kill]") {
  // An expression or a batch would reach the backend with a proxy id in it, or hide
  // another statement: the proxy refuses them.
  for (const char* sql : {"KILL 2+3", "KILL 5; SELECT 1", "KILL QUERY (SELECT 5)", "KILL", "KILL QUERY",
                          "KILL 5abc", "KILL @id", "KILL 99999999999999999999999"}) {
    INFO(sql);
    auto k = parse_kill(sql);
    REQUIRE(k.has_value());
    CHECK(k->kind == target::unsupported);
  }
}
