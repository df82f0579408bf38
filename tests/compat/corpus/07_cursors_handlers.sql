-- Cursors, handlers, ROW variables, and a table created right after a procedure call.
CREATE TABLE src (id INT PRIMARY KEY, name VARCHAR(20));
INSERT INTO src VALUES (1, 'a'), (2, 'b'), (3, 'c');
CREATE TABLE dst (id INT, name VARCHAR(40));
DELIMITER //
CREATE PROCEDURE copy_rows()
BEGIN
  DECLARE done INT DEFAULT 0;
  DECLARE v_id INT;
  DECLARE v_name VARCHAR(20);
  DECLARE cur CURSOR FOR SELECT id, name FROM src ORDER BY id;
  DECLARE CONTINUE HANDLER FOR NOT FOUND SET done = 1;
  OPEN cur;
  read_loop: LOOP
    FETCH cur INTO v_id, v_name;
    IF done THEN LEAVE read_loop; END IF;
    INSERT INTO dst VALUES (v_id, CONCAT(v_name, v_name));
  END LOOP;
  CLOSE cur;
END//
CREATE PROCEDURE row_cursor()
BEGIN
  DECLARE done INT DEFAULT 0;
  DECLARE cur CURSOR FOR SELECT id, name FROM src ORDER BY id DESC;
  DECLARE CONTINUE HANDLER FOR NOT FOUND SET done = 1;
  BEGIN
    DECLARE rec ROW TYPE OF cur;
    OPEN cur;
    FETCH cur INTO rec;
    SELECT rec.id, rec.name;
    CLOSE cur;
  END;
END//
CREATE PROCEDURE cursor_with_param(IN lim INT)
BEGIN
  DECLARE total INT DEFAULT 0;
  FOR r IN (SELECT id FROM src WHERE id <= lim) DO
    SET total = total + r.id;
  END FOR;
  SELECT total;
END//
CREATE PROCEDURE handler_sqlstate()
BEGIN
  DECLARE msg VARCHAR(100) DEFAULT '';
  DECLARE CONTINUE HANDLER FOR SQLSTATE '23000' SET msg = 'duplicate handled';
  INSERT INTO src VALUES (1, 'again');
  SELECT msg;
END//
CREATE PROCEDURE resignal_it()
BEGIN
  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    GET DIAGNOSTICS CONDITION 1 @errno = MYSQL_ERRNO, @msg = MESSAGE_TEXT;
    RESIGNAL SET MESSAGE_TEXT = 'resignalled';
  END;
  SELECT * FROM missing_table;
END//
DELIMITER ;
CALL copy_rows();
SELECT * FROM dst ORDER BY id;
CALL row_cursor();
CALL cursor_with_param(2);
CALL handler_sqlstate();
CALL resignal_it();
SELECT @errno, @msg;
CREATE TABLE made_after_call (x INT);
INSERT INTO made_after_call SELECT id FROM dst;
SELECT SUM(x) FROM made_after_call;
CALL copy_rows();
SELECT COUNT(*) FROM dst;
