# "statement ~ expected fragment of the error message". integration/parser_syntax reports
# which of these MariaDB accepts (constructs the parser refuses as unsupported).
SELECT ~ expected an expression
SELECT a FROM ~ expected an identifier
SELECT a FROM t WHERE ~ expected an expression
SELECT (1 + 2 ~ expected ')'
SELECT a FROM t ORDER a ~ unexpected text after the statement
SELECT a FROM t LIMIT ~ expected an expression
INSERT INTO t ~ expected VALUES, SET or SELECT
INSERT INTO t (a VALUES (1) ~ expected ')'
UPDATE t WHERE a = 1 ~ expected SET
DELETE t ~ expected FROM
SELECT a FROM t WHERE a NOT 5 ~ unexpected text after the statement near 'NOT 5'
SELECT a FROM t WHERE a IS 5 ~ expected NULL, TRUE, FALSE or UNKNOWN
SELECT 'unterminated ~ unterminated string
SELECT a FROM t ORDER BY a UNION SELECT b FROM u ~ needs parentheses
 ~ empty statement
SELECT a FROM t WHERE CASE WHEN a THEN 1 ~ expected END
SELECT a FROM t GROUP BY ~ expected an expression
SELECT a FROM t WHERE a IN () ~ unexpected ')'
SELECT * FROM t WHERE a BETWEEN 1 ~ expected AND
SELECT a FROM t1 JOIN t2 ON ~ expected an expression
SELECT 1 UNION ~ expected SELECT
WITH c AS SELECT 1 SELECT * FROM c ~ expected '('
SELECT CASE END ~ unexpected END
SELECT `unterminated FROM t ~ unterminated quoted identifier
SELECT /* open comment ~ unterminated comment
SELECT /*!40101 1 ~ unterminated versioned comment
SELECT @ FROM t ~ empty variable name
SELECT a FROM t WHERE a = :named ~ unexpected ':'
INSERT INTO t (a) VALUES (1), ~ expected '('
INSERT INTO t (a) VALUES (1) ON DUPLICATE KEY a = 1 ~ expected UPDATE
UPDATE t SET a = ~ expected an expression
CREATE INDEX ON t (a) ~ expected an identifier
DROP INDEX idx_a ~ expected ON
RENAME TABLE a b ~ expected TO
USE ~ expected an identifier
SHARDWIRE SELECT 1 ~ expected EXPLAIN
# valid MariaDB the parser refuses (see router/README.md, "Known gaps")
SELECT CAST((SELECT 1) AS CHAR) ~ subquery inside CAST
DELETE FROM t WHERE a = 1 RETURNING a ~ DELETE ... RETURNING is not supported
INSERT INTO t PARTITION (p0) (a) VALUES (1) ~ INSERT ... PARTITION (...) is not supported
SET STATEMENT max_statement_time = 1 FOR SELECT * FROM t ~ SET STATEMENT ... FOR is not supported
SELECT * FROM JSON_TABLE('[1,2]', '$[*]' COLUMNS (x INT PATH '$')) AS jt ~ table functions (JSON_TABLE, ...) are not supported
SELECT * FROM t1 JOIN t2 JOIN t3 ON t2.a = t3.a ON t1.a = t2.a ~ joins nested to the right without parentheses
SELECT _binary X'41' ~ unexpected text after the statement near 'X'41''
# MySQL 8 syntax MariaDB 10.11 rejects too
INSERT INTO t (a, b) VALUES (1, 2) AS new ON DUPLICATE KEY UPDATE b = new.b ~ AS row alias (MySQL 8.0.19) is not supported
SELECT * FROM (SELECT 1 AS a) AS x (b) ~ unexpected text after the statement near '(b)'

START TRANSA """" CTION ~ unexpected 'TRANSA' in a transaction statement
COMMIT 'x; DROP TABLE t' ~ in a transaction statement
SAVEPOINT a b ~ in a transaction statement
SHOW TABLES;; ~ unexpected text after the statement
CREATE TABLE t (a INT, b VARCHAR(10));; ~ unexpected text after the statement
ALTER TABLE t ADD COLUMN c INT;; ~ unexpected text after the statement
