-- Runs once when the primary's data directory is created.
CREATE USER IF NOT EXISTS 'repl'@'%' IDENTIFIED BY 'repl';
GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%';
CREATE USER IF NOT EXISTS 'broadsheet'@'%' IDENTIFIED BY 'broadsheet';
GRANT ALL PRIVILEGES ON broadsheet.* TO 'broadsheet'@'%';
FLUSH PRIVILEGES;
