#!/usr/bin/env bash
# Builds the libFuzzer targets (build-fuzz/, clang-16, ASan + UBSan) and runs each one for
# a bounded time on a scratch copy of its seed corpus (tests/fuzz/corpus/<target>/ is
# never written to). Exits non-zero when any target crashed, hung, leaked, ran out of
# memory or broke an invariant; the input that did it is kept in build-fuzz/artifacts/.
#
#   tests/fuzz/run.sh [seconds-per-target] [target ...]     (default 30 s, every target)
#
# Environment: FUZZ_BUILD (build-fuzz), FUZZ_JOBS (build parallelism, nproc),
# FUZZ_TIMEOUT (seconds one input may take, 10).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

seconds=${1:-30}
shift $(($# > 0 ? 1 : 0))
build=${FUZZ_BUILD:-build-fuzz}
jobs=${FUZZ_JOBS:-$(nproc)}
timeout=${FUZZ_TIMEOUT:-10}

# name, -max_len, dictionary
targets=(
  "protocol_packet 4096 -"
  "protocol_codec 1024 -"
  "protocol_messages 2048 -"
  "protocol_handshake 1024 -"
  "protocol_response_tracker 4096 -"
  "merger_row_codec 2048 -"
  "router_lexer 32768 tests/fuzz/sql.dict"
  "router_sql 32768 tests/fuzz/sql.dict"
  "router_analysis 32768 tests/fuzz/sql.dict"
  "router_load_data 4096 tests/fuzz/sql.dict"
  "proxy_prepared 2048 -"
  "xa_records 1024 -"
  "migration_inputs 4096 tests/fuzz/sql.dict"
)

start=$(date +%s)
bash scripts/install-deps.sh >/dev/null || exit 1
if [ ! -f "$build/build.ninja" ]; then
  # -Werror is for the GCC builds: clang warns about other things.
  CC=clang-16 CXX=clang++-16 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSHARDWIRE_FUZZ=ON -DSHARDWIRE_WERROR=OFF >/dev/null || exit 1
fi
cmake --build "$build" --target shardwire_fuzz_targets -j "$jobs" || exit 1
built=$(date +%s)
echo "fuzz: targets built in $((built - start)) s; ${seconds} s per target"

# Every sanitizer report stops the run (UBSan would otherwise print and go on).
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
symbolizer=$(command -v llvm-symbolizer-16 || true)
[ -n "$symbolizer" ] && export ASAN_SYMBOLIZER_PATH=$symbolizer UBSAN_SYMBOLIZER_PATH=$symbolizer

mkdir -p "$build/fuzz-logs"
failed=()
for entry in "${targets[@]}"; do
  read -r name max_len dict <<<"$entry"
  if [ $# -gt 0 ] && [[ " $* " != *" $name "* ]]; then continue; fi
  work="$build/fuzz-corpus/$name"
  artifacts="$build/artifacts/$name"
  log="$build/fuzz-logs/$name.log"
  rm -rf "$work"
  mkdir -p "$work" "$artifacts"
  cp tests/fuzz/corpus/"$name"/* "$work"/
  args=("$work" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len="$max_len" -timeout="$timeout"
    -artifact_prefix="$artifacts/" -print_final_stats=1)
  [ "$dict" != "-" ] && args+=(-dict="$dict")
  "$build/fuzz/fuzz_$name" "${args[@]}" >"$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  [ -z "$runs" ] && runs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
  if [ $rc -eq 0 ]; then
    echo "fuzz $name: ${runs:-0} runs, no crash"
    continue
  fi
  failed+=("$name")
  artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
  echo "fuzz $name: CRASH after ${runs:-?} runs (exit $rc); input: ${artifact:-none}; log: $log"
  # What broke, and the first frames of shardwire code.
  grep -m1 -E 'fuzz invariant failed|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$log" | sed 's/^/    /'
  grep -E '^ +#[0-9]+ .* in ' "$log" |
    grep -v -E 'fuzzer::|__sanitizer|__asan|__ubsan|libc\.so|nptl/|signal/|stdlib/|csu/| in (main|_start) ' |
    head -6 | sed -E 's/^ +/    /; s/ \(BuildId.*//'
done

echo "fuzz: done in $(($(date +%s) - start)) s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (reproduce: $build/fuzz/fuzz_<target> <input>)"
  exit 1
fi
