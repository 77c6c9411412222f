#!/usr/bin/env bash
# Installs the system (Debian) packages Cell's tests need. Idempotent: a machine that has them
# all is left untouched, and the package index is refreshed only when an install needs it.
# Without root or apt-get it prints what to install and exits 0, so a laptop is not blocked —
# but the capsid tests then fail, naming what is missing, unless CELL_ALLOW_NO_SANDBOX=1
# (docs/capsid.md). Called by .ci/run before `npm test`.
set -euo pipefail

# package:command-it-provides — add a line for each new system dependency.
REQUIRED=(
  "bubblewrap:bwrap"    # the capsid: the sandbox donated cells build and run in
  "util-linux:setpriv"  # capsids started by root drop to an unprivileged uid with it
  "iproute2:ip"         # network tests (\`ip netns\`); a donor's capsid networks (process cells)
  "python3:python3"     # process-cell tests: a non-Node service (standard library only) as a cell
  "git:git"             # git dependencies ([deps] x = "git+..."), tested against local bare repositories
  "prometheus:prometheus" # metrics: a real Prometheus scrapes a running tree in the tests
  "tmux:tmux"           # `cell top` is driven in a real terminal in the tests
  "chromium:chromium"   # the web dashboard is tested in a real browser (puppeteer-core drives it)
)

missing=()
for entry in "${REQUIRED[@]}"; do
  package="${entry%%:*}"
  command="${entry#*:}"
  command -v "$command" >/dev/null 2>&1 || missing+=("$package")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup-system: all present (${REQUIRED[*]%%:*})"
  exit 0
fi

if [ "$EUID" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-system: missing ${missing[*]}; install them with your package manager, e.g.:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  echo "setup-system: until then the capsid tests fail (set CELL_ALLOW_NO_SANDBOX=1 to skip them on this machine)" >&2
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
echo "setup-system: installing ${missing[*]}"
if ! apt-get install -y --no-install-recommends "${missing[@]}"; then
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi
