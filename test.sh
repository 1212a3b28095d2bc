#!/usr/bin/env bash
# Checks Entente the way CI does: formatting, a Release build, then every test, the storage tests on SQLite
# and on a throwaway PostgreSQL server started here and removed on exit. The last line printed is
# "N passed, N failed, N skipped". Set ENTENTE_TEST_POSTGRES to use a server of your own instead.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if [[ -z "${ENTENTE_TEST_POSTGRES:-}" ]]; then
  exec scripts/with-postgres "$0" "$@"
fi
# The independent verifier of the conformance vectors (tests/conformance-python) needs Python's cbor2 and cryptography:
# installed quietly when missing and this runs as root (CI); otherwise its test is skipped and says why.
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null && ! /usr/bin/python3 -c 'import cbor2, cryptography' 2>/dev/null; then
  { apt-get install -y -qq python3-cbor2 python3-cryptography || { apt-get update -qq && apt-get install -y -qq python3-cbor2 python3-cryptography; }; } >/dev/null 2>&1 ||
    echo "python3-cbor2 could not be installed: the Python conformance verifier will be skipped" >&2
fi
# Plots (docs/intelligence.md) draw their text with a system font: DejaVu, installed quietly when no font is there.
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null && ! { command -v fc-list >/dev/null && [[ -n $(fc-list 2>/dev/null) ]]; }; then
  { apt-get install -y -qq fonts-dejavu-core fontconfig || { apt-get update -qq && apt-get install -y -qq fonts-dejavu-core fontconfig; }; } >/dev/null 2>&1 ||
    echo "fonts-dejavu-core could not be installed: plots will have no text" >&2
fi
# The web console's browser tests drive Debian's chromium (/usr/bin/chromium) through Playwright: installed quietly when
# missing and this runs as root (CI); otherwise those tests are skipped and say why. Screenshots: TestResults/console.
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null && [[ ! -x /usr/bin/chromium ]]; then
  { apt-get install -y -qq chromium || { apt-get update -qq && apt-get install -y -qq chromium; }; } >/dev/null 2>&1 ||
    echo "chromium could not be installed: the web console's browser tests will be skipped" >&2
fi
export ENTENTE_SCREENSHOTS="${ENTENTE_SCREENSHOTS:-$PWD/TestResults/console}"
work=$(mktemp -d "${TMPDIR:-/tmp}/entente-test.XXXXXX")
trap 'rm -rf "$work"' EXIT

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
# Crash consistency: the node killed with SIGKILL at random moments of its writes, the stores checked after each kill
# (docs/reliability.md, Crash loop); the short version, 12 cycles per store.
echo "== scripts/crash-loop --store both --cycles 12"
if ! ENTENTE_CRASH_NO_BUILD=1 ENTENTE_CRASH_POSTGRES="$ENTENTE_TEST_POSTGRES" scripts/crash-loop --store both --cycles 12 --seed "$(date +%j)"; then
  echo "the crash loop found an inconsistency (FAILED lines above)" >&2
  status=1
fi
# The main job must keep working: the demo runs as a newcomer would run it.
echo "== ./entente demo"
if ! ./entente demo; then
  echo "./entente demo failed" >&2
  status=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
if [[ $status -ne 0 || $failed -ne 0 || $passed -eq 0 ]]; then
  exit 1
fi
