#include "router/statement_analysis.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "router/parser.hpp"
#include "router/stored_calls.hpp"

using namespace shardwire::router;
namespace fx = shardwire::router::effect;

namespace {
statement_analysis A(std::string_view sql) { return analyze_statement(sql); }
}  // namespace

TEST_CASE("analysis: plain statements have no effects", "[analysis]") {
  for (const char* sql : {"SELECT 1", "select * from t where a = 1", "INSERT INTO t VALUES (1)", "UPDATE t SET a = 2",
                          "DELETE FROM t", "SHOW TABLES", "DESCRIBE t", "SELECT 'SET @a = 1; KILL 5'",
                          "SELECT `kill` FROM t", "SELECT kill FROM t", "SELECT a AS `use` FROM t", "/* SET x=1 */ SELECT 1",
                          "-- SET autocommit=0\nSELECT 1", "SELECT 1 -- ; SET @a=1", "SELECT \"a;b\"; "}) {
    INFO(sql);
    auto a = A(sql);
    CHECK(a.effects == 0);
    CHECK_FALSE(a.kill);
    CHECK(a.statements == 1);
  }
}

TEST_CASE("analysis: versioned comments are code", "[analysis]") {
  struct c {
    const char* sql;
    std::uint32_t bit;
  };
  for (auto [sql, bit] : {c{"/*!SET autocommit=0*/", fx::session_vars}, c{"/*!SET @v='x'*/", fx::user_vars},
                          c{"/*!USE otherdb*/", fx::database}, c{"/*!50700 SET @v=1*/", fx::user_vars},
                          c{"/*M!100500 SET sql_mode=''*/", fx::session_vars},
                          c{"SELECT 1 /*!, @a := 2*/", fx::user_vars}, c{"/*!BEGIN*/", fx::transaction},
                          c{"/*!CREATE TEMPORARY TABLE x (a int)*/", fx::temporary_table},
                          c{"SELECT /*!GET_LOCK('x', 1)*/", fx::named_lock}}) {
    INFO(sql);
    auto a = A(sql);
    CHECK((a.effects & bit) != 0);
    CHECK(a.versioned);
    CHECK_FALSE(a.why.empty());
  }
}

TEST_CASE("analysis: every statement of a batch counts", "[analysis]") {
  auto a = A("SELECT 1; SET @v = 1");
  CHECK(a.statements == 2);
  CHECK(a.kind == statement_kind::select);
  CHECK(a.has(fx::user_vars));
  CHECK(a.intent == statement_class::primary);
  CHECK(A("SELECT 1; SELECT 2").effects == 0);
  CHECK(A("SELECT 1; USE x").has(fx::database));
  CHECK(A("SELECT 1; INSERT INTO t VALUES (1)").intent == statement_class::write);
  CHECK(A("SELECT 1;;;").statements == 1);
  CHECK(A("SELECT 1; LOCK TABLES t WRITE").has(fx::table_locks));
  CHECK(A("SELECT 1; CALL p()").has(fx::routine));
}

TEST_CASE("analysis: state effects of every form", "[analysis]") {
  struct c {
    const char* sql;
    std::uint32_t bit;
  };
  for (auto [sql, bit] : {
           c{"SET autocommit = 0", fx::session_vars},
           c{"SET NAMES gbk", fx::session_vars},
           c{"SET SESSION TRANSACTION ISOLATION LEVEL SERIALIZABLE", fx::session_vars},
           c{"SET TRANSACTION READ ONLY", fx::session_vars},
           c{"SET @a = 1", fx::user_vars},
           c{"SET @a := (SELECT 1)", fx::user_vars},
           c{"SET ROLE r", fx::session_vars},
           c{"SELECT @a := 1", fx::user_vars},
           c{"SELECT 1 INTO @a", fx::user_vars},
           c{"SELECT a FROM t INTO @a", fx::user_vars},
           c{"SELECT a INTO @a FROM t", fx::user_vars},
           c{"USE db", fx::database},
           c{"BEGIN", fx::transaction},
           c{"START TRANSACTION READ ONLY", fx::transaction},
           c{"COMMIT", fx::transaction},
           c{"XA START 'x'", fx::transaction},
           c{"CREATE TEMPORARY TABLE t (a int)", fx::temporary_table},
           c{"DROP TEMPORARY TABLE t", fx::temporary_table},
           c{"LOCK TABLES t READ", fx::table_locks},
           c{"UNLOCK TABLES", fx::table_locks},
           c{"SELECT GET_LOCK('a', 0)", fx::named_lock},
           c{"DO RELEASE_ALL_LOCKS()", fx::named_lock},
           c{"HANDLER t OPEN", fx::handler},
           c{"PREPARE s FROM 'SELECT 1'", fx::prepared},
           c{"EXECUTE s", fx::prepared},
           c{"DEALLOCATE PREPARE s", fx::prepared},
           c{"PREPARE s FROM 'SET @v = 1'", fx::user_vars},
           c{"EXECUTE IMMEDIATE 'SET autocommit = 0'", fx::session_vars},
           c{"PREPARE s FROM @q", fx::unknown},
           c{"EXECUTE IMMEDIATE CONCAT('SET ', 'x')", fx::unknown},
           c{"EXECUTE IMMEDIATE 'SET @v = ?' USING 1", fx::user_vars},
           c{"EXECUTE IMMEDIATE 'SELECT ?' USING GET_LOCK('a', 0)", fx::named_lock},
           c{"EXECUTE IMMEDIATE @q USING 1", fx::unknown},
           c{"CALL p()", fx::routine},
           c{"SELECT LAST_INSERT_ID(5)", fx::last_insert_id},
           c{"BEGIN NOT ATOMIC SELECT 1; END", fx::unknown},
           c{"FLUSH TABLES WITH READ LOCK", fx::unknown},
           c{"lbl: LOOP LEAVE lbl; END LOOP", fx::unknown},
           c{"SELECT 'unterminated", fx::unknown},
           c{"SET STATEMENT max_statement_time = 1 FOR SELECT @a := 1", fx::user_vars},
       }) {
    INFO(sql);
    CHECK((A(sql).effects & bit) != 0);
  }
  // Statements that only read the diagnostics area.
  for (const char* sql : {"SHOW WARNINGS", "SHOW ERRORS LIMIT 1", "SHOW COUNT(*) WARNINGS", "GET DIAGNOSTICS @n = NUMBER",
                          "SELECT @@warning_count", "select @@session.error_count AS e, @@warning_count"}) {
    INFO(sql);
    CHECK(A(sql).diagnostics_only);
  }
  for (const char* sql : {"SELECT @@warning_count, 1", "SELECT @@warning_count FROM t", "SHOW TABLES",
                          "SHOW WARNINGS; SELECT 1", "SELECT @@autocommit", "SELECT 1"}) {
    INFO(sql);
    CHECK_FALSE(A(sql).diagnostics_only);
  }
  // EXECUTE IMMEDIATE 'text' USING values: the text is known, not dynamic SQL.
  CHECK_FALSE(A("EXECUTE IMMEDIATE 'SELECT ? + ?' USING 1, 2").dynamic_sql);
  CHECK(A("EXECUTE IMMEDIATE 'SELECT ?' USING @a").effects == fx::prepared);
  CHECK(A("EXECUTE IMMEDIATE 'SELECT 1' 'x'").dynamic_sql);  // not a USING clause
  // What reads the session's values but changes nothing.
  auto a = A("SELECT LAST_INSERT_ID(), ROW_COUNT(), SQL_CALC_FOUND_ROWS 1");
  CHECK(a.effects == 0);
  CHECK(a.reads_last_insert_id);
  CHECK(a.reads_counts);
  CHECK(a.found_rows);
  // SET STATEMENT ... FOR leaves nothing but what its statement leaves.
  CHECK(A("SET STATEMENT max_statement_time = 1 FOR SELECT 1").effects == 0);
  CHECK(A("SET STATEMENT sql_mode = '' FOR INSERT INTO t VALUES (1)").intent == statement_class::write);
}

TEST_CASE("analysis: read, primary and write intent", "[analysis]") {
  CHECK(A("SELECT * FROM t").intent == statement_class::read);
  CHECK(A("(SELECT 1) UNION (SELECT 2)").intent == statement_class::read);
  CHECK(A("SELECT * FROM t FOR UPDATE").intent == statement_class::primary);
  CHECK(A("SELECT * FROM t LOCK IN SHARE MODE").intent == statement_class::primary);
  CHECK(A("SELECT * FROM t FOR SHARE").intent == statement_class::primary);
  CHECK(A("SELECT * FROM t INTO OUTFILE '/tmp/x'").intent == statement_class::primary);
  CHECK(A("/* shardwire:primary */ SELECT 1").intent == statement_class::primary);
  CHECK(A("SELECT GET_LOCK('a', 1)").intent == statement_class::primary);
  CHECK(A("SELECT 1; SELECT 2").intent == statement_class::primary);
  for (const char* w : {"INSERT INTO t VALUES (1)", "REPLACE t VALUES (1)", "UPDATE t SET a=1", "DELETE FROM t",
                        "CREATE TABLE t (a int)", "ALTER TABLE t ADD b int", "DROP TABLE t", "TRUNCATE t",
                        "RENAME TABLE a TO b", "LOAD DATA INFILE 'x' INTO TABLE t", "GRANT ALL ON *.* TO u",
                        "CALL p()", "OPTIMIZE TABLE t", "ANALYZE TABLE t", "/*!INSERT INTO t VALUES (1)*/",
                        "EXECUTE IMMEDIATE 'DELETE FROM t'"}) {
    INFO(w);
    CHECK(A(w).intent == statement_class::write);
  }
  CHECK(A("SHOW TABLES").intent == statement_class::primary);
  CHECK(A("SET @a = 1").intent == statement_class::primary);
}

TEST_CASE("analysis: KILL in any form is found", "[analysis]") {
  for (const char* sql : {"KILL 5", "kill query 5", "/*!KILL 5*/", "/*M!100000 KILL CONNECTION 5*/", "SELECT 1; KILL 5",
                          "PREPARE s FROM 'KILL 5'", "EXECUTE IMMEDIATE 'KILL QUERY 5'",
                          "PREPARE s FROM 'PREPARE t FROM ''KILL 5'''",
                          "CREATE PROCEDURE p() KILL 5", "CREATE PROCEDURE p(x INT) BEGIN KILL x; END",
                          "CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO KILL 5", "BEGIN NOT ATOMIC KILL 5; END",
                          "KILL USER app", "KILL @a", "KILL (SELECT 5)"}) {
    INFO(sql);
    CHECK(A(sql).kill);
  }
  for (const char* sql : {"SELECT kill FROM t", "SELECT t.kill, kill AS k FROM t", "SELECT 'KILL 5'", "SELECT `KILL`"}) {
    INFO(sql);
    CHECK_FALSE(A(sql).kill);
  }
  auto a = A("/*!KILL QUERY 7*/");
  REQUIRE(a.kill_target);
  CHECK(a.kill_target->kind == kill_statement::target::query);
  CHECK(a.kill_target->id == 7);
  CHECK_FALSE(A("SELECT 1; KILL 5").kill_target);
  CHECK_FALSE(A("PREPARE s FROM 'KILL 5'").kill_target);
}

TEST_CASE("analysis: process lists", "[analysis]") {
  auto a = A("SHOW FULL PROCESSLIST");
  CHECK(a.show_processlist);
  CHECK(a.show_processlist_full);
  CHECK(A("show processlist").show_processlist);
  CHECK_FALSE(A("show processlist").show_processlist_full);
  CHECK(A("SELECT * FROM information_schema.PROCESSLIST").processlist);
  CHECK_FALSE(A("SELECT * FROM information_schema.PROCESSLIST").show_processlist);
  CHECK(A("/*!SHOW PROCESSLIST*/").show_processlist);
}

TEST_CASE("analysis: kinds the session answers itself", "[analysis]") {
  CHECK(A("BEGIN").kind == statement_kind::transaction);
  CHECK(A("BEGIN WORK").kind == statement_kind::transaction);
  CHECK(A("BEGIN NOT ATOMIC SELECT 1; END").kind == statement_kind::compound);
  CHECK(A("START TRANSACTION").kind == statement_kind::transaction);
  CHECK(A("RELEASE SAVEPOINT a").kind == statement_kind::transaction);
  CHECK(A("PREPARE s FROM 'x'").kind == statement_kind::prepare);
  CHECK(A("EXECUTE s USING @a").kind == statement_kind::execute);
  CHECK(A("EXECUTE IMMEDIATE 'SELECT 1'").kind == statement_kind::execute_immediate);
  CHECK(A("DROP PREPARE s").kind == statement_kind::deallocate);
  CHECK(A("SHARDWIRE EXPLAIN SELECT 1").kind == statement_kind::shardwire);
  CHECK(A("LOAD DATA LOCAL INFILE 'x' INTO TABLE t").load_local);
  CHECK(A("").kind == statement_kind::empty);
  CHECK(A("").statements == 0);
}

TEST_CASE("analysis: huge texts in constant memory and linear time", "[analysis]") {
  std::string big = "INSERT INTO t VALUES ";
  for (int i = 0; i < 200000; ++i) big += "(1,'a;b'),";
  big += "(2,'x')";
  auto a = A(big);
  CHECK(a.intent == statement_class::write);
  CHECK(a.effects == 0);
  std::string batch;
  for (int i = 0; i < 10000; ++i) batch += "SELECT 1;";
  batch += "SET @a = 1";
  CHECK(A(batch).has(fx::user_vars));
  CHECK(A(batch).statements == 10001);
}

TEST_CASE("parser: nesting limits give an error, never a crash", "[parser][limits]") {
  auto deep = [](std::string open, std::string mid, std::string close, int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += open;
    s += mid;
    for (int i = 0; i < n; ++i) s += close;
    return s;
  };
  for (const std::string& sql :
       {"SELECT 1 FROM order_info WHERE user_id = " + deep("(", "1", ")", 10000),
        "SELECT " + deep("-", "1", "", 100000), "SELECT " + deep("NOT ", "1", "", 100000),
        "SELECT * FROM t WHERE a IN " + deep("(SELECT a FROM t WHERE a IN ", "(1)", ")", 5000),
        "SELECT 1 FROM " + deep("(", "t", ")", 10000),
        "SELECT " + deep("ABS(", "1", ")", 10000), "SELECT " + deep("CASE WHEN 1 THEN ", "1", " END", 5000)}) {
    auto r = parse(sql);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().too_deep);
  }
  // Long operator chains are as tall as they are long.
  std::string chain = "SELECT 1";
  for (int i = 0; i < 100000; ++i) chain += " + 1";
  auto r = parse(chain);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().too_deep);
  std::string ors = "SELECT * FROM t WHERE a = 0";
  for (int i = 0; i < 1000; ++i) ors += " OR a = " + std::to_string(i);
  CHECK(parse(ors).has_value());  // what applications write stays well inside
  std::string joins = "SELECT * FROM t0";
  for (int i = 0; i < 300; ++i) joins += " JOIN t" + std::to_string(i + 1) + " ON 1";
  auto j = parse(joins);
  REQUIRE_FALSE(j.has_value());
  CHECK(j.error().too_deep);
  CHECK(parse("SELECT " + deep("(", "1", ")", 100)).has_value());
}

TEST_CASE("analysis: statements that name logical databases or tables", "[analysis]") {
  std::vector<std::string> names{"orders", "order_info"};
  analysis_options o;
  o.routed_names = &names;
  auto N = [&](std::string_view sql) { return analyze_statement(sql, o).names_routed; };
  CHECK(N("SELECT * FROM order_info WHERE user_id = 1"));
  CHECK(N("SELECT * FROM `orders`.`order_info`"));
  CHECK(N("/*!SELECT * FROM order_info*/"));
  CHECK(N("SELECT 1; DELETE FROM order_info"));
  CHECK(N("SELECT * FROM information_schema.TABLES WHERE TABLE_NAME = 'order_info'"));
  CHECK(N("PREPARE s FROM 'SELECT * FROM order_info'"));
  CHECK_FALSE(N("SELECT * FROM order_info_history"));
  CHECK_FALSE(N("SELECT * FROM ORDER_INFO"));  // table names are case-sensitive, as on the server
  CHECK_FALSE(N("SELECT 1 /* order_info */"));
  CHECK_FALSE(analyze_statement("SELECT * FROM order_info").names_routed);  // no names given
  CHECK(analyze_statement("SHOW FULL TABLES FROM orders").lists_names);
  CHECK(analyze_statement("show databases").lists_names);
  CHECK_FALSE(analyze_statement("SHOW VARIABLES").lists_names);
}

TEST_CASE("analysis: stored function calls pin, built-ins and column lists do not", "[analysis]") {
  for (const char* sql :
       {"SELECT f()", "SELECT f (1)", "SELECT db.f(1)", "SELECT `f`(1)", "SELECT `db`.`f`(1)", "SELECT 1 + status(2)",
        "SELECT COUNT(*), my_func(a) FROM t", "UPDATE t SET a = f(b)", "INSERT INTO t (a) VALUES (f(1))",
        "INSERT INTO t (a) SELECT g(x) FROM s", "SET @a = f()", "SELECT * FROM t WHERE a IN (SELECT f(b) FROM s)",
        "WITH c AS (SELECT 1) SELECT a, f(a) FROM c", "WITH c (x) AS (SELECT f(1)) SELECT x FROM c",
        "SELECT a FROM t GROUP BY a WITH ROLLUP ORDER BY a, f(a)", "SELECT 1; SELECT f()", "/*!SELECT f()*/",
        "DO f()", "SELECT 1 FROM t WHERE EXISTS (SELECT 1) AND f(1)", "LOAD DATA INFILE 'x' INTO TABLE t (a) SET b = f(a)",
        "PREPARE s FROM 'SELECT f()'", "SELECT `if`(1, 2, 3)"}) {
    INFO(sql);
    CHECK(A(sql).has(fx::routine));
  }
  for (const char* sql :
       {"SELECT COUNT(*), SUM(a), CONCAT(a, 'x'), IF(a, 1, 2), NOW(), DATE(a) FROM t",
        "SELECT CAST(a AS DECIMAL(10,2)), CONVERT(a, CHAR(3)), CHAR(65 USING utf8mb4), LEFT(a, 2), ROW_NUMBER() OVER (PARTITION BY a)",
        "INSERT INTO t (a, b) VALUES (1, 2)", "INSERT t (a) VALUES (1)", "INSERT INTO db.t (a) VALUES (1)",
        "INSERT INTO `t` (`a`) VALUES (1) ON DUPLICATE KEY UPDATE a = VALUES(a)", "REPLACE INTO t (a) VALUES (1)",
        "SELECT * FROM t WHERE (a, b) IN ((1, 2)) AND EXISTS (SELECT 1)", "SELECT * FROM t1 JOIN t2 USING (id)",
        "SELECT * FROM t FORCE INDEX (idx) WHERE MATCH (a) AGAINST ('x')", "SELECT * FROM t PARTITION (p0)",
        "WITH c (x, y) AS (SELECT 1, 2), d (z) AS (SELECT 3) SELECT * FROM c, d",
        "WITH RECURSIVE r (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r",
        "SELECT ST_AsText(POINT(1, 2)), JSON_EXTRACT(j, '$.a') FROM t",
        "SELECT * FROM JSON_TABLE('[1]', '$[*]' COLUMNS (a INT PATH '$')) AS jt"}) {
    INFO(sql);
    CHECK_FALSE(A(sql).has(fx::routine));
  }
  // DDL: column lists and types are no calls.
  for (const char* sql :
       {"CREATE TABLE t (id INT(11) NOT NULL, a VARCHAR(20), b DECIMAL(10,2), c ENUM('x'), d TEXT(10), PRIMARY KEY (id), "
        "KEY k (a), UNIQUE KEY u (b), CONSTRAINT fk FOREIGN KEY (a) REFERENCES p (x)) PARTITION BY HASH(id) PARTITIONS 4",
        "CREATE TABLE IF NOT EXISTS db.t (a INT)", "CREATE INDEX i ON t (a)", "ALTER TABLE t ADD INDEX idx_a (a)",
        "CREATE VIEW v (a) AS SELECT 1", "CREATE TABLE `t` (`a` int)"}) {
    INFO(sql);
    CHECK_FALSE(A(sql).has(fx::routine));
  }
}

TEST_CASE("analysis: built-in names", "[analysis]") {
  CHECK(builtin_name("concat"));
  CHECK(builtin_name("COUNT"));
  CHECK(builtin_name("St_AsText"));
  CHECK_FALSE(builtin_name("status"));
  CHECK_FALSE(builtin_name("my_func"));
  CHECK_FALSE(builtin_name(std::string(100, 'A')));
}

TEST_CASE("analysis: writes to tables with triggers", "[analysis]") {
  const std::vector<std::string> triggers{"audit", "orders"};  // lower-cased, sorted
  analysis_options o;
  o.trigger_tables = &triggers;
  for (const char* sql :
       {"INSERT INTO orders (a) VALUES (1)", "UPDATE `Orders` SET a = 1", "DELETE FROM db.audit WHERE id = 1",
        "REPLACE INTO ORDERS VALUES (1)", "LOAD DATA INFILE 'f' INTO TABLE audit", "SELECT 1; INSERT INTO orders VALUES (1)",
        "/*!INSERT INTO orders VALUES (1)*/", "UPDATE t JOIN orders o ON o.id = t.id SET t.a = 1",
        "SET STATEMENT max_statement_time = 1 FOR INSERT INTO orders VALUES (1)"}) {
    INFO(sql);
    auto a = analyze_statement(sql, o);
    CHECK(a.has(fx::routine));
    CHECK(a.why == "a write to a table with triggers");
  }
  CHECK(analyze_statement("PREPARE s FROM 'DELETE FROM audit'", o).has(fx::routine));
  for (const char* sql : {"SELECT * FROM orders", "INSERT INTO orders_2024 VALUES (1)", "CREATE TABLE orders2 LIKE orders",
                          "INSERT INTO t VALUES ('orders')", "ALTER TABLE orders ADD COLUMN b INT"}) {
    INFO(sql);
    CHECK_FALSE(analyze_statement(sql, o).has(fx::routine));
  }
  CHECK_FALSE(analyze_statement("INSERT INTO orders VALUES (1)").has(fx::routine));  // no list: no pin
}

TEST_CASE("analysis: CREATE TRIGGER names its table", "[analysis]") {
  using list = std::vector<std::string>;
  CHECK(A("CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET @v = 1").trigger_on == list{"t"});
  CHECK(A("CREATE DEFINER=`root`@`%` TRIGGER IF NOT EXISTS db.tr AFTER UPDATE ON `db`.`T x` FOR EACH ROW "
          "SELECT 1 INTO @v")
            .trigger_on == list{"T x"});
  CHECK(A("/*!50003 CREATE OR REPLACE TRIGGER tr BEFORE DELETE ON d.t FOR EACH ROW BEGIN END */").trigger_on ==
        list{"t"});
  CHECK(A("CREATE TRIGGER a BEFORE INSERT ON t1 FOR EACH ROW SET @v = 1; "
          "CREATE TRIGGER b BEFORE INSERT ON t2 FOR EACH ROW SET @v = 2")
            .trigger_on == list{"t1", "t2"});
  CHECK(A("PREPARE s FROM 'CREATE TRIGGER tr BEFORE INSERT ON t3 FOR EACH ROW SET @v = 1'").trigger_on == list{"t3"});
  CHECK(A("CREATE TABLE t (a INT)").trigger_on.empty());
  CHECK(A("CREATE INDEX i ON t (a)").trigger_on.empty());
  CHECK(A("DROP TRIGGER tr").trigger_on.empty());
}

TEST_CASE("analysis: the proxy's own variable shardwire_transaction_mode", "[analysis]") {
  auto P = [](std::string_view sql) { return analyze_statement(sql).proxy_variable; };
  for (const char* sql : {"SET shardwire_transaction_mode = 'xa'", "SET SESSION shardwire_transaction_mode = 'local'",
                          "set SHARDWIRE_TRANSACTION_MODE = DEFAULT", "SET @@shardwire_transaction_mode = 'xa'",
                          "SET @@session.shardwire_transaction_mode = 'xa'", "SELECT @@session.shardwire_transaction_mode",
                          "SELECT @@shardwire_transaction_mode", "SET `shardwire_transaction_mode` = 1",
                          "SET autocommit = 0, shardwire_transaction_mode = 'xa'",
                          "SELECT 1; SELECT @@shardwire_transaction_mode", "/*!SET shardwire_transaction_mode = 'xa'*/"}) {
    INFO(sql);
    CHECK(P(sql));
  }
  for (const char* sql : {"SELECT my_shardwire_transaction_mode", "SELECT shardwire_transaction_mode_2",
                          "SELECT 'shardwire_transaction_mode'", "SELECT \"shardwire_transaction_mode\"",
                          "SELECT @shardwire_transaction_mode", "SELECT 1 /* shardwire_transaction_mode */",
                          "SET transaction_mode = 'xa'", "SELECT @@session.tx_isolation"}) {
    INFO(sql);
    CHECK_FALSE(P(sql));
  }
}
