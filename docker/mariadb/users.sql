-- Runs once on each primary's first start (docker-entrypoint-initdb.d); replicated to
-- its replica with everything else (the replica starts from an empty GTID position).
CREATE USER IF NOT EXISTS 'app'@'%' IDENTIFIED BY 'app';
GRANT ALL PRIVILEGES ON *.* TO 'app'@'%';
-- Without this the app account could write to read_only replicas.
REVOKE READ_ONLY ADMIN ON *.* FROM 'app'@'%';
CREATE USER IF NOT EXISTS 'monitor'@'%' IDENTIFIED BY 'monitor';
GRANT REPLICATION CLIENT, SLAVE MONITOR, PROCESS ON *.* TO 'monitor'@'%';
