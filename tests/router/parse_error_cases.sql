# "statement ~ expected fragment of the error message"
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
SELECT CAST((SELECT 1) AS CHAR) ~ subquery inside CAST
INSERT INTO t VALUES (1) RETURNING a ~ RETURNING is not supported
 ~ empty statement
SELECT a FROM t WHERE CASE WHEN a THEN 1 ~ expected END
