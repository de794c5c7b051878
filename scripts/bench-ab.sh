#!/usr/bin/env bash
# Interleaved A/B runs of weir-bench binaries: each round runs every binary once per worker count,
# in turn, so slow phases of a shared host fall on all of them alike. Prints, per worker count and
# benchmark, the median and 10th percentile of the rounds' values (each value is one weir-bench
# run's own median) and each binary's ratio to the first. Values are times: below 1 is faster.
#
#   scripts/bench-ab.sh before=/path/to/old/weir-bench after=build/release/bench/weir-bench
#   N=100 WS="1 2" ONLY=ping_pong,join_all_1000 scripts/bench-ab.sh a=... b=...
#
# For a fair A/B of two library versions, link both against the same benchmark sources (the
# harness changes too): compile bench/weir_bench/*.cpp of one checkout against each library.
set -euo pipefail
(($# >= 2)) || { sed -n '2,10p' "$0" >&2; exit 2; }
ONLY=${ONLY:-spawn_many_local,spawn_many_remote_idle,yield_many,ping_pong,chained_spawn,join_all_1000,mpsc_throughput}
N=${N:-30}
WS=${WS:-"1 2"}
RAW=$(mktemp)
trap 'rm -f "$RAW"' EXIT
for ((i = 0; i < N; i++)); do
    for w in $WS; do
        for nb in "$@"; do
            "${nb#*=}" --workers "$w" --only "$ONLY" 2>/dev/null | grep -v '^#' |
                awk -v s="${nb%%=*}" -v w="$w" '{print s, w, $2, $3}' >>"$RAW"
        done
    done
done
python3 - "$RAW" "$@" <<'PY'
import collections, statistics, sys
names = [a.split('=')[0] for a in sys.argv[2:]]
d = collections.defaultdict(list)
for line in open(sys.argv[1]):
    s, w, n, v = line.split()
    d[(w, n, s)].append(float(v))
q10 = lambda v: sorted(v)[int(0.1 * (len(v) - 1))]
print("| workers | benchmark | " + " | ".join(f"{x}: median (p10)" for x in names) + " | " +
      " | ".join(f"{x}/{names[0]}: median, p10" for x in names[1:]) + " |")
print("|---" * (2 + 2 * len(names) - 1) + "|")
for w, n in sorted({(w, n) for (w, n, s) in d}, key=lambda k: (-int(k[0]), k[1])):
    v = [d[(w, n, s)] for s in names]
    if not all(v):
        continue
    med = [statistics.median(x) for x in v]
    p10 = [q10(x) for x in v]
    print(f"| {w} | {n} | " + " | ".join(f"{m:.0f} ({p:.0f})" for m, p in zip(med, p10)) + " | " +
          " | ".join(f"{m / med[0]:.2f}, {p / p10[0]:.2f}" for m, p in zip(med[1:], p10[1:])) + " |")
PY
