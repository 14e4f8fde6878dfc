#!/usr/bin/env bash
# ose.sh — the two set-up commands of the README, and a convenience wrapper around `ose`.
#
#   ./ose.sh demo        install what is missing, build, run the built-in demo
#   ./ose.sh test        install what is missing, build, run every test plainly and under
#                        ASan+UBSan, and the shm and stress tests under TSan (what CI runs)
#   ./ose.sh build       install what is missing and build (build/tools/ose)
#   ./ose.sh bench [--with-servers] [ARGS...]
#                        the performance study (`ose-bench all`): results in bench-results/,
#                        tables regenerated in docs/PERFORMANCE.md; --with-servers also installs
#                        PostgreSQL and Redis so those alternatives run instead of being skipped
#   ./ose.sh ARGS...     build if needed, then run `ose ARGS...`
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jobs="$(nproc 2>/dev/null || echo 2)"

# Debian 12 packages the build and the tests need.
packages=(cmake ninja-build g++ libboost-dev libfmt-dev liblmdb-dev libconcurrentqueue-dev
          libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev libtomlplusplus-dev
          nlohmann-json3-dev libxxhash-dev gnuplot-nox libpq-dev libhiredis-dev libsqlite3-dev
          sqlite3 pybind11-dev python3-dev python3-numpy python3-pytest python3-pandas
          libcpp-httplib-dev libnats-dev pkg-config curl jq)
# The Python module is built for, and tested with, Debian's interpreter: a python3 found first on
# PATH (pyenv, a venv) may lack numpy and have no index to install it from.
python_args=(-DPython_EXECUTABLE=/usr/bin/python3)
# Database servers: the performance study's and `ose export`'s tests, `./ose.sh bench --with-servers`.
servers=(postgresql redis-server)
# What `ose serve`'s tests drive it with: a real Prometheus and a headless browser (tests/tools/serve_*.sh
# skip without them; `./ose.sh test` installs them so that CI runs them).
observers=(prometheus chromium)
# The JetStream server the replication tests (tests/tools/replicate_*.sh) start on loopback; they
# skip without it. `./ose.sh test` installs it so that CI runs them.
brokers=(nats-server)

# install_missing [extra packages...]
install_missing() {
  local missing=()
  for p in "${packages[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "ose.sh: installing missing Debian packages: ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# build DIR [cmake args...]; OSE_TARGET limits it to one target
build() {
  local dir="$1"; shift
  cmake -S "$here" -B "$here/$dir" -G Ninja "$@" >/dev/null
  cmake --build "$here/$dir" -j "$jobs" ${OSE_TARGET:+--target "$OSE_TARGET"}
}

# The ose.* entries in /dev/shm, one a line (segments, lock files, the benches' queues).
shm_entries() { (cd /dev/shm 2>/dev/null && ls -d ose.* 2>/dev/null) || true; }

# Fails the run if a suite left ose.* entries in /dev/shm: every test removes what it creates,
# and a clean engine stop leaves nothing (docs/design/0003-owner-lock.md). Entries that were
# there before the suite started are not its doing and are only mentioned.
check_shm_clean() {
  local label="$1" before="$2" left
  left="$(comm -13 <(printf '%s\n' "$before" | sort) <(shm_entries | sort) | sed '/^$/d')"
  if [ -n "$left" ]; then
    echo "ose.sh: FAIL: the $label tests left these in /dev/shm (remove them by hand once" >&2
    echo "  you have looked; a test or engine stop that leaves one is a bug):" >&2
    printf '  /dev/shm/%s\n' $left >&2
    exit 1
  fi
  if [ -n "$before" ]; then
    echo "ose.sh: note: /dev/shm already held ose.* entries before the $label tests (ignored):" \
      $before
  fi
}

# run_suite DIR LABEL [EXTRA_EXCLUDED_LABEL]
run_suite() {
  local dir="$1" label="$2" exclude="long${3:+|$3}" before
  before="$(shm_entries)"
  echo "== ose tests: $label =="
  (cd "$here/$dir" && ctest --output-on-failure -j "$jobs" --timeout 900 -LE "$exclude")
  check_shm_clean "$label" "$before"
}

cmd="${1:-demo}"
# `ose demo` prints follow-up commands; through this wrapper they start with its path.
export OSE_INVOKED_AS="$0"
case "$cmd" in
  demo)
    install_missing
    # Only the command line: the demo needs neither the tests nor the benchmarks built.
    OSE_TARGET=ose build build -DCMAKE_BUILD_TYPE=Release
    shift || true
    exec "$here/build/tools/ose" demo "$@"
    ;;
  test)
    install_missing "${servers[@]}" "${observers[@]}" "${brokers[@]}"
    build build -DCMAKE_BUILD_TYPE=Release "${python_args[@]}"
    run_suite build "plain (Release)"
    # -O1 -g1 (line tables only): what the sanitizers need for their reports, at ~60 % of the
    # compile time of -O2 -g on CI's two cores. The out-of-tree install test only rebuilds the
    # examples; the Release run covers it.
    build build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
      -DOSE_SANITIZE=address,undefined -DOSE_BUILD_BENCH=OFF
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
      run_suite build-asan "AddressSanitizer + UndefinedBehaviorSanitizer" install
    # ThreadSanitizer: the shm primitives and the thread/process stress tests only (a race
    # report makes the test process exit non-zero).
    cmake -S "$here" -B "$here/build-tsan" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DOSE_SANITIZE=thread -DOSE_BUILD_BENCH=OFF >/dev/null
    cmake --build "$here/build-tsan" -j "$jobs" --target ose_shm_tests ose_stress_tests
    echo "== ose tests: ThreadSanitizer (shm, stress) =="
    before="$(shm_entries)"
    ctest --test-dir "$here/build-tsan" -L 'shm|stress' -LE long --output-on-failure --timeout 900
    check_shm_clean "ThreadSanitizer" "$before"
    # A Debug (-O0) build of the tool: it and the sanitized build must replay the journal the
    # Release engine wrote to the same state hash.
    cmake -S "$here" -B "$here/build-debug" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DOSE_BUILD_TESTS=OFF \
      -DOSE_BUILD_BENCH=OFF >/dev/null
    cmake --build "$here/build-debug" -j "$jobs" --target ose
    echo "== ose tests: Debug and Release replay the same journal to the same hash =="
    bash "$here/tests/cross_build/replay_across_builds.sh" "$here" "$here/build/tools/ose" \
      "$here/build-debug/tools/ose" "$here/build-asan/tools/ose"
    echo "ose.sh: all test suites passed"
    ;;
  bench)
    shift || true
    extra=()
    if [ "${1:-}" = "--with-servers" ]; then extra=("${servers[@]}"); shift; fi
    install_missing "${extra[@]}"
    OSE_TARGET=ose-bench build build -DCMAKE_BUILD_TYPE=Release -DOSE_BUILD_BENCH=ON
    exec "$here/build/bench/ose-bench" all --out "$here/bench-results" \
      --docs "$here/docs/PERFORMANCE.md" "$@"
    ;;
  build)
    install_missing
    build build -DCMAKE_BUILD_TYPE=Release "${python_args[@]}"
    ;;
  -h|--help|help)
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    ;;
  *)
    [ -x "$here/build/tools/ose" ] || { install_missing; OSE_TARGET=ose build build -DCMAKE_BUILD_TYPE=Release; }
    exec "$here/build/tools/ose" "$@"
    ;;
esac
