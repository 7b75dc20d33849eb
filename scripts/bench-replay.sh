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
  perl -e 'my @l = <STDIN>; my $s = 1000000; my $n = shift;
    for (my $i = 0; $i < $n; $i++) { my $x = $l[$i % @l]; $x =~ s/:\d+\)/":" . $s++ . ")"/e; print $x }' \
    "$lines" <"$src" >"$out"
fi
ls -l "$out" | awk '{printf "input: %s bytes, ", $5}'; wc -l <"$out" | awk '{print $1 " lines"}'

now() { date +%s.%N; }
best_grep=999; best_rec=999
for r in $(seq "$rounds"); do
  t0=$(now); LC_ALL=C grep -o 'syscall=[0-9]*' "$out" | LC_ALL=C sort -u >/dev/null; t1=$(now)
  "$bin" replay -o /dev/null "$out" 2>/dev/null; t2=$(now)
  read -r g c best_grep best_rec < <(awk -v a="$t0" -v b="$t1" -v c="$t2" -v bg="$best_grep" -v br="$best_rec" \
    'BEGIN { g = b - a; r = c - b; print g, r, (g < bg ? g : bg), (r < br ? r : br) }')
  printf 'round %d: grep|sort %.3fs  recorder replay %.3fs\n' "$r" "$g" "$c"
done
awk -v r="$rounds" -v g="$best_grep" -v c="$best_rec" 'BEGIN {
  printf "best of %d: grep|sort %.3fs, recorder replay %.3fs, ratio replay/grep = %.2f (goal <= 0.50)\n", r, g, c, c / g }'
