# Round-trip table for router/parser + router/formatter (see parser_test.cpp).
# A statement per line; "=> text" on the next line when the normalized form differs.
# --- SELECT basics
SELECT 1
SELECT * FROM t
SELECT a, b FROM t
select a,b from t where x=1
=> SELECT a, b FROM t WHERE x = 1
SELECT t.a, db.t.b FROM db.t
SELECT `order`.`user id` FROM `order`
SELECT `a``b` FROM t
SELECT a AS x, b y, c AS `z z` FROM t
=> SELECT a AS x, b AS y, c AS `z z` FROM t
SELECT a AS 'x' FROM t
=> SELECT a AS `x` FROM t
SELECT DISTINCT a FROM t
SELECT SQL_CALC_FOUND_ROWS a FROM t LIMIT 10
SELECT t.* FROM t
SELECT COUNT(*) FROM t
SELECT COUNT(DISTINCT user_id) FROM order_info
SELECT SUM(amount), AVG(amount), MIN(amount), MAX(amount) FROM order_info GROUP BY user_id
SELECT user_id, COUNT(*) AS n FROM order_info GROUP BY user_id HAVING n > 1 ORDER BY n DESC LIMIT 10
SELECT a FROM t ORDER BY a, b DESC, c ASC
SELECT a FROM t LIMIT 10, 20
SELECT a FROM t LIMIT 20 OFFSET 10
SELECT a FROM t GROUP BY a WITH ROLLUP
SELECT 1 FROM DUAL
=> SELECT 1
SELECT a FROM t WHERE id = 1 FOR UPDATE
SELECT a FROM t WHERE id = 1 LOCK IN SHARE MODE
#! mysql-only
SELECT a FROM t WHERE id = 1 FOR SHARE
SELECT a FROM t FOR UPDATE NOWAIT
SELECT a FROM t FOR UPDATE SKIP LOCKED
SELECT a FROM t FOR UPDATE WAIT 5
SELECT orders.order_info.order_id, orders.order_item.price FROM orders.order_info JOIN orders.order_item ON orders.order_info.order_id = orders.order_item.order_id
SELECT `select`, `from`, `order`.`key` FROM `order` WHERE `where` = 1
SELECT `t`.`id` AS `id`, `t`.`name` AS `name` FROM `db`.`t` AS `t`
SELECT t.`order`, t.desc FROM t
SELECT 1 FROM t WHERE `a b` = 1 AND `c``d` = 2
SELECT a AS 'Total Amount' FROM t
=> SELECT a AS `Total Amount` FROM t
SELECT 'it''s' AS `it's`, `a``b` AS "c""d", 1 'e\'f'
=> SELECT 'it''s' AS `it's`, `a``b` AS `c"d`, 1 AS `e'f`
SELECT 1 AS `id`, 'x' AS "quoted alias"
=> SELECT 1 AS `id`, 'x' AS `quoted alias`
SELECT COUNT(*) c FROM t
=> SELECT COUNT(*) AS c FROM t
SELECT ünïcode_col FROM t
SELECT date, time, timestamp, user, status, type, `key` FROM t
SELECT YEAR(created_at), COUNT(*) FROM order_info GROUP BY YEAR(created_at)
SELECT user_id, status, COUNT(*) FROM order_info GROUP BY 1, 2 ORDER BY 3 DESC
SELECT DATE(created_at) AS d, COUNT(*) FROM order_info GROUP BY DATE(created_at) ORDER BY d DESC
SELECT status, SUM(amount) AS s FROM order_info GROUP BY status HAVING SUM(amount) > 100 AND COUNT(*) >= 2
SELECT user_id FROM order_info GROUP BY user_id HAVING MAX(amount) > 2 * AVG(amount)
SELECT t.a + 1 AS b FROM t HAVING b > 1
SELECT a, COUNT(*) c FROM t GROUP BY a HAVING c > 1 ORDER BY c DESC, a
=> SELECT a, COUNT(*) AS c FROM t GROUP BY a HAVING c > 1 ORDER BY c DESC, a
SELECT LEFT(name, 1) AS initial, COUNT(*) FROM users GROUP BY LEFT(name, 1) WITH ROLLUP
SELECT 1 FROM t WHERE a = 1 GROUP BY a ORDER BY NULL
SELECT a, b FROM t ORDER BY a + b DESC, FIELD(status, 'new', 'paid', 'done')
SELECT a FROM t WHERE a IS NOT NULL ORDER BY a IS NULL, a
SELECT a FROM t ORDER BY 1 DESC LIMIT ? OFFSET ?
SELECT a FROM t LIMIT ?, ?
SELECT * FROM t LIMIT 0
SELECT a, b, c FROM t ORDER BY a ASC, b DESC LIMIT 50 OFFSET 100
SELECT DISTINCT user_id FROM order_info ORDER BY user_id DESC LIMIT 20
SELECT DISTINCT a, b FROM t WHERE c = 1 ORDER BY b
SELECT DISTINCTROW a FROM t
SELECT ALL a FROM t
SELECT SQL_NO_CACHE a FROM t
SELECT HIGH_PRIORITY STRAIGHT_JOIN a FROM t1, t2
SELECT SQL_BUFFER_RESULT SQL_BIG_RESULT a FROM t GROUP BY a
SELECT SQL_CALC_FOUND_ROWS * FROM t WHERE a > 1 LIMIT 10
SELECT COUNT(*) AS cnt FROM order_info WHERE user_id = ? AND status = ? AND created_at > ?
SELECT 1 FROM DUAL WHERE 1 = 1
=> SELECT 1 WHERE 1 = 1
SELECT * FROM t WHERE id = ? FOR UPDATE
SELECT a FROM t WHERE a = 1 LIMIT 1 FOR UPDATE
SELECT * FROM t WHERE id = 1 AND version = ? FOR UPDATE SKIP LOCKED
SELECT * FROM order_info WHERE user_id = 7 AND order_id = 1001 LIMIT 1 LOCK IN SHARE MODE
SELECT a INTO @x FROM t WHERE id = 1
SELECT a, b FROM t WHERE id = 1 INTO @x, @y
SELECT @@version_comment LIMIT 1
SELECT @@tx_isolation, @@session.autocommit, @@global.read_only
SELECT @@global.max_connections + 1, @@SESSION.sql_mode, @@`version`
SELECT DATABASE(), USER(), CURRENT_USER(), VERSION()
SELECT CURRENT_TIMESTAMP, CURRENT_DATE, CURRENT_USER
SELECT CURRENT_TIMESTAMP(6), NOW(3)
select count(*)from t where(a=1)
=> SELECT count(*) FROM t WHERE (a = 1)
SELECT `a` FROM`t`WHERE`b`=1
=> SELECT `a` FROM `t` WHERE `b` = 1
SELECT `t`.* , `u`.`x` FROM `t` JOIN `u` ON `t`.`id`=`u`.`id`
=> SELECT `t`.*, `u`.`x` FROM `t` JOIN `u` ON `t`.`id` = `u`.`id`
SELECT ?
SELECT a FROM t GROUP BY a HAVING COUNT(*) > ? ORDER BY a LIMIT ?
# --- expressions
SELECT 1 + 2 * 3
SELECT (1 + 2) * 3
SELECT -a, +b, ~c, !d FROM t
SELECT NOT a FROM t
SELECT a FROM t WHERE a = 1 AND b = 2 OR c = 3
SELECT a FROM t WHERE a = 1 && b = 2 || c = 3
SELECT a FROM t WHERE a XOR b
SELECT a FROM t WHERE a <=> NULL
SELECT a FROM t WHERE a <> 1 AND b != 2 AND c >= 3 AND d <= 4 AND e < 5 AND f > 6
SELECT a FROM t WHERE a IS NULL AND b IS NOT NULL AND c IS TRUE AND d IS NOT FALSE
SELECT a FROM t WHERE a BETWEEN 1 AND 10
SELECT a FROM t WHERE a NOT BETWEEN 1 AND 10
SELECT a FROM t WHERE a IN (1, 2, 3)
SELECT a FROM t WHERE a NOT IN (1, 2, 3)
SELECT a FROM t WHERE (a, b) IN ((1, 2), (3, 4))
SELECT a FROM t WHERE a LIKE 'x%'
SELECT a FROM t WHERE a NOT LIKE 'x%'
SELECT a FROM t WHERE a LIKE 'x\_%' ESCAPE '\\'
SELECT a FROM t WHERE a REGEXP '^x'
SELECT a FROM t WHERE a NOT RLIKE '^x'
SELECT a DIV 2, a MOD 3, a % 4, a / 5 FROM t
SELECT a | b, a & b, a ^ b, a << 2, a >> 1 FROM t
SELECT 'it''s', "dq", 'a\'b' FROM t
SELECT _utf8mb4'x', N'y', _binary'z'
SELECT X'0F', 0x0F, B'01', 0b01
SELECT 1.5, .5, 1e3, -1.5E-3
SELECT NULL, TRUE, FALSE
SELECT null, true
=> SELECT NULL, TRUE
SELECT DATE '2024-01-01', TIMESTAMP '2024-01-01 10:00:00'
SELECT @a, @@version, @@session.sql_mode, @`x y`
SELECT @a := 1
SELECT ? FROM t WHERE a = ? AND b IN (?, ?)
SELECT CASE WHEN a > 1 THEN 'x' WHEN a > 0 THEN 'y' ELSE 'z' END FROM t
SELECT CASE a WHEN 1 THEN 'one' END FROM t
SELECT IF(a > 1, 'x', 'y'), IFNULL(b, 0), COALESCE(c, d, 0) FROM t
SELECT CONCAT(a, '-', b), LEFT(a, 2), RIGHT(a, 2) FROM t
SELECT NOW(), CURDATE(), DATABASE(), LAST_INSERT_ID(), FOUND_ROWS(), ROW_COUNT()
SELECT CAST(a AS CHAR), CAST(b AS DECIMAL(10,2)) FROM t
SELECT CONVERT(a, CHAR), CONVERT(b USING utf8mb4) FROM t
SELECT EXTRACT(YEAR FROM created_at) FROM t
SELECT TRIM(LEADING 'x' FROM a), SUBSTRING(a FROM 2 FOR 3) FROM t
SELECT created_at + INTERVAL 1 DAY FROM t
SELECT DATE_ADD(created_at, INTERVAL 1 MONTH) FROM t
SELECT a COLLATE utf8mb4_bin FROM t
SELECT BINARY a FROM t
SELECT GROUP_CONCAT(DISTINCT a ORDER BY a SEPARATOR ',') FROM t
SELECT ROW_NUMBER() OVER (PARTITION BY a ORDER BY b) FROM t
SELECT MATCH (a, b) AGAINST ('x' IN BOOLEAN MODE) FROM t
#! mysql-only
SELECT j->'$.a', j->>'$.b' FROM t
=> SELECT j -> '$.a', j ->> '$.b' FROM t
SELECT a FROM t WHERE a SOUNDS LIKE 'x'
SELECT 1 = 1, 1 <=> NULL, NULL IS UNKNOWN
SELECT 1 IS NOT TRUE, 0 IS FALSE, NULL IS NOT UNKNOWN, 1 IS NOT NULL IS TRUE
SELECT ~0, -(-1), - -1, !0, - - - 2
=> SELECT ~0, -(-1), - -1, !0, - - -2
SELECT -(1 + 2) * 3, -1 * -1, - (-2)
=> SELECT -(1 + 2) * 3, -1 * -1, -(-2)
SELECT 1 - -1, 1 + +1, - - 2
=> SELECT 1 - -1, 1 + +1, - -2
SELECT 5 DIV 2, 5 MOD 2, -5 % 3, MOD(5, 3), 7 DIV 2.5
SELECT 2 + 3 * 4 - 1, (2 + 3) * (4 - 1), 2 - (3 - 4)
SELECT 10 - 2 - 3, 100 / 10 / 5, 2 * 3 % 4
SELECT 1 << 2 | 1, (1 | 2) & 3, 1 << 3 >> 1, 6 & 3 | 8, ~0 >> 63
SELECT ~1 & 3, 5 ^ 3 * 2, -2 ^ 2
SELECT NOT 1 + 1, !1 + 1, !(0 + 1), NOT 0 = 1
SELECT 1 XOR 1 XOR 0, 1 OR 0 AND 0, 1 && 0 || 1, (1 || 0) && 0
SELECT 2 + 3 * 4 = 14 AND 1 < 2 OR 0
SELECT 1 < 2 = 1, (1 < 2) = 1, 1 = 1 = 1, 2 > 1 > 0
SELECT 3 BETWEEN 1 AND 5 AND 1, 2 IN (1, 2) = 1, 1 BETWEEN 0 AND 2 BETWEEN 0 AND 1
SELECT NULL IS NULL, NOT NULL, NOT NOT 1
SELECT 3 IN (1, 2, 3), 4 NOT IN (1, 2), (1, 2) IN ((1, 2), (3, 4))
SELECT (1, 2) = (1, 2), ROW(1, 2) = (1, 2), ROW(1, 2) IN (ROW(1, 2))
SELECT 'a' = 'A', 'a' = BINARY 'A', BINARY 'a' = 'A'
SELECT 'x' LIKE '%', 'x' NOT LIKE 'y%', 'a%' LIKE 'a!%' ESCAPE '!', 'a_c' LIKE 'a\_c'
SELECT 'abc' REGEXP 'b' AND NOT 'abc' REGEXP 'z'
SELECT 'a' COLLATE utf8mb4_bin = 'A'
SELECT 1 + '1', '10' * 2, 3 / 2
SELECT 0x10 + 1, b'11' + 0, X'41' = 'A', 0x4142 = 'AB'
SELECT X'4D7953514C', 0xDEADBEEF, b'1010', x'', X''
SELECT 1e-3, 3.14159, 1.0E+10, 00123, .5
SELECT -2147483648, 18446744073709551615, -9223372036854775808
SELECT 'it''s', 'a\'b', "q""q", 'tab\tx', 'nl\nx', 'bs\\x'
SELECT 'a\nb', 'tab\there', 'back\\slash', 'quote\"d', 'percent\%'
SELECT '\'', "\"", '\\', '%\_', '', ""
SELECT "double ""quoted"" string"
SELECT 'emoji 😀', 'ünïcödé' FROM t
SELECT 'multi' 'part' 'string'
SELECT 'x' 'y' = 'xy', CONCAT('a' 'b', 'c')
SELECT a FROM t WHERE b = 'O''Brien' OR b = 'C:\\path\\file'
SELECT _latin1'abc', _utf8mb4 'spaced', _binary 'b', _UTF8MB4'upper'
SELECT _latin1'x' = 'x', _utf8mb4'abc' COLLATE utf8mb4_unicode_ci
SELECT _foo'not an introducer'
=> SELECT _foo AS `not an introducer`
SELECT N'national' = 'national', n'x'
SELECT CONCAT('a', 'b') = 'ab', CONCAT_WS('-', 1, 2, 3), LENGTH('abc') * 2
SELECT COALESCE(NULL, NULL, 3), GREATEST(1, 5, 3), LEAST('b', 'a'), COALESCE(NULLIF(a, ''), 'default') FROM t
SELECT IF(1 > 0, 'yes', 'no'), IF(NULL, 1, 2), CASE NULL WHEN NULL THEN 'n' ELSE 'e' END
SELECT IF(a IS NULL, 'n', IF(a > 0, 'p', 'z')) FROM t
SELECT IFNULL(NULL, 'x') = 'x', NULLIF(1, 1) IS NULL
SELECT CASE WHEN amount IS NULL THEN 0 WHEN amount < 0 THEN -amount ELSE amount END AS abs_amount FROM order_info
SELECT CASE WHEN 1 > 0 THEN CASE 2 WHEN 2 THEN 'x' END ELSE 'y' END
SELECT CASE 1 WHEN 1 THEN 'a' ELSE 'b' END, CASE WHEN NULL THEN 1 END
SELECT SUM(CASE WHEN status = 'paid' THEN amount ELSE 0 END) AS paid, SUM(CASE WHEN status = 'new' THEN amount END) AS open FROM order_info WHERE user_id = ?
SELECT IFNULL(SUM(amount), 0) AS total FROM order_info WHERE user_id = ?
SELECT COUNT(DISTINCT user_id, status) FROM order_info
SELECT COUNT(ALL a), SUM(DISTINCT a), COUNT(1) FROM t
=> SELECT COUNT(a), SUM(DISTINCT a), COUNT(1) FROM t
SELECT STD(a), VARIANCE(a), BIT_AND(a), BIT_OR(a), BIT_XOR(a) FROM t
SELECT GROUP_CONCAT(name ORDER BY name DESC SEPARATOR '; ') FROM t GROUP BY grp
SELECT GROUP_CONCAT(a, b ORDER BY a ASC, b DESC SEPARATOR '') FROM t
SELECT GROUP_CONCAT(a SEPARATOR ','), GROUP_CONCAT(a LIMIT 2) FROM t
SELECT user_id, amount, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY amount DESC) AS rn FROM order_info
SELECT user_id, SUM(amount) OVER (PARTITION BY user_id ORDER BY created_at ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running FROM order_info
SELECT RANK() OVER w, DENSE_RANK() OVER w FROM t WINDOW w AS (ORDER BY a)
SELECT user_id, amount, amount - LAG(amount) OVER w AS delta FROM order_info WINDOW w AS (PARTITION BY user_id ORDER BY created_at) ORDER BY user_id LIMIT 10
SELECT LAG(amount, 1) OVER (ORDER BY created_at), LEAD(amount) OVER (ORDER BY created_at) FROM order_info
SELECT AVG(amount) OVER (), COUNT(*) OVER (PARTITION BY status) FROM order_info
SELECT NTILE(4) OVER (ORDER BY amount), FIRST_VALUE(amount) OVER (PARTITION BY user_id ORDER BY created_at) FROM order_info
SELECT PERCENT_RANK() OVER (ORDER BY a), CUME_DIST() OVER (ORDER BY a) FROM t
SELECT JSON_EXTRACT(attrs, '$.color'), JSON_UNQUOTE(JSON_EXTRACT(attrs, '$.size')) FROM product
SELECT JSON_OBJECT('id', id, 'name', name), JSON_ARRAY(1, 2, 3) FROM t
SELECT * FROM product WHERE JSON_CONTAINS(tags, '"sale"') AND JSON_VALUE(attrs, '$.price') > 10
SELECT JSON_SET(doc, '$.a', 1), JSON_REMOVE(doc, '$.b'), JSON_LENGTH(doc) FROM t
SELECT JSON_ARRAYAGG(name), JSON_OBJECTAGG(id, name) FROM t GROUP BY grp
SELECT JSON_KEYS(doc), JSON_TYPE(doc), JSON_VALID(doc), JSON_QUOTE('x') FROM t
SELECT * FROM t WHERE JSON_EXTRACT(doc, '$.id') = ? AND JSON_CONTAINS_PATH(doc, 'one', '$.a', '$.b')
SELECT JSON_EXTRACT('{"a": [1, 2]}', '$.a[1]'), JSON_UNQUOTE('"x"'), JSON_VALID('{')
SELECT TRIM(BOTH ' ' FROM name), TRIM(TRAILING '.' FROM s), TRIM(name) FROM t
SELECT TRIM(BOTH FROM '  x  '), TRIM(LEADING '0' FROM '007')
SELECT SUBSTRING(name, 1, 3), SUBSTR(name FROM 2), SUBSTRING_INDEX(email, '@', -1) FROM t
SELECT SUBSTRING('hello' FROM 2 FOR 3), SUBSTRING('hello', -3), POSITION('l' IN 'hello')
SELECT POSITION('@' IN email), LOCATE('@', email), INSTR(email, '@') FROM users
SELECT CHAR(65, 66 USING utf8mb4), CHAR(77), CONCAT_WS(',', a, b), REPLACE(a, 'x', 'y') FROM t
SELECT WEIGHT_STRING('ab'), ASCII('a'), ORD('a')
SELECT CONVERT(name USING latin1), CAST(created_at AS DATE), CAST(amount AS SIGNED INTEGER) FROM order_info
SELECT CAST(a AS BINARY), CAST(a AS CHAR CHARACTER SET utf8mb4), CAST('2024-01-01' AS DATETIME(3)) FROM t
SELECT CAST(? AS CHAR(10)), CAST(? AS UNSIGNED), CONVERT(?, DATETIME)
SELECT CAST(1.5 AS SIGNED), CAST('12' AS UNSIGNED) + 1, CONVERT('x', CHAR(5))
SELECT CONVERT('x' USING utf8mb4) COLLATE utf8mb4_bin
SELECT DATE_FORMAT(created_at, '%Y-%m-%d'), STR_TO_DATE('2024-01-02', '%Y-%m-%d') FROM order_info
SELECT TIMESTAMPDIFF(DAY, created_at, NOW()), DATE_SUB(NOW(), INTERVAL 7 DAY) FROM order_info
SELECT INTERVAL 1 DAY + DATE '2024-01-31', DATE '2024-01-31' + INTERVAL 1 MONTH
SELECT DATE_ADD(DATE '2024-01-01', INTERVAL '1:30' HOUR_MINUTE), DATE_ADD(?, INTERVAL ? DAY)
SELECT EXTRACT(DAY FROM DATE '2024-03-15'), EXTRACT(YEAR_MONTH FROM created_at) FROM t
SELECT FROM_UNIXTIME(ts), UNIX_TIMESTAMP(created_at), DATEDIFF(NOW(), created_at) FROM t
SELECT LAST_DAY(d), DAYOFWEEK(d), WEEK(d, 1), QUARTER(d), MONTHNAME(d) FROM t
SELECT LPAD(id, 8, '0'), RPAD(name, 10, '.'), REVERSE(name), REPEAT('ab', 3) FROM t
SELECT HEX('A'), UNHEX('4142'), BIN(5), CONV('ff', 16, 10), OCT(8)
SELECT ROUND(2.567, 2), TRUNCATE(2.567, 1), FLOOR(-1.5), CEILING(1.2), ABS(-3), SIGN(-2), POW(2, 10)
SELECT STRCMP('a', 'b'), FIELD('b', 'a', 'b'), FIND_IN_SET('c', 'a,b,c'), ELT(1, 'x', 'y')
SELECT MD5(a), SHA2(a, 256), UUID(), RAND(), INET_ATON('10.0.0.1'), INET6_NTOA(ip) FROM t
SELECT LOWER(email), UPPER(name), LENGTH(name), CHAR_LENGTH(name) FROM users
SELECT * FROM t WHERE (a = 1 OR b = 2) AND (c = 3 OR d = 4)
SELECT * FROM t WHERE NOT (a = 1 AND b = 2)
SELECT a FROM t WHERE a = 1 AND NOT b
SELECT a FROM t WHERE NOT a IN (1, 2)
SELECT a FROM t WHERE a IN (1) OR a NOT IN (2) AND NOT a = 3
SELECT a FROM t WHERE ((a = 1) OR (b = 2))
SELECT * FROM t WHERE a = 1 OR a = 2 XOR a = 3
SELECT * FROM t WHERE a IN (?)
SELECT * FROM t WHERE a = ? OR a IS NULL
SELECT COUNT(*) FROM t WHERE a <=> ?
SELECT * FROM t WHERE (a, b) > (1, 2)
SELECT * FROM order_info WHERE created_at >= NOW() - INTERVAL 30 DAY
SELECT * FROM order_info WHERE created_at BETWEEN ? AND ? AND status <> 'cancelled'
SELECT a FROM t WHERE a BETWEEN 1 + 1 AND 10 - 1
SELECT a FROM t WHERE a NOT BETWEEN ? AND ? AND b NOT LIKE ?
SELECT * FROM t WHERE a LIKE CONCAT('%', ?, '%')
SELECT a FROM t WHERE a LIKE ? ESCAPE '!'
SELECT a REGEXP '^[a-z]+$', a NOT REGEXP 'x' FROM t
SELECT a FROM t WHERE a REGEXP ? OR a RLIKE ?
SELECT * FROM t WHERE a = b COLLATE utf8mb4_bin
SELECT a FROM t WHERE a = 'x' COLLATE utf8mb4_general_ci ORDER BY a COLLATE utf8mb4_bin
SELECT * FROM t WHERE BINARY a = 'X'
SELECT * FROM t WHERE MATCH (title, body) AGAINST (? IN NATURAL LANGUAGE MODE)
SELECT @a:=@a+1 AS rownum FROM t, (SELECT @a:=0) AS init
=> SELECT @a := @a + 1 AS rownum FROM t, (SELECT @a := 0) AS init
SELECT ? AS a, ? AS b, 1 + ? * ?
SELECT 1 /* multi */ + /* comments */ 2
=> SELECT 1 + 2
SELECT GREATEST(a, b), LEAST(a, b), ABS(a), ROUND(amount, 2), FLOOR(x), CEIL(x) FROM t
SELECT a FROM t WHERE a = -1 AND b = - 1
=> SELECT a FROM t WHERE a = -1 AND b = -1
SELECT CASE WHEN a = ? THEN ? ELSE ? END FROM t WHERE b LIKE ? ESCAPE ?
SELECT * FROM t WHERE (a, b) IN ((?, ?), (?, ?))
SELECT COALESCE(?, a), IFNULL(?, ?) FROM t
SELECT * FROM t WHERE a = ? COLLATE utf8mb4_bin
# --- subqueries
SELECT a FROM t WHERE a IN (SELECT b FROM u)
SELECT a FROM t WHERE a NOT IN (SELECT b FROM u WHERE u.c = t.c)
SELECT a FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.id = t.id)
SELECT a FROM t WHERE NOT EXISTS (SELECT 1 FROM u)
SELECT (SELECT MAX(b) FROM u) AS m FROM t
SELECT a FROM t WHERE a > ANY (SELECT b FROM u)
SELECT a FROM t WHERE a = ALL (SELECT b FROM u)
SELECT x.a FROM (SELECT a FROM t) AS x
SELECT x.a FROM (SELECT a FROM t) x
=> SELECT x.a FROM (SELECT a FROM t) AS x
SELECT o.order_id, o.user_id, (SELECT COUNT(*) FROM order_item i WHERE i.order_id = o.order_id) AS items FROM order_info o WHERE o.user_id = ?
=> SELECT o.order_id, o.user_id, (SELECT COUNT(*) FROM order_item AS i WHERE i.order_id = o.order_id) AS items FROM order_info AS o WHERE o.user_id = ?
SELECT * FROM (SELECT user_id, SUM(amount) AS total FROM order_info GROUP BY user_id) AS s WHERE s.total > (SELECT AVG(amount) FROM order_info)
SELECT a FROM t WHERE a IN (SELECT b FROM u WHERE b IN (SELECT c FROM v WHERE c > 0))
SELECT o.* FROM order_info o WHERE o.amount > (SELECT AVG(o2.amount) FROM order_info o2 WHERE o2.user_id = o.user_id)
=> SELECT o.* FROM order_info AS o WHERE o.amount > (SELECT AVG(o2.amount) FROM order_info AS o2 WHERE o2.user_id = o.user_id)
SELECT (SELECT name FROM users u WHERE u.id = o.user_id) AS user_name, o.amount FROM order_info o
=> SELECT (SELECT name FROM users AS u WHERE u.id = o.user_id) AS user_name, o.amount FROM order_info AS o
SELECT * FROM t WHERE a = (SELECT MAX(a) FROM t)
SELECT * FROM t WHERE (a, b) = (SELECT a, b FROM u LIMIT 1)
SELECT * FROM t WHERE a IN (SELECT b FROM (SELECT b FROM u) AS d)
SELECT * FROM t WHERE a IN ((SELECT b FROM u))
SELECT * FROM t WHERE a IN (SELECT MAX(a) FROM t GROUP BY b HAVING COUNT(*) > 1)
SELECT * FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.a = t.a AND EXISTS (SELECT 1 FROM v WHERE v.b = u.b))
SELECT * FROM t WHERE id IN (SELECT id FROM u) AND status = 'ok' ORDER BY id LIMIT 100
SELECT a FROM t WHERE a > SOME (SELECT b FROM u)
SELECT a FROM t WHERE a <> ALL (SELECT b FROM u WHERE u.c = t.c)
SELECT EXISTS (SELECT 1 FROM t WHERE a = 1), NOT EXISTS (SELECT 1 FROM t)
SELECT (SELECT 1) + (SELECT 2), (SELECT 1 UNION SELECT 1), EXISTS (SELECT 1 WHERE 0)
SELECT 1 FROM DUAL WHERE 1 IN (SELECT 1)
=> SELECT 1 WHERE 1 IN (SELECT 1)
SELECT a FROM t WHERE a BETWEEN (SELECT 1) AND 5
SELECT * FROM (SELECT * FROM (SELECT a, b FROM t) AS x WHERE x.a > 0) AS y ORDER BY y.b
SELECT `t`.`a` FROM `orders`.`t` WHERE `t`.`b` IN (SELECT `u`.`b` FROM `orders`.`u`)
SELECT * FROM order_info WHERE user_id = ? AND order_id IN (SELECT order_id FROM order_item WHERE user_id = ? AND price > ?)
# --- joins
SELECT * FROM a JOIN b ON a.id = b.id
SELECT * FROM a INNER JOIN b ON a.id = b.id
SELECT * FROM a CROSS JOIN b
SELECT * FROM a LEFT JOIN b ON a.id = b.id
SELECT * FROM a LEFT OUTER JOIN b ON a.id = b.id
SELECT * FROM a RIGHT JOIN b USING (id)
SELECT * FROM a NATURAL JOIN b
SELECT * FROM a STRAIGHT_JOIN b ON a.id = b.id
SELECT * FROM a, b WHERE a.id = b.id
SELECT * FROM a AS x JOIN b AS y ON x.id = y.id JOIN c ON c.id = y.id
SELECT * FROM (a JOIN b ON a.id = b.id) LEFT JOIN c ON c.id = a.id
SELECT * FROM order_info o JOIN order_item i ON o.order_id = i.order_id WHERE o.user_id = 7
=> SELECT * FROM order_info AS o JOIN order_item AS i ON o.order_id = i.order_id WHERE o.user_id = 7
SELECT * FROM t USE INDEX (idx_a) WHERE a = 1
SELECT * FROM t AS x FORCE INDEX (PRIMARY) WHERE a = 1
SELECT * FROM t IGNORE INDEX FOR ORDER BY (idx_b) ORDER BY b
SELECT * FROM t PARTITION (p0)
SELECT o.order_id, i.item_id, p.name, u.email FROM order_info o JOIN order_item i ON i.order_id = o.order_id JOIN product p ON p.id = i.product_id LEFT JOIN users u ON u.id = o.user_id WHERE o.user_id = ? ORDER BY o.created_at DESC LIMIT ?
=> SELECT o.order_id, i.item_id, p.name, u.email FROM order_info AS o JOIN order_item AS i ON i.order_id = o.order_id JOIN product AS p ON p.id = i.product_id LEFT JOIN users AS u ON u.id = o.user_id WHERE o.user_id = ? ORDER BY o.created_at DESC LIMIT ?
SELECT o.order_id, COUNT(i.item_id) AS n, SUM(i.price * i.quantity) AS total FROM order_info AS o LEFT JOIN order_item AS i ON i.order_id = o.order_id AND i.user_id = o.user_id WHERE o.user_id IN (?, ?, ?) GROUP BY o.order_id HAVING COUNT(i.item_id) > 0 AND SUM(i.price) < 1000
SELECT u.name, t.total FROM users u JOIN (SELECT user_id, SUM(amount) total FROM order_info WHERE status IN ('paid', 'shipped') GROUP BY user_id) t ON t.user_id = u.id
=> SELECT u.name, t.total FROM users AS u JOIN (SELECT user_id, SUM(amount) AS total FROM order_info WHERE status IN ('paid', 'shipped') GROUP BY user_id) AS t ON t.user_id = u.id
SELECT o.user_id, o.order_id FROM order_info o WHERE (o.user_id, o.order_id) IN ((1, 10), (2, 20))
=> SELECT o.user_id, o.order_id FROM order_info AS o WHERE (o.user_id, o.order_id) IN ((1, 10), (2, 20))
SELECT * FROM order_info o JOIN order_item i ON (i.order_id, i.user_id) = (o.order_id, o.user_id)
=> SELECT * FROM order_info AS o JOIN order_item AS i ON (i.order_id, i.user_id) = (o.order_id, o.user_id)
SELECT * FROM t1 LEFT JOIN t2 ON t1.a = t2.a LEFT JOIN t3 ON t2.b = t3.b RIGHT JOIN t4 ON t3.c = t4.c
SELECT * FROM t1 JOIN t2 USING (a, b) JOIN t3 USING (c)
SELECT * FROM t1 NATURAL LEFT JOIN t2
SELECT * FROM t1 NATURAL RIGHT OUTER JOIN t2
SELECT * FROM t1 RIGHT OUTER JOIN t2 USING (id)
SELECT * FROM t1 CROSS JOIN t2 CROSS JOIN t3
SELECT * FROM t1, t2, t3 WHERE t1.a = t2.a AND t2.b = t3.b
SELECT * FROM t1 JOIN (t2 JOIN t3 ON t2.a = t3.a) ON t1.a = t2.a
SELECT t1.a, t2.b FROM t1 LEFT JOIN (t2, t3) ON t2.a = t1.a AND t3.a = t1.a
SELECT * FROM t1 INNER JOIN t2 ON (t1.a = t2.a AND t1.b = t2.b)
SELECT * FROM t1 STRAIGHT_JOIN t2 ON t1.a = t2.a WHERE t1.b = 1
SELECT * FROM t AS a JOIN t AS b ON a.parent_id = b.id
SELECT * FROM t FORCE INDEX FOR JOIN (idx_a) JOIN u USE KEY (PRIMARY) ON t.id = u.id
SELECT * FROM t USE INDEX () WHERE a = 1
SELECT * FROM t IGNORE INDEX (idx_a, idx_b)
SELECT /*+ BKA(t1) */ STRAIGHT_JOIN * FROM t1 JOIN t2 ON t1.a = t2.a
# --- set operations and CTEs
SELECT a FROM t UNION SELECT a FROM u
SELECT a FROM t UNION ALL SELECT a FROM u
SELECT a FROM t UNION DISTINCT SELECT a FROM u ORDER BY a LIMIT 5
(SELECT a FROM t ORDER BY a LIMIT 1) UNION (SELECT a FROM u ORDER BY a LIMIT 1)
(SELECT a FROM t) ORDER BY a
SELECT a FROM t INTERSECT SELECT a FROM u
SELECT a FROM t EXCEPT SELECT a FROM u
WITH c AS (SELECT a FROM t) SELECT * FROM c
WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 10) SELECT n FROM seq
SELECT a FROM t WHERE b = 1 UNION ALL SELECT a FROM u WHERE b = 2 UNION ALL SELECT a FROM v ORDER BY 1 LIMIT 10
(SELECT a FROM t) UNION (SELECT a FROM u) ORDER BY a DESC LIMIT 5
SELECT 1 UNION SELECT 2 UNION SELECT 3
SELECT 1 AS a UNION SELECT 2 ORDER BY a
SELECT a, b FROM t WHERE a = 1 UNION ALL SELECT a, b FROM t WHERE a = 2 LIMIT 5
SELECT * FROM (SELECT a FROM t UNION SELECT a FROM u) AS x
SELECT a FROM t WHERE a IN (SELECT a FROM u UNION SELECT a FROM v)
WITH a AS (SELECT 1 AS x), b AS (SELECT x + 1 AS y FROM a) SELECT * FROM a JOIN b
WITH totals AS (SELECT user_id, SUM(amount) AS total FROM order_info GROUP BY user_id) SELECT * FROM totals WHERE total > ? ORDER BY total DESC
# --- INSERT / REPLACE
INSERT INTO t VALUES (1, 'a')
INSERT INTO t (a, b) VALUES (1, DEFAULT) RETURNING a, b AS bee
INSERT INTO t (a, b) VALUES (1, 'a'), (2, 'b')
insert into t(a,b) values(1,'a')
=> INSERT INTO t (a, b) VALUES (1, 'a')
INSERT t (a) VALUES (1)
=> INSERT INTO t (a) VALUES (1)
INSERT INTO t (a) VALUE (1)
INSERT IGNORE INTO t (a) VALUES (1)
INSERT LOW_PRIORITY INTO t (a) VALUES (1)
INSERT INTO t SET a = 1, b = 'x'
INSERT INTO t (a, b) VALUES (1, 2) ON DUPLICATE KEY UPDATE b = VALUES(b), c = c + 1
INSERT INTO t (a) SELECT a FROM u WHERE a > 1
INSERT INTO t (a, b) VALUES (?, ?)
INSERT INTO t (a, b) VALUES (DEFAULT, NOW())
INSERT INTO t () VALUES ()
REPLACE INTO t (a, b) VALUES (1, 2)
INSERT INTO orders.order_info (order_id, user_id, amount) VALUES (1, 7, 10.50)
INSERT INTO order_info (order_id, user_id, amount, status, created_at) VALUES (?, ?, ?, 'new', NOW())
INSERT INTO order_item (order_id, item_id, user_id, price, quantity) VALUES (1, 1, 7, 9.99, 2), (1, 2, 7, 19.99 * 0.9, 1), (1, 3, 7, ROUND(5 / 3, 2), 3)
INSERT INTO t (a, b, c) VALUES (1, 'x', NULL), (2, CONCAT('y', 'z'), DEFAULT), (3, UPPER('w'), NOW() + INTERVAL 1 DAY)
INSERT INTO t VALUES (1), (2), (3)
INSERT INTO t (a, b) VALUE (1, 2), (3, 4)
INSERT INTO t (a) VALUES (-1), (+2), (- 3)
=> INSERT INTO t (a) VALUES (-1), (+2), (-3)
INSERT INTO `db`.`t` (`a`, `b`) VALUES (1, 2)
INSERT INTO `t` VALUES (1,'a\'b',NULL),(2,'c\\d',0x00FF)
=> INSERT INTO `t` VALUES (1, 'a\'b', NULL), (2, 'c\\d', 0x00FF)
INSERT INTO t (s) VALUES ('line1\nline2'), ('it\'s'), ('50\% off')
INSERT INTO t (b) VALUES (X'DEADBEEF'), (0x00)
INSERT INTO t (a) VALUES (_utf8mb4'x' COLLATE utf8mb4_bin)
INSERT INTO t (id, payload) VALUES (?, JSON_OBJECT('k', ?))
INSERT INTO t (id, created_at) VALUES (1, CURRENT_TIMESTAMP)
INSERT INTO t SET a = DEFAULT, b = ?
INSERT INTO counters (id, hits) VALUES (1, 1) ON DUPLICATE KEY UPDATE hits = hits + VALUES(hits)
INSERT INTO t (a, b) VALUES (?, ?), (?, ?) ON DUPLICATE KEY UPDATE b = VALUES(b), updated_at = NOW()
INSERT INTO t (id, name) VALUES (1, 'x') ON DUPLICATE KEY UPDATE name = 'x', version = version + 1
INSERT INTO t (a) VALUES (1) ON DUPLICATE KEY UPDATE a = DEFAULT
INSERT INTO t SET a = 1 ON DUPLICATE KEY UPDATE a = a + 1
INSERT INTO summary (user_id, total) SELECT o.user_id, SUM(i.price) FROM order_info o JOIN order_item i ON i.order_id = o.order_id GROUP BY o.user_id
=> INSERT INTO summary (user_id, total) SELECT o.user_id, SUM(i.price) FROM order_info AS o JOIN order_item AS i ON i.order_id = o.order_id GROUP BY o.user_id
INSERT INTO archive SELECT * FROM order_info WHERE created_at < ?
INSERT IGNORE INTO t (a) SELECT a FROM u WHERE NOT EXISTS (SELECT 1 FROM t WHERE t.a = u.a)
INSERT INTO t (a) SELECT a FROM u ON DUPLICATE KEY UPDATE a = u.a
INSERT INTO t (a) (SELECT a FROM u)
INSERT INTO t (a) WITH c AS (SELECT 1 AS a) SELECT a FROM c
INSERT INTO t (a, b) SELECT x, y FROM u UNION SELECT x, y FROM v
INSERT HIGH_PRIORITY IGNORE INTO t VALUES (1)
INSERT DELAYED INTO t (a) VALUES (1)
REPLACE INTO t SET a = 1, b = 'x'
REPLACE t (a, b) VALUES (1, 2)
=> REPLACE INTO t (a, b) VALUES (1, 2)
REPLACE INTO t (a) SELECT a FROM u
REPLACE LOW_PRIORITY INTO t VALUES (1)
REPLACE DELAYED INTO t VALUES (1)
INSERT INTO t (a, b) VALUES (?, ?) ON DUPLICATE KEY UPDATE b = ?
INSERT INTO order_info (order_id, user_id, amount) SELECT ?, ?, SUM(price) FROM order_item WHERE order_id = ?
# --- UPDATE / DELETE
UPDATE t SET a = 1
UPDATE t SET a = a + 1, b = 'x' WHERE id = 7
UPDATE t SET a = 1 WHERE id > 7 ORDER BY id LIMIT 10
UPDATE LOW_PRIORITY IGNORE t SET a = DEFAULT WHERE id = 1
UPDATE t AS x JOIN u ON x.id = u.id SET x.a = u.a WHERE u.b = 1
UPDATE order_info SET status = 'paid' WHERE order_id = ? AND user_id = ?
DELETE FROM t
DELETE FROM t WHERE id = 1
DELETE FROM t WHERE id > 1 ORDER BY id LIMIT 10
DELETE LOW_PRIORITY QUICK IGNORE FROM t WHERE a = 1
DELETE t FROM t JOIN u ON t.id = u.id WHERE u.x = 1
DELETE t1, t2 FROM t1 JOIN t2 ON t1.id = t2.id
DELETE FROM t1, t2 USING t1 JOIN t2 ON t1.id = t2.id
UPDATE order_info SET status = ?, updated_at = NOW() WHERE order_id = ? AND user_id = ? AND status = 'new'
UPDATE t SET a = a + 1 ORDER BY id DESC LIMIT 1
UPDATE t SET a = NULL, b = DEFAULT, c = c * 2 WHERE d IN (SELECT d FROM u)
UPDATE t SET `order` = 1, `t`.`key` = 2
UPDATE t1 JOIN t2 ON t1.id = t2.id JOIN t3 ON t3.id = t2.id SET t1.a = t3.a, t2.b = t3.b WHERE t3.c > 0
UPDATE t1, t2 SET t1.a = t2.a WHERE t1.id = t2.id
UPDATE order_info o LEFT JOIN order_item i ON i.order_id = o.order_id SET o.status = 'empty' WHERE i.order_id IS NULL
=> UPDATE order_info AS o LEFT JOIN order_item AS i ON i.order_id = o.order_id SET o.status = 'empty' WHERE i.order_id IS NULL
UPDATE t SET a = CASE WHEN b > 0 THEN 1 ELSE 0 END WHERE c = ?
UPDATE t SET j = JSON_SET(j, '$.n', ?) WHERE id = ?
UPDATE t SET a = (SELECT MAX(b) FROM u) WHERE id = 1
UPDATE IGNORE t SET a = 1 WHERE b = 2 LIMIT 10
UPDATE t SET a = 1 WHERE b = 2 ORDER BY c, d DESC LIMIT ?
UPDATE `db`.`t` SET `a` = 1
UPDATE t SET a := 1
=> UPDATE t SET a = 1
UPDATE db.t SET db.t.a = 1 WHERE db.t.b = 2
UPDATE t SET a = a + ?, b = IF(b IS NULL, ?, b) WHERE id IN (?, ?, ?)
UPDATE t SET d = DEFAULT(d)
DELETE FROM order_item WHERE order_id = ? AND user_id = ?
DELETE FROM t WHERE created_at < NOW() - INTERVAL 90 DAY ORDER BY created_at LIMIT 1000
DELETE FROM t WHERE id IN (SELECT id FROM u WHERE u.flag = 1)
DELETE o, i FROM order_info o JOIN order_item i ON i.order_id = o.order_id WHERE o.order_id = ?
=> DELETE o, i FROM order_info AS o JOIN order_item AS i ON i.order_id = o.order_id WHERE o.order_id = ?
DELETE o FROM order_info AS o LEFT JOIN order_item AS i ON i.order_id = o.order_id WHERE i.order_id IS NULL
DELETE t1.* FROM t1 JOIN t2 ON t1.a = t2.a
=> DELETE t1 FROM t1 JOIN t2 ON t1.a = t2.a
DELETE FROM t1 USING t1 JOIN t2 ON t1.a = t2.a WHERE t2.b = 1
DELETE FROM `db`.`t` WHERE `id` = 1
DELETE FROM t ORDER BY id LIMIT 1
DELETE QUICK FROM t WHERE a = 1
DELETE IGNORE t1, t2 FROM t1, t2 WHERE t1.id = t2.id
DELETE FROM t WHERE a = ? LIMIT ?
DELETE FROM t PARTITION (p0) WHERE a = 1
DELETE db.t1 FROM db.t1 JOIN db.t2 ON db.t1.id = db.t2.id
UPDATE t SET a = ? WHERE b BETWEEN ? AND ? LIMIT ?
DELETE FROM t WHERE a IN (SELECT b FROM u WHERE c = ?)
# --- DDL
CREATE TABLE t (a INT NOT NULL, b VARCHAR(10), PRIMARY KEY (a))
CREATE TABLE IF NOT EXISTS t (a INT) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
CREATE TEMPORARY TABLE t (a INT)
CREATE TABLE t (a INT, FOREIGN KEY (a) REFERENCES u (id))
CREATE TABLE t LIKE u
CREATE TABLE t AS SELECT a FROM u
CREATE TABLE order_info (order_id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL, amount DECIMAL(12,2), created_at DATETIME, KEY idx_user (user_id))
ALTER TABLE t ADD COLUMN c INT
ALTER TABLE t ADD INDEX idx_c (c), DROP COLUMN d
ALTER TABLE t RENAME TO u
DROP TABLE t
DROP TABLE IF EXISTS t, u
DROP TEMPORARY TABLE t
TRUNCATE TABLE t
TRUNCATE t
CREATE INDEX idx_a ON t (a)
CREATE UNIQUE INDEX idx_a ON t (a, b)
DROP INDEX idx_a ON t
RENAME TABLE a TO b, c TO d
CREATE TABLE order_item (order_id BIGINT NOT NULL, item_id BIGINT NOT NULL AUTO_INCREMENT, user_id BIGINT NOT NULL, price DECIMAL(10,2) NOT NULL DEFAULT '0.00', quantity INT UNSIGNED NOT NULL DEFAULT 1, note VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci DEFAULT NULL COMMENT 'free text', created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, updated_at TIMESTAMP NULL DEFAULT NULL ON UPDATE CURRENT_TIMESTAMP, PRIMARY KEY (item_id), UNIQUE KEY uk_order_item (order_id, item_id), KEY idx_user (user_id), CONSTRAINT fk_order FOREIGN KEY (order_id) REFERENCES order_info (order_id) ON DELETE CASCADE ON UPDATE RESTRICT) ENGINE=InnoDB AUTO_INCREMENT=1000 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='order lines'
CREATE TABLE `t` (`id` int(11) NOT NULL AUTO_INCREMENT, `name` varchar(64) NOT NULL DEFAULT '', `flags` tinyint(1) unsigned zerofill DEFAULT NULL, `data` json DEFAULT NULL, PRIMARY KEY (`id`), KEY `idx_name` (`name`(10)) USING BTREE) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
CREATE TABLE t (a INT CHECK (a > 0), b INT, CONSTRAINT chk_b CHECK (b < 100))
CREATE TABLE t (id INT, g POINT NOT NULL, body TEXT, SPATIAL INDEX (g), FULLTEXT KEY ft (body))
CREATE TABLE t (a INT, b INT AS (a * 2) VIRTUAL, c INT GENERATED ALWAYS AS (a + 1) STORED)
CREATE TABLE t (a ENUM('x', 'y') NOT NULL DEFAULT 'x', b SET('p', 'q'), c BIT(8) DEFAULT b'0', d DOUBLE(10,4), e BLOB, f DATETIME(6))
CREATE TABLE t (id INT DEFAULT (1 + 1), d DATE DEFAULT (CURRENT_DATE), u VARCHAR(36) DEFAULT (UUID()))
CREATE TABLE t (a DECIMAL(10,2) SIGNED, b FLOAT UNSIGNED, c CHAR(3) BINARY, d TEXT CHARSET latin1)
CREATE TABLE t (id SERIAL, v VARCHAR(10) NOT NULL UNIQUE KEY)
CREATE TABLE t (a INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'x''y', INDEX idx_a (a) COMMENT 'idx')
CREATE TABLE t (id INT, parent_id INT, FOREIGN KEY fk_p (parent_id) REFERENCES t (id) ON DELETE SET NULL)
CREATE TABLE t (id INT NOT NULL, PRIMARY KEY (id) USING HASH) ENGINE=MEMORY
CREATE TABLE t (id BIGINT UNSIGNED NOT NULL PRIMARY KEY) PARTITION BY HASH (id) PARTITIONS 4
CREATE TABLE t (id INT) PARTITION BY KEY (id) PARTITIONS 8
CREATE TABLE t (id INT, created DATE) PARTITION BY RANGE (YEAR(created)) (PARTITION p2023 VALUES LESS THAN (2024), PARTITION p2024 VALUES LESS THAN (2025), PARTITION pmax VALUES LESS THAN MAXVALUE)
CREATE TABLE t (id INT, region VARCHAR(8)) PARTITION BY LIST COLUMNS (region) (PARTITION pe VALUES IN ('eu', 'uk'), PARTITION pa VALUES IN ('us'))
CREATE TABLE t (a INT) ENGINE=InnoDB PARTITION BY RANGE COLUMNS (a) (PARTITION p0 VALUES LESS THAN (10) ENGINE = InnoDB, PARTITION p1 VALUES LESS THAN (MAXVALUE))
CREATE TABLE t (id INT PRIMARY KEY) PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (100) COMMENT 'first', PARTITION p1 VALUES LESS THAN MAXVALUE)
CREATE TABLE IF NOT EXISTS db.t (a INT) ENGINE = InnoDB ROW_FORMAT = DYNAMIC
CREATE TEMPORARY TABLE IF NOT EXISTS tmp_ids (id BIGINT PRIMARY KEY) ENGINE=MEMORY
CREATE OR REPLACE TABLE t (a INT)
CREATE TABLE t (a INT) WITH SYSTEM VERSIONING
CREATE TABLE t LIKE db.u
CREATE TABLE t (LIKE u)
CREATE TABLE t SELECT a, b FROM u WHERE c = 1
CREATE TABLE t (a INT) AS SELECT a FROM u
CREATE TABLE t (a INT) SELECT a FROM u
CREATE TABLE t AS (SELECT a FROM u)
ALTER TABLE t ADD COLUMN c INT NOT NULL DEFAULT 0 AFTER b
ALTER TABLE t ADD COLUMN d VARCHAR(10) FIRST
ALTER TABLE t ADD COLUMN (e INT, f INT)
ALTER TABLE t DROP COLUMN c, DROP INDEX idx_c, DROP PRIMARY KEY, ADD PRIMARY KEY (a, b)
ALTER TABLE t MODIFY COLUMN a BIGINT UNSIGNED NOT NULL
ALTER TABLE `order_info` MODIFY `status` enum('new','paid','shipped') NOT NULL DEFAULT 'new'
ALTER TABLE t CHANGE COLUMN a a2 INT NULL
ALTER TABLE t RENAME COLUMN a TO b
ALTER TABLE t RENAME INDEX i1 TO i2
ALTER TABLE t RENAME AS u
ALTER TABLE t RENAME u
ALTER TABLE t ALTER COLUMN a SET DEFAULT 1, ALTER COLUMN b DROP DEFAULT
ALTER TABLE t ADD CONSTRAINT fk_u FOREIGN KEY (u_id) REFERENCES u (id) ON DELETE SET NULL
ALTER TABLE t DROP FOREIGN KEY fk_u
ALTER TABLE t ADD CHECK (a > 0)
ALTER TABLE t DROP CONSTRAINT chk_b
ALTER TABLE t ADD UNIQUE INDEX uk_a (a), ADD FULLTEXT INDEX ft_b (b)
ALTER TABLE t ADD INDEX idx_a (a), ALGORITHM=INPLACE, LOCK=NONE
ALTER TABLE t ENGINE = InnoDB
ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci
ALTER TABLE t AUTO_INCREMENT = 1000
ALTER TABLE t COMMENT = 'orders'
ALTER TABLE t ORDER BY a
ALTER TABLE t FORCE
ALTER TABLE db.t ADD KEY (a)
ALTER ONLINE TABLE t ADD INDEX (a)
ALTER IGNORE TABLE t ADD UNIQUE (a)
ALTER TABLE IF EXISTS t ADD COLUMN IF NOT EXISTS c INT
ALTER TABLE t ADD PARTITION (PARTITION p2025 VALUES LESS THAN (2026))
ALTER TABLE t DROP PARTITION p2023
ALTER TABLE t TRUNCATE PARTITION p0
ALTER TABLE t REORGANIZE PARTITION pmax INTO (PARTITION p2025 VALUES LESS THAN (2026), PARTITION pmax VALUES LESS THAN MAXVALUE)
ALTER TABLE t PARTITION BY HASH (id) PARTITIONS 4
ALTER TABLE t REMOVE PARTITIONING
ALTER TABLE t EXCHANGE PARTITION p0 WITH TABLE t_archive
DROP TABLE IF EXISTS `t1`, `t2` CASCADE
DROP TABLE db.t RESTRICT
DROP TABLES t1, t2
DROP INDEX `PRIMARY` ON t
DROP INDEX IF EXISTS idx_a ON t
CREATE INDEX idx_ab ON t (a, b(10) DESC) USING BTREE
CREATE INDEX idx_a USING HASH ON t (a)
=> CREATE INDEX idx_a ON t (a) USING HASH
CREATE UNIQUE INDEX idx_a USING BTREE ON t (a, b) COMMENT 'x'
=> CREATE UNIQUE INDEX idx_a ON t (a, b) USING BTREE COMMENT 'x'
CREATE FULLTEXT INDEX ft ON t (title, body)
CREATE SPATIAL INDEX sp ON t (g)
CREATE UNIQUE INDEX IF NOT EXISTS uk ON t (a)
CREATE OR REPLACE INDEX i ON t (a)
CREATE INDEX i ON t (a) ALGORITHM = INPLACE LOCK = NONE
CREATE INDEX i ON db.t (a)
TRUNCATE TABLE db.t
TRUNCATE `t`
RENAME TABLE db.a TO db.b
RENAME TABLE t TO t_old, t_new TO t
# --- SET / USE / SHOW
SET @a = 1
SET @a = 1, @b = 'x'
SET autocommit = 0
SET SESSION sql_mode = 'ANSI'
SET @@session.time_zone = '+00:00'
SET GLOBAL max_connections = 100
SET NAMES utf8mb4
SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci
SET CHARACTER SET utf8mb4
SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED
SET TRANSACTION READ ONLY
SET autocommit = ON
USE orders
USE `my db`
SHOW DATABASES
SHOW TABLES
SHOW FULL TABLES FROM orders
SHOW COLUMNS FROM order_info
SHOW FULL COLUMNS FROM order_info FROM orders
SHOW INDEX FROM order_info
SHOW CREATE TABLE order_info
SHOW VARIABLES LIKE 'max_allowed_packet'
SHOW SESSION STATUS
SHOW WARNINGS
SHOW TABLE STATUS LIKE 'order%'
SET NAMES 'utf8mb4' COLLATE 'utf8mb4_unicode_ci'
SET NAMES DEFAULT
SET NAMES utf8mb4, autocommit = 1
SET CHARSET utf8mb4
SET CHARACTER SET DEFAULT
SET CHARACTER SET 'latin1'
SET @@global.max_connections = 200
SET @@session.sql_mode = 'STRICT_TRANS_TABLES,NO_ZERO_DATE'
SET @@local.net_write_timeout = 60
SET @@SESSION.SQL_MODE = 'TRADITIONAL'
SET @@sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')
SET @@GLOBAL.read_only = 1, GLOBAL max_connections = 10
SET SESSION autocommit = 1, @x = 2, @@session.wait_timeout = 100
SET SESSION wait_timeout = 28800, SESSION interactive_timeout = 28800
SET LOCAL sql_safe_updates = 0
SET @a := 5, @b := @a + 1
=> SET @a = 5, @b = @a + 1
SET @x = (SELECT COUNT(*) FROM t)
SET @x = ?, @y = ?
SET @ids = '1,2,3', @`weird var` = 1, @'quoted' = 2
SET autocommit = OFF
SET @@session.autocommit = ON
SET sql_mode = ''
SET SESSION sql_mode = DEFAULT
SET SQL_SELECT_LIMIT = DEFAULT
SET sql_mode = 'STRICT_ALL_TABLES', time_zone = 'SYSTEM'
SET foreign_key_checks = 0, unique_checks = 0
SET time_zone = '+08:00'
SET character_set_results = NULL
SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ
SET GLOBAL TRANSACTION ISOLATION LEVEL SERIALIZABLE
SET TRANSACTION ISOLATION LEVEL READ UNCOMMITTED, READ WRITE
set session transaction read only
=> SET SESSION transaction read only
SET ROLE NONE
SET PASSWORD FOR 'u'@'%' = PASSWORD('x')
USE `order`
USE db_0
SHOW FULL PROCESSLIST
SHOW ENGINE INNODB STATUS
SHOW GLOBAL VARIABLES LIKE 'version%'
SHOW SESSION VARIABLES WHERE Variable_name = 'autocommit'
SHOW VARIABLES WHERE Variable_name IN ('max_allowed_packet', 'system_time_zone', 'time_zone', 'auto_increment_increment')
SHOW STATUS LIKE 'Threads_connected'
SHOW TABLES FROM orders LIKE 'order%'
SHOW TABLES IN orders
SHOW FULL TABLES WHERE Table_type = 'BASE TABLE'
show tables
=> SHOW tables
SHOW COLUMNS FROM orders.order_info
SHOW COLUMNS FROM order_info LIKE 'user%'
SHOW COLUMNS FROM `order_info` FROM `orders`
SHOW FIELDS FROM t
SHOW KEYS FROM t IN orders
SHOW INDEXES FROM t
SHOW INDEX FROM order_info FROM orders
SHOW CREATE TABLE orders.order_info
SHOW CREATE TABLE db.`order`
SHOW CREATE DATABASE orders
SHOW CREATE VIEW v
SHOW TABLE STATUS FROM orders
SHOW TABLE STATUS WHERE Name = 'order_info'
SHOW OPEN TABLES
SHOW GRANTS
SHOW GRANTS FOR CURRENT_USER()
SHOW GRANTS FOR 'app'@'%'
SHOW CHARACTER SET LIKE 'utf8%'
SHOW COLLATION WHERE Charset = 'utf8mb4'
SHOW ENGINES
SHOW MASTER STATUS
SHOW SLAVE STATUS
SHOW REPLICA STATUS
SHOW BINARY LOGS
SHOW WARNINGS LIMIT 10
SHOW ERRORS
SHOW COUNT(*) WARNINGS
SHOW PLUGINS
SHOW PRIVILEGES
SHOW TRIGGERS FROM orders
SHOW PROCEDURE STATUS WHERE Db = 'orders'
SHOW FUNCTION STATUS
SHOW EVENTS
SHOW DATABASES LIKE 'db%'
SHOW SCHEMAS
SHOW EXPLAIN FOR 123
SET @@session.wait_timeout = ?
# --- transactions
BEGIN
BEGIN WORK
START TRANSACTION
START TRANSACTION READ ONLY
START TRANSACTION WITH CONSISTENT SNAPSHOT
COMMIT
COMMIT WORK
ROLLBACK
SAVEPOINT sp1
ROLLBACK TO SAVEPOINT sp1
ROLLBACK TO sp1
RELEASE SAVEPOINT sp1
START TRANSACTION READ WRITE
START TRANSACTION READ ONLY, WITH CONSISTENT SNAPSHOT
START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY
start transaction
=> START TRANSACTION
begin
=> BEGIN
COMMIT AND NO CHAIN
COMMIT AND CHAIN
COMMIT RELEASE
COMMIT WORK AND NO CHAIN NO RELEASE
commit;
=> COMMIT
ROLLBACK WORK
ROLLBACK AND NO CHAIN
ROLLBACK WORK TO SAVEPOINT sp1
SAVEPOINT `sp 2`
ROLLBACK TO SAVEPOINT `sp 2`
RELEASE SAVEPOINT `sp 2`
XA START 'xid1'
XA END 'xid1'
# --- EXPLAIN / DESCRIBE
EXPLAIN SELECT * FROM t WHERE a = 1
EXPLAIN FORMAT=JSON SELECT * FROM t
EXPLAIN UPDATE t SET a = 1 WHERE b = 2
DESCRIBE t
DESC t
EXPLAIN t
#! proxy-only
SHARDWIRE EXPLAIN SELECT * FROM order_info WHERE user_id = 7
#! proxy-only
SHARDWIRE NEXT ID FOR orders.order_info WITH user_id = 42
#! proxy-only
shardwire next id for `order item`
=> SHARDWIRE NEXT ID FOR `order item`
EXPLAIN SELECT o.*, i.* FROM order_info o JOIN order_item i ON i.order_id = o.order_id WHERE o.user_id = ?
=> EXPLAIN SELECT o.*, i.* FROM order_info AS o JOIN order_item AS i ON i.order_id = o.order_id WHERE o.user_id = ?
EXPLAIN EXTENDED SELECT * FROM t
EXPLAIN PARTITIONS SELECT * FROM t
EXPLAIN FORMAT=JSON UPDATE t SET a = 1 WHERE b = 2
EXPLAIN FORMAT = JSON SELECT 1
=> EXPLAIN FORMAT=JSON SELECT 1
EXPLAIN DELETE FROM t WHERE a = 1
EXPLAIN INSERT INTO t SELECT * FROM u
EXPLAIN REPLACE INTO t VALUES (1)
EXPLAIN (SELECT a FROM t) UNION (SELECT a FROM u)
EXPLAIN WITH c AS (SELECT 1) SELECT * FROM c
explain select * from t where a=1
=> EXPLAIN SELECT * FROM t WHERE a = 1
DESCRIBE SELECT * FROM t
DESC orders.order_info
DESCRIBE t a
DESCRIBE t 'a%'
EXPLAIN t user_id
EXPLAIN FOR CONNECTION 123
ANALYZE SELECT * FROM t WHERE a = 1
ANALYZE FORMAT=JSON SELECT * FROM t
# --- comments and hints
SELECT /* note */ a FROM t
=> SELECT a FROM t
SELECT a FROM t -- trailing
=> SELECT a FROM t
/* shardwire:primary */ SELECT a FROM t
=> SELECT a FROM t
SELECT /*+ MAX_EXECUTION_TIME(1000) */ a FROM t
CREATE TABLE t (a INT) /*!50100 ENGINE=InnoDB */
=> CREATE TABLE t (a INT) ENGINE=InnoDB
SELECT a FROM t;
=> SELECT a FROM t
SELECT a FROM t /* trailing comment */
=> SELECT a FROM t
SELECT a FROM t # hash comment
=> SELECT a FROM t
SELECT 1 -- x
=> SELECT 1
/* leading comment */ SELECT 1
=> SELECT 1
/* shardwire:primary */ UPDATE t SET a = 1
=> UPDATE t SET a = 1
/* shardwire:shard=1 */ SELECT * FROM t WHERE a = ?
=> SELECT * FROM t WHERE a = ?
SELECT /* shardwire:primary */ a FROM t
=> SELECT a FROM t
SELECT /*+ MAX_EXECUTION_TIME(1000) */ /*+ NO_ICP(t) */ a FROM t
INSERT /*+ SET_VAR(foreign_key_checks=OFF) */ INTO t VALUES (1)
UPDATE /*+ NO_RANGE_OPTIMIZATION(t) */ t SET a = 1
DELETE /*+ BNL(t) */ FROM t WHERE a = 1
SELECT /*!40001 SQL_NO_CACHE */ * FROM `t`
=> SELECT SQL_NO_CACHE * FROM `t`
SELECT /*!50000 STRAIGHT_JOIN */ a FROM t
=> SELECT STRAIGHT_JOIN a FROM t
INSERT /*! IGNORE */ INTO t VALUES (1)
=> INSERT IGNORE INTO t VALUES (1)
/*M!100100 SET NAMES utf8mb4 */
=> SET NAMES utf8mb4
# mysqldump output
/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
=> SET @OLD_CHARACTER_SET_CLIENT = @@CHARACTER_SET_CLIENT
/*!40101 SET NAMES utf8mb4 */;
=> SET NAMES utf8mb4
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
=> SET @OLD_TIME_ZONE = @@TIME_ZONE
/*!40103 SET TIME_ZONE='+00:00' */;
=> SET TIME_ZONE = '+00:00'
/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;
=> SET @OLD_UNIQUE_CHECKS = @@UNIQUE_CHECKS, UNIQUE_CHECKS = 0
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;
=> SET @OLD_FOREIGN_KEY_CHECKS = @@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS = 0
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;
=> SET @OLD_SQL_MODE = @@SQL_MODE, SQL_MODE = 'NO_AUTO_VALUE_ON_ZERO'
/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;
=> SET @OLD_SQL_NOTES = @@SQL_NOTES, SQL_NOTES = 0
/*!40101 SET @saved_cs_client     = @@character_set_client */;
=> SET @saved_cs_client = @@character_set_client
/*!40101 SET character_set_client = @saved_cs_client */;
=> SET character_set_client = @saved_cs_client
/*!50503 SET NAMES utf8mb4 */;
=> SET NAMES utf8mb4
/*!50001 DROP VIEW IF EXISTS `v`*/;
=> DROP VIEW IF EXISTS `v`
CREATE TABLE `t` (`a` int(11) DEFAULT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 /*!50100 PARTITION BY HASH (`a`) PARTITIONS 2 */
=> CREATE TABLE `t` (`a` int(11) DEFAULT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 PARTITION BY HASH (`a`) PARTITIONS 2
LOCK TABLES `t` WRITE;
=> LOCK TABLES `t` WRITE
/*!40000 ALTER TABLE `t` DISABLE KEYS */;
=> ALTER TABLE `t` DISABLE KEYS
/*!40000 ALTER TABLE `t` ENABLE KEYS */;
=> ALTER TABLE `t` ENABLE KEYS
UNLOCK TABLES;
=> UNLOCK TABLES
/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
=> SET SQL_MODE = @OLD_SQL_MODE
/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;
=> SET TIME_ZONE = @OLD_TIME_ZONE
# --- other statements pass through as written
CALL proc(1, 2)
LOCK TABLES t WRITE
UNLOCK TABLES
FLUSH TABLES
CREATE DATABASE IF NOT EXISTS orders
CREATE VIEW v AS SELECT 1
GRANT SELECT ON orders.* TO 'u'@'%'
DO SLEEP(1)
PREPARE stmt1 FROM 'SELECT * FROM t WHERE a = ?'
EXECUTE stmt1 USING @a
DEALLOCATE PREPARE stmt1
CALL p(?, @out)
DO 1
LOCK TABLES t READ, u WRITE
LOCK TABLES t AS a READ LOCAL
ANALYZE TABLE t
OPTIMIZE TABLE t
CHECK TABLE t
FLUSH PRIVILEGES
DROP VIEW IF EXISTS v
DROP DATABASE IF EXISTS orders
HANDLER t OPEN
