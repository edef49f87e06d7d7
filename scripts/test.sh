#!/usr/bin/env bash
# The test command: installs what is missing, fetches and verifies MNIST,
# builds lgc with -Werror, runs every CTest test, then rebuilds with
# AddressSanitizer + UndefinedBehaviorSanitizer and runs the fast labels again.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

jobs=$(nproc 2>/dev/null || echo 2)

echo "== build (Release, -Werror)" >&2
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DLGC_WERROR=ON >/dev/null
ninja -C build -j "$jobs"
echo "== tests" >&2
ctest --test-dir build --output-on-failure -j "$jobs"

echo "== build (ASan + UBSan)" >&2
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLGC_SANITIZE=ON -DLGC_WERROR=ON >/dev/null
ninja -C build-asan -j "$jobs"
echo "== tests under sanitizers (unit, grad, pkg, fuzz, cli)" >&2
# OpenMP runtimes keep thread-local pools alive at exit; leaks there are not ours.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs" -L 'unit|grad|pkg|fuzz|cli'
