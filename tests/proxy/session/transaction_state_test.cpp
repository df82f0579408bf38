// proxy/session/transaction_state and session_state's marks_of: what a session keeps of
// its transaction and what pins its connections. Pure code.
#include <catch2/catch.hpp>

#include "proxy/session/session_state.hpp"
#include "proxy/session/transaction_state.hpp"
#include "router/statement_analysis.hpp"

using namespace shardwire::proxy;

TEST_CASE("transaction state: read only", "[session][txn]") {
  transaction_state t;
  t.start("start transaction read only");  // any case
  CHECK(t.read_only());
  t.start("start transaction read only, with consistent snapshot");
  CHECK(t.read_only());
  t.finish();
  CHECK_FALSE(t.read_only());
  t.start("BEGIN");
  CHECK_FALSE(t.read_only());
  t.start("START TRANSACTION READ WRITE");
  CHECK_FALSE(t.read_only());
}

TEST_CASE("transaction state: join statements and savepoints", "[session][txn]") {
  transaction_state t;
  CHECK_FALSE(t.open());
  t.set_next("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
  t.start("START TRANSACTION READ ONLY");
  CHECK(t.open());
  CHECK(t.read_only());
  t.savepoint("`a`");
  t.savepoint("`b`");
  t.savepoint("`c`");
  t.savepoint("`a`");  // a repeated name moves to the end
  CHECK(t.savepoints() == std::vector<std::string>{"`b`", "`c`", "`a`"});
  CHECK(t.join_statements() == std::vector<std::string>{"SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
                                                        "START TRANSACTION READ ONLY", "SAVEPOINT `b`",
                                                        "SAVEPOINT `c`", "SAVEPOINT `a`"});
  t.rollback_to("`b`");  // keeps b, drops the later ones
  CHECK(t.savepoints() == std::vector<std::string>{"`b`"});
  t.savepoint("`d`");
  t.release("`b`");  // drops b and the later ones
  CHECK(t.savepoints().empty());
  t.rollback_to("`unknown`");
  t.finish();
  CHECK_FALSE(t.open());
  CHECK(t.savepoints().empty());
  t.clear_next();
  t.start("BEGIN");
  CHECK(t.join_statements() == std::vector<std::string>{"BEGIN"});
}

TEST_CASE("transaction state: modes and the begin text", "[session][txn]") {
  transaction_state t;
  t.start("BEGIN");
  CHECK(t.mode() == shardwire::router::transaction_mode::best_effort);  // the default
  CHECK_FALSE(t.xa());
  CHECK(t.join_statements() == std::vector<std::string>{"BEGIN"});
  CHECK(t.join_statements("b0") == std::vector<std::string>{"BEGIN"});  // a bqual alone makes no branch
  t.start("START TRANSACTION READ ONLY", shardwire::router::transaction_mode::local);
  CHECK(t.read_only());
  CHECK(t.mode() == shardwire::router::transaction_mode::local);
  CHECK(t.join_statements() == std::vector<std::string>{"START TRANSACTION READ ONLY"});
  t.set_next("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
  t.start("START TRANSACTION WITH CONSISTENT SNAPSHOT");
  CHECK_FALSE(t.read_only());
  CHECK(t.join_statements() == std::vector<std::string>{"SET TRANSACTION ISOLATION LEVEL READ COMMITTED",
                                                        "START TRANSACTION WITH CONSISTENT SNAPSHOT"});
}

TEST_CASE("transaction state: an XA transaction joins each connection as a branch", "[session][txn][xa]") {
  transaction_state t;
  t.set_xa("sw:p:1:1");
  CHECK_FALSE(t.xa());  // no transaction open
  t.start("BEGIN", shardwire::router::transaction_mode::xa);
  CHECK(t.gtrid().empty());  // start() forgets an earlier transaction's id
  CHECK_FALSE(t.xa());
  CHECK(t.mode() == shardwire::router::transaction_mode::xa);
  t.set_xa("sw:p:1:2");
  CHECK(t.xa());
  CHECK(t.gtrid() == "sw:p:1:2");
  CHECK(t.next_branch() == 0);
  CHECK(t.next_branch() == 1);
  CHECK(t.next_branch() == 2);
  CHECK(t.join_statements("b0") == std::vector<std::string>{"XA START 'sw:p:1:2','b0',21335"});
  t.savepoint("`s1`");
  t.set_next("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
  CHECK(t.join_statements("b3") == std::vector<std::string>{"SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
                                                            "XA START 'sw:p:1:2','b3',21335", "SAVEPOINT `s1`"});
  t.finish();
  CHECK_FALSE(t.open());
  CHECK_FALSE(t.xa());
  CHECK(t.gtrid().empty());
  t.clear_next();
  t.start("BEGIN", shardwire::router::transaction_mode::xa);
  CHECK(t.next_branch() == 0);  // a new transaction counts its branches from 0
  CHECK(t.join_statements("b0") == std::vector<std::string>{"BEGIN"});  // until it is given an id
}

TEST_CASE("pins: the first reason stays, table locks, the next statement", "[session][pins]") {
  pin_state p;
  CHECK_FALSE(p.any());
  p.keep_for_next(true);
  CHECK(p.any());
  CHECK_FALSE(p.dirty());
  CHECK(p.describe() == "the previous statement");
  p.keep_for_next(false);
  p.set_table_locks(true);
  CHECK(p.dirty());
  CHECK(p.describe() == "LOCK TABLES");
  p.pin("a temporary table");
  p.pin("GET_LOCK()");
  CHECK(p.reason() == "a temporary table");
  p.clear();
  CHECK_FALSE(p.any());
}

TEST_CASE("marks: one plain tracked statement is tracked, every other effect pins", "[session][marks]") {
  auto m = [](std::string_view sql) { return marks_of(shardwire::router::analyze_statement(sql)); };
  CHECK(m("SET @a = 1").set);
  CHECK_FALSE(m("SET @a = 1").pin_session);
  CHECK(m("USE db").use);
  CHECK_FALSE(m("USE db").pin_session);
  CHECK(m("LOCK TABLES t READ").lock_tables);
  CHECK_FALSE(m("LOCK TABLES t READ").pin_session);
  CHECK_FALSE(m("BEGIN").pin_session);
  for (const char* sql : {"/*!SET @a = 1*/", "SELECT 1; SET @a = 1", "/*!USE db*/", "SELECT 1; USE db",
                          "/*!LOCK TABLES t READ*/", "SELECT 1; BEGIN", "CALL p()", "SELECT @a := 1",
                          "CREATE TEMPORARY TABLE t (a int)", "SELECT GET_LOCK('a', 1)", "HANDLER t OPEN",
                          "XA START 'x'", "PREPARE s FROM 'SELECT 1'", "SELECT LAST_INSERT_ID(5)", "FLUSH TABLES WITH READ LOCK",
                          "BEGIN NOT ATOMIC SELECT 1; END"}) {
    INFO(sql);
    auto k = m(sql);
    CHECK(k.pin_session);
    CHECK_FALSE(k.why.empty());
    CHECK_FALSE(k.set);
    CHECK_FALSE(k.use);
  }
  for (const char* sql : {"SELECT 1", "INSERT INTO t VALUES (1)", "SELECT 1; SELECT 2", "/*!SELECT 1*/"}) {
    INFO(sql);
    CHECK_FALSE(m(sql).pin_session);
  }
  CHECK(m("SELECT SQL_CALC_FOUND_ROWS 1").found_rows);
  CHECK(m("SELECT LAST_INSERT_ID()").last_insert_id);
  CHECK(m("SELECT `CONNECTION_ID`()").previous_counts);
}
