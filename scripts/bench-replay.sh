#!/usr/bin/env bash
# Replay speed against the grep|sort pipeline of the tutorial, side by side, on
# a ~1,000,000-line syslog made by repeating a real captured syslog (every
# line of it, audit or not) with fresh audit serials.
set -euo pipefail
cd "$(dirname "$0")/.."
src=${SRC:-testdata/logs/syslog-rfc3339.log}
lines=${LINES:-1000000}
rounds=${ROUNDS:-5}
out=testdata/bench/syslog-1m.log
bin=bin/recorder

mkdir -p testdata/bench
if [ ! -s "$out" ] || [ "$src" -nt "$out" ]; then
  echo "making $out ($lines lines from $src)"
  LC_ALL=C awk -v n="$lines" '
    { l[NR] = $0 }
    END { s = 1000000
      for (i = 0; i < n; i++) { x = l[i % NR + 1]; sub(/:[0-9]+\)/, ":" s++ ")", x); print x } }' "$src" >"$out"
fi
ls -l "$out" | awk '{printf "input: %s bytes, ", $5}'; wc -l <"$out" | awk '{print $1 " lines"}'

now() { date +%s.%N; }
best_grep=999; best_rec=999
for r in $(seq "$rounds"); do
  t0=$(now); LC_ALL=C grep -o 'syscall=[0-9]*' "$out" | LC_ALL=C sort -u >/dev/null; t1=$(now)
  "$bin" replay -o /dev/null "$out" 2>/dev/null; t2=$(now)
  g=$(echo "$t1 - $t0" | bc); c=$(echo "$t2 - $t1" | bc)
  printf 'round %d: grep|sort %.3fs  recorder replay %.3fs\n' "$r" "$g" "$c"
  best_grep=$(echo "if ($g < $best_grep) $g else $best_grep" | bc)
  best_rec=$(echo "if ($c < $best_rec) $c else $best_rec" | bc)
done
printf 'best of %d: grep|sort %.3fs, recorder replay %.3fs, ratio replay/grep = %.2f (goal <= 0.50)\n' \
  "$rounds" "$best_grep" "$best_rec" "$(echo "$best_rec / $best_grep" | bc -l)"
