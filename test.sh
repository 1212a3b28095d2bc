#!/usr/bin/env bash
# Checks Entente the way CI does: formatting, a Release build, then every test, the storage tests on SQLite
# and on a throwaway PostgreSQL server started here and removed on exit. The last line printed is
# "N passed, N failed, N skipped". Set ENTENTE_TEST_POSTGRES to use a server of your own instead.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

work=$(mktemp -d "${TMPDIR:-/tmp}/entente-test.XXXXXX")
chmod 755 "$work"
pg_ctl=""
as_postgres=()

cleanup() {
  if [[ -n "$pg_ctl" && -f "$work/pg/data/postmaster.pid" ]]; then
    "${as_postgres[@]}" "$pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

postgres_bin() {
  local initdb
  initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
  [[ -n "$initdb" ]] && dirname "$initdb"
}

install_postgres() {
  if [[ $(id -u) -ne 0 ]]; then
    echo "PostgreSQL server binaries are missing: install them (apt-get install postgresql) or set ENTENTE_TEST_POSTGRES" >&2
    exit 1
  fi
  echo "installing the PostgreSQL server (apt-get)"
  # Only the binaries are wanted: no default cluster started on port 5432.
  mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.d/entente-test.conf
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold postgresql >/dev/null
}

free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "no free port found" >&2
  return 1
}

start_postgres() {
  local bin port
  bin=$(postgres_bin || true)
  if [[ -z "$bin" ]]; then
    install_postgres
    bin=$(postgres_bin)
  fi
  pg_ctl="$bin/pg_ctl"
  mkdir -p "$work/pg"
  if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    chown postgres "$work/pg"
    as_postgres=(runuser -u postgres --)
  fi
  "${as_postgres[@]}" "$bin/initdb" -D "$work/pg/data" -A trust -U entente -E UTF8 --no-locale --no-sync >"$work/initdb.log" 2>&1 ||
    { cat "$work/initdb.log" >&2; exit 1; }
  # A throwaway server: durability settings off, reachable on loopback only.
  for attempt in 1 2 3; do
    port=$(free_port)
    if "${as_postgres[@]}" "$pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -w -t 60 \
      -o "-p $port -c listen_addresses=127.0.0.1 -k $work/pg -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null; then
      export ENTENTE_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=entente;Database=postgres"
      echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') for the tests on 127.0.0.1:$port"
      return 0
    fi
    echo "PostgreSQL did not start on port $port (attempt $attempt)" >&2
  done
  cat "$work/pg/server.log" >&2
  exit 1
}

if [[ -z "${ENTENTE_TEST_POSTGRES:-}" ]]; then
  start_postgres
fi

dotnet format Entente.slnx --verify-no-changes
dotnet build Entente.slnx -c Release
status=0
dotnet test Entente.slnx -c Release --no-build --logger trx --results-directory "$work/results" || status=$?

# Sum the counters of every test project's trx file; a skipped test is counted in total but not in executed.
read -r passed failed skipped < <(
  cat "$work"/results/*.trx 2>/dev/null | grep -o '<Counters [^>]*>' |
    awk '{
      for (i = 2; i <= NF; i++) {
        split($i, kv, "=")
        gsub(/[^0-9]/, "", kv[2])
        n[kv[1]] += kv[2]
      }
    }
    END { printf "%d %d %d\n", n["passed"], n["failed"] + n["error"] + n["timeout"] + n["aborted"], n["total"] - n["executed"] }'
)
echo "$passed passed, $failed failed, $skipped skipped"
if [[ $status -ne 0 || $failed -ne 0 || $passed -eq 0 ]]; then
  exit 1
fi
