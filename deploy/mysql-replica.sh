#!/bin/sh
# Points a replica at the primary (GTID auto-positioning) and starts it.
# Run by the replica-setup service once the primary and the replica answer.
set -eu
for replica in mysql-replica-1 mysql-replica-2; do
  until mysqladmin -h "$replica" -uroot -proot ping --silent; do sleep 1; done
  mysql -h "$replica" -uroot -proot <<SQL
STOP REPLICA;
CHANGE REPLICATION SOURCE TO SOURCE_HOST='mysql-primary', SOURCE_USER='repl', SOURCE_PASSWORD='repl',
  SOURCE_AUTO_POSITION=1, GET_SOURCE_PUBLIC_KEY=1;
START REPLICA;
SQL
done
