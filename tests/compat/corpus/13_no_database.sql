-- differ: no database
-- A session that logs in without a database and selects one later (USE, COM_INIT_DB
-- through USE, qualified names): prepared statements must see the session's database.
SELECT DATABASE();
SELECT 1;
CREATE TABLE swcompat.nd (id INT PRIMARY KEY, v VARCHAR(10));
INSERT INTO swcompat.nd VALUES (1, 'a');
SELECT * FROM nd;
USE swcompat;
SELECT DATABASE();
SELECT * FROM nd;
INSERT INTO nd VALUES (2, 'b');
SELECT COUNT(*) FROM nd;
CREATE TABLE nd2 AS SELECT * FROM nd;
SELECT * FROM nd2 ORDER BY id;
DELIMITER //
CREATE PROCEDURE nd_proc() BEGIN SELECT COUNT(*) AS n FROM nd; END//
CREATE FUNCTION nd_func() RETURNS INT RETURN (SELECT COUNT(*) FROM nd)//
DELIMITER ;
CALL nd_proc();
SELECT nd_func();
USE mysql;
SELECT DATABASE();
SELECT COUNT(*) > 0 FROM swcompat.nd;
USE swcompat;
SHOW TABLES;
DROP TABLE nd2;
SELECT * FROM nd2;
