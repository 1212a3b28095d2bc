#!/bin/bash
# Times `entente record add` (a CLI write, its own process) beside a SQLite node busy ingesting the public KCS CSV over
# its API (NOLOAD=1: beside an idle node): one process per record, then many records in one process (`record add --file -`,
# the per-record time is (T(BATCH) - T(1)) / (BATCH - 1)). Usage: bench/cli-write-latency.sh [REPO] [CALLS] [BATCH]; uses the
# launcher's ReadyToRun build (./entente builds it) or, without it, the plain Release build.
set -e
REPO=${1:-$(cd "$(dirname "$0")/.." && pwd)}; N=${2:-20}; BATCH=${3:-200}
CSV=${ENTENTE_DATA:-$REPO/../shared/data}/customs-import-declarations/df_syn_train_eng.csv
[ -f "$CSV" ] || { echo "data set customs-import-declarations is missing at $CSV (set ENTENTE_DATA); it is published at github.com/Seondong/Customs-Declaration-Datasets (MIT)"; exit 0; }
W=$(mktemp -d /tmp/measure.XXXX); H=$W/home; PORT=$((20000 + RANDOM % 20000))
CLI="dotnet $REPO/src/Entente.Cli/bin/Release/r2r/Entente.Cli.dll"; BUILD="ReadyToRun (./entente)"
[ -f $REPO/src/Entente.Cli/bin/Release/r2r/Entente.Cli.dll ] || { CLI="dotnet $REPO/src/Entente.Cli/bin/Release/net10.0/Entente.Cli.dll"; BUILD="plain Release build"; }
$CLI node init --home $H --code KR --name "Korea" > $W/init.txt
KEY=$(grep -o 'shown once, keep it safe): .*' $W/init.txt | sed 's/.*: //')
$CLI serve --home $H --urls http://127.0.0.1:$PORT > $W/serve.log 2>&1 &
SERVER=$!
for i in $(seq 60); do curl -sf http://127.0.0.1:$PORT/health/ready >/dev/null && break; sleep 0.5; done
head -1 $CSV > $W/header.csv; tail -n +2 $CSV | head -40000 | split -l 400 - $W/chunk.
busy() { for f in $W/chunk.*; do cat $W/header.csv $f > $f.csv; curl -s -o /dev/null -H "X-Api-Key: $KEY" -H 'Content-Type: text/csv' --data-binary @$f.csv "http://127.0.0.1:$PORT/api/declarations?mapping=kcs-synthetic-hs6&partial=true"; done; }
if [ -z "$NOLOAD" ]; then busy & LOAD1=$!; fi
sleep 3
echo '{"seizure":{"id":"S-1","category":"drugs","seizedAt":"2026-12-01T10:00:00Z","port":"KRPUS","goods":"cocaine","hsCode":"080390","quantityKg":1.5}}' > $W/s.json
for i in $(seq $N); do
  sed "s/S-1/S-$i/" $W/s.json > $W/s$i.json
  s=$(date +%s%N); $CLI record add --home $H --kind seizure-report --file $W/s$i.json >/dev/null 2>>$W/err.txt || echo "exit $?" >> $W/err.txt; e=$(date +%s%N)
  echo $(( (e - s) / 1000000 ))
done > $W/times.txt
batch() { # $1 records, ids prefixed $2, on standard input in one process; prints the milliseconds
  for i in $(seq $1); do sed "s/S-1/$2-$i/" $W/s.json; done > $W/batch-$2.jsonl
  s=$(date +%s%N); $CLI record add --home $H --kind seizure-report --file - < $W/batch-$2.jsonl >/dev/null 2>>$W/err.txt || echo "batch exit $?" >> $W/err.txt; e=$(date +%s%N)
  echo $(( (e - s) / 1000000 ))
}
one=$(batch 1 B1); many=$(batch $BATCH BN)
s=$(date +%s%N); for i in $(seq 5); do $CLI --version >/dev/null 2>&1; done; e=$(date +%s%N)
echo "CLI: $BUILD"
echo "process start (entente --version): $(( (e - s) / 5000000 )) ms"
sort -n $W/times.txt | awk '{a[NR]=$1} END {printf "record add beside a busy node, %d calls: median %d ms, p90 %d ms, max %d ms\n", NR, a[int((NR+1)/2)], a[int(NR*0.9)], a[NR]}'
echo "record add --file - beside a busy node: 1 record $one ms, $BATCH records $many ms: $(( (many - one) / (BATCH - 1) )) ms per record"
curl -s -H "X-Api-Key: $KEY" "http://127.0.0.1:$PORT/api/summary" | head -c 120; echo
kill $LOAD1 2>/dev/null; kill $SERVER; wait 2>/dev/null
head -3 $W/err.txt
rm -rf $W
