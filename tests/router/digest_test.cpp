// router/digest: statements with different values group as one digest.
#include "router/digest.hpp"

#include <catch2/catch.hpp>

using shardwire::router::digest_text;

TEST_CASE("digests replace literals and normalize spacing", "[digest]") {
  struct {
    const char* sql;
    const char* digest;
  } cases[] = {
      {"SELECT * FROM order_info WHERE user_id = 42", "SELECT * FROM order_info WHERE user_id = ?"},
      {"select *  from order_info\n where user_id=-7", "select * from order_info where user_id = ?"},
      {"SELECT a - 1 FROM t", "SELECT a - ? FROM t"},
      {"SELECT -1, x FROM t WHERE a BETWEEN -5 AND -1 LIMIT 3", "SELECT ?, x FROM t WHERE a BETWEEN ? AND ? LIMIT ?"},
      {"SELECT * FROM t WHERE id IN (-1, 2, +3)", "SELECT * FROM t WHERE id IN (...)"},
      {"INSERT INTO t VALUES (-1, 'x'), (2, 'y')", "INSERT INTO t VALUES (...)"},
      {"SELECT * FROM t WHERE id IN (1, 2, 3)", "SELECT * FROM t WHERE id IN (...)"},
      {"SELECT * FROM t WHERE id IN (7)", "SELECT * FROM t WHERE id IN (...)"},
      {"INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y'), (3, NULL)", "INSERT INTO t (a, b) VALUES (...)"},
      {"INSERT INTO t VALUES (1,'x')", "INSERT INTO t VALUES (...)"},
      {"SELECT SLEEP(0.5), COUNT(*) FROM `t` /* a comment */ WHERE s = 'it''s'",
       "SELECT SLEEP(?), COUNT(*) FROM `t` WHERE s = ?"},
      {"SELECT /*+ MAX_EXECUTION_TIME(10) */ x FROM t WHERE h = X'0F' AND b = 0b01",
       "SELECT x FROM t WHERE h = ? AND b = ?"},
      {"UPDATE t SET a = ? WHERE id = ?;", "UPDATE t SET a = ? WHERE id = ?"},
      {"SELECT @@version, @x", "SELECT @@version, @x"},
      {"SELECT db.t.c FROM db.t", "SELECT db.t.c FROM db.t"},
  };
  for (const auto& c : cases) {
    INFO(c.sql);
    CHECK(digest_text(c.sql) == c.digest);
  }
}

TEST_CASE("digests are bounded and never fail", "[digest]") {
  std::string big = "SELECT ";
  for (int i = 0; i < 1000; ++i) big += "col" + std::to_string(i) + ", ";
  big += "x FROM t";
  auto d = digest_text(big, 200);
  CHECK(d.size() <= 204);
  CHECK(d.substr(d.size() - 3) == "...");
  CHECK(digest_text("SELECT 'unterminated") == "SELECT");
  // Only the head of a huge statement is read.
  std::string insert = "INSERT INTO t VALUES (1, 'a')";
  for (int i = 0; i < 100000; ++i) insert += ", (" + std::to_string(i) + ", 'abcdef')";
  CHECK(digest_text(insert) == "INSERT INTO t VALUES (...) ...");
  CHECK(digest_text("SELECT abcdefgh FROM t", 1024, 12) == "SELECT ...");
  CHECK(digest_text("") == "");
}
