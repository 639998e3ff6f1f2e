#!/usr/bin/env bash
# Installs what tq needs on a fresh Debian/Ubuntu machine with Node.js 20+, then the dependencies from
# the committed lockfile. Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if ! command -v apt-get >/dev/null; then
    echo "setup: please install $* with your package manager" >&2
    return 1
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" ||
    { $sudo apt-get update && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"; }
}

command -v node >/dev/null || { echo "setup: Node.js 20.19 or newer is required (https://nodejs.org)" >&2; exit 1; }
# Building and testing need 20.19+ (eslint 10); the services themselves run on 20.12+ (ADR 0010).
node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' ||
  { echo "setup: Node.js $(node --version) is too old to build and test tq: 20.19 or newer is required" >&2; exit 1; }
# redis-server and redis-cli: the tests start private servers and clusters; start-local.sh may start one.
{ command -v redis-server >/dev/null && command -v redis-cli >/dev/null; } || apt_install redis-server redis-tools
# promtool: checks /metrics output, the Prometheus config and the alert rules.
command -v promtool >/dev/null || apt_install prometheus
# valgrind: `pnpm --filter @tq/bench instructions` counts Redis instructions per task under callgrind (docs/performance.md).
command -v valgrind >/dev/null || apt_install valgrind
# chromium: the dashboard's browser tests drive Debian's Chromium with playwright-core (never a downloaded browser).
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || apt_install chromium
# PostgreSQL: the task history suites (docs/history.md) use the server on 127.0.0.1:5432 when it answers,
# else start a private one with these binaries (initdb, postgres).
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then
  apt_install postgresql
  # Debian's package creates the "main" cluster; start it where no init system did.
  if command -v pg_ctlcluster >/dev/null; then
    pg_version=$(ls /usr/lib/postgresql | sort -n | tail -1)
    pg_ctlcluster "$pg_version" main start 2>/dev/null || true
  fi
fi
if ! command -v pnpm >/dev/null || [ "$(pnpm --version)" != "12.4.2" ]; then
  npm install -g pnpm@12.4.2
fi
pnpm install --frozen-lockfile
