#!/usr/bin/env bash
# The io_uring experiment (bench/README.md, "io_uring"): bench/uring/relay_bench.cpp in
# its epoll and io_uring modes, alternating, ROUNDS rounds of SECONDS each, PAIRS
# connection pairs. Installs Debian's liburing-dev when missing (root, as
# scripts/install-deps.sh does). Prints each run and the medians.
set -euo pipefail
cd "$(dirname "$0")"
ROUNDS=${ROUNDS:-3} SECONDS_PER_RUN=${SECONDS_PER_RUN:-10} PAIRS=${PAIRS:-8}
if ! dpkg -s liburing-dev >/dev/null 2>&1; then
  echo "installing liburing-dev (Debian) for the experiment"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q liburing-dev >/dev/null
fi
bin=$(mktemp -d)/relay_bench
trap 'rm -rf "$(dirname "$bin")"' EXIT
g++ -std=c++20 -O2 -Wall -Wextra -o "$bin" relay_bench.cpp -luring -pthread
declare -A user sys rate
for r in $(seq "$ROUNDS"); do
  for mode in epoll uring; do
    line=$("$bin" "$mode" "$PAIRS" "$SECONDS_PER_RUN")
    echo "round $r: $line"
    rate[$mode]+="$(sed -n 's/.*round_trips_per_s=\([0-9.]*\).*/\1/p' <<<"$line") "
    user[$mode]+="$(sed -n 's/.*user=\([0-9.]*\).*/\1/p' <<<"$line") "
    sys[$mode]+="$(sed -n 's/.*sys=\([0-9.]*\).*/\1/p' <<<"$line") "
  done
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
for mode in epoll uring; do
  # shellcheck disable=SC2086
  echo "median $mode: $(median ${rate[$mode]}) round trips/s, relay CPU per round trip $(median ${user[$mode]}) us user + $(median ${sys[$mode]}) us kernel"
done
