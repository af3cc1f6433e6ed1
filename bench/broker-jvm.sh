#!/usr/bin/env bash
# The local Kafka broker's JVM: its default options (C1 and C2 compilers) against C1 only
# (-XX:TieredStopAtLevel=1, added through KAFKA_OPTS), both in one run of this script. Per setting: a
# freshly started broker, then the text-only end-to-end bench RUNS times in a row on it (the broker warmer
# each time); prints the broker's CPU per article by run and what its threads did (bench/lib/procs.ts,
# brokerThreads). The broker is stopped at the end; a broker this script did not start is refused.
#
#   bash bench/broker-jvm.sh [RUNS]      (default 3; ~75 s per bench run)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-3}"
KAFKA=infra/kafka/kafka.sh
SETTINGS=("default:" "c1only:-XX:TieredStopAtLevel=1")
declare -a ROWS=()

for setting in "${SETTINGS[@]}"; do
  name="${setting%%:*}"
  opts="${setting#*:}"
  "$KAFKA" stop >/dev/null
  KAFKA_OPTS="$opts" "$KAFKA" start >/dev/null
  for run in $(seq 1 "$RUNS"); do
    log="$(mktemp)"
    npm run bench -- --variants host --kinds text --skip models,alone,transport,scaling,languages --no-docs --rounds 1 >"$log" 2>&1 ||
      { tail -n 20 "$log" >&2; "$KAFKA" stop >/dev/null; exit 1; }
    results="$(grep -o 'results: [^;]*\.json' "$log" | tail -n 1 | cut -d' ' -f2)"
    rm -f "$log"
    # one table row: the broker's CPU per article by what its threads did (bench/lib/procs.ts BROKER_KINDS)
    ROWS+=("$(node --import tsx --input-type=module -e '
      const { BROKER_KINDS } = await import("./bench/lib/procs.ts");
      const { readFileSync } = await import("node:fs");
      const [file, name, run] = process.argv.slice(1);
      const e = JSON.parse(readFileSync(file, "utf8")).e2e.find((x) => x.kind === "text" && x.mode === "max");
      const b = e.brokerCpuMsPerArticle ?? {};
      const cells = [name, run, e.articlesPerS, e.cpuSPerArticle.kafka * 1000, b[BROKER_KINDS.jit] ?? 0, b[BROKER_KINDS.requests] ?? 0, b[BROKER_KINDS.coordinator] ?? 0];
      console.log(`| ${cells.map((c) => (typeof c === "number" ? c.toFixed(1) : c)).join(" | ")} | ${file.split("/").pop()} |`);
    ' "$results" "$name" "$run")")
    echo "${ROWS[-1]}" >&2
  done
done
"$KAFKA" stop >/dev/null

echo "| broker JVM | run on that broker | text-only articles/s | broker CPU ms / article | JIT compilers | requests | group coordinator | results |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
