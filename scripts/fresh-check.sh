#!/usr/bin/env bash
# fresh-check.sh - rehearse the README's commands on a Debian 12 root that has
# never seen lgc. Not part of CI, nor of scripts/test.sh: run it by hand before
# a release, or after changing scripts/setup.sh.
#
#   sudo bash scripts/fresh-check.sh          (as root; it mounts and chroots)
#   KEEP=1 sudo bash scripts/fresh-check.sh   keep the root afterwards, to debug
#
# What it does:
#   1. reads the commands from README.md's first ```sh block (of HEAD);
#   2. bootstraps a minimal Debian 12 root with mmdebstrap (--variant=apt,
#      --mode=root; installs mmdebstrap with apt if missing) from this machine's
#      own apt sources, under a temporary folder in $TMP_PARENT (/var/tmp);
#   3. clones the committed HEAD (not the working tree: no uncommitted edits,
#      no data/, no build/) into /root/lgc of that root;
#   4. gives the root what a fresh machine of this kind has: /proc, /dev,
#      /dev/pts, /dev/shm, /sys (read-only), this machine's resolver, its CA
#      certificates (/usr/local/share/ca-certificates/*.crt and the bundle
#      /etc/ssl/certs/ca-certificates.crt), npm's settings (~/.npmrc and the
#      cafile, as /root/.npmrc and /etc/npmrc), and the CA variables of this
#      environment (SSL_CERT_FILE, NODE_EXTRA_CA_CERTS, ...) where set;
#   5. runs each README command inside it as root from /root/lgc, records its
#      exit status and wall time, and prints a summary with the main job's table;
#   6. writes the summary, the tail of each command's output, the commit tested,
#      the date and the invocation to bench/results/fresh-check.log; the whole
#      output is kept in /var/tmp/lgc-fresh.XXXXXX.log;
#   7. on every exit path (success, failure, Ctrl-C, set -e abort) ends what is
#      still running in the root, unmounts what it mounted (reverse order), and
#      removes the root unless KEEP=1.
# Exits non-zero when any README command fails.
#
# Time, measured on a 2-core machine: bootstrap 15-20 s; `bash scripts/run.sh`
# (apt packages, MNIST, build, training, six judge runs) 4-6 min; `bash
# scripts/test.sh` (two builds, every test) 2.5-3.5 min: 7-10 min in all;
# allow 15-30 min on a slow machine or mirror. Needs ~5 GB free in $TMP_PARENT and
# network access to the apt mirror and the npm registry.
# shellcheck disable=SC2016  # backticks in printf formats are Markdown
set -euo pipefail

# ---- everything that may change lives here ---------------------------------
SUITE=bookworm
APT_SOURCES=/etc/apt/sources.list.d/debian.sources
TMP_PARENT=${TMP_PARENT:-/var/tmp}
MIN_FREE_GB=5
TAIL_LINES=${TAIL_LINES:-40}   # lines of each command's output in the log
KEEP=${KEEP:-0}
CA_LOCAL_DIR=/usr/local/share/ca-certificates
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
CA_ENV_VARS=(SSL_CERT_FILE SSL_CERT_DIR NODE_EXTRA_CA_CERTS CURL_CA_BUNDLE GIT_SSL_CAINFO REQUESTS_CA_BUNDLE)
CHROOT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CLONE_IN_ROOT=/root/lgc
# -----------------------------------------------------------------------------

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOG_OUT="$REPO/bench/results/fresh-check.log"
INVOCATION="bash scripts/fresh-check.sh${*:+ $*}"
if [[ $KEEP != 0 ]]; then INVOCATION="KEEP=$KEEP $INVOCATION"; fi

say() { printf 'fresh-check: %s\n' "$*" >&2; }
die() { printf 'fresh-check: error: %s\n' "$*" >&2; exit 1; }

case "${1:-}" in
  "") ;;
  -h|--help) sed -n '2,/^set -euo/{/^#/p}' "${BASH_SOURCE[0]}" | grep -v '^# shellcheck' | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown option '$1' (see --help)" ;;
esac

[[ $(id -u) == 0 ]] || die "needs root (mmdebstrap --mode=root, mount, chroot): sudo bash scripts/fresh-check.sh"
command -v git >/dev/null || die "git not found"
git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1 || die "$REPO is not a git checkout"
[[ -f $APT_SOURCES ]] || die "no apt sources at $APT_SOURCES"

# ---- the commands, from README.md of the commit under test ------------------
COMMIT="$(git -C "$REPO" rev-parse HEAD)"
SUBJECT="$(git -C "$REPO" log -1 --format=%s "$COMMIT")"
readme="$(git -C "$REPO" show "$COMMIT:README.md" 2>/dev/null)" || die "README.md is not in commit $COMMIT"
# Lines of the first ```sh (or ```bash) block; a trailing `# comment` and blank lines are dropped.
mapfile -t COMMANDS < <(printf '%s\n' "$readme" | awk '
  !inb && /^```(sh|bash)[[:space:]]*$/ { inb = 1; next }
  inb && /^```/ { exit }
  inb { sub(/[[:space:]]+#.*$/, ""); sub(/^[[:space:]]+/, ""); if ($0 != "") print }')
[[ ${#COMMANDS[@]} -gt 0 ]] || die "README.md (at ${COMMIT:0:12}) has no \`\`\`sh block with commands; nothing to rehearse"

avail_gb=$(df --output=avail -BG "$TMP_PARENT" | tail -n 1 | tr -dc 0-9)
[[ $avail_gb -ge $MIN_FREE_GB ]] || die "$TMP_PARENT has ${avail_gb} GB free, need $MIN_FREE_GB"

WORK="$(mktemp -d "$TMP_PARENT/lgc-fresh.XXXXXX")"
R="$WORK/root"
FULL_LOG="$WORK.log"
MOUNTS=()      # what this script mounted, in order
cleaned=0

# Everything from here on goes to the terminal and to $FULL_LOG. tee ignores
# SIGINT/SIGTERM so that Ctrl-C cannot cut the log (or the clean-up's output) short.
exec > >(trap '' INT TERM; exec tee -a "$FULL_LOG") 2>&1

# 0 when something is mounted at or below $1.
mounted_under() {
  awk -v p="$1" '$5 == p || index($5, p "/") == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo
}

# Processes whose root is the fresh root were started by this script (through chroot).
procs_in_root() {
  local d root
  for d in /proc/[0-9]*; do
    root="$(readlink "$d/root" 2>/dev/null)" || continue
    [[ $root == "$R" ]] && printf '%s\n' "${d#/proc/}"
  done
  return 0
}

cleanup() {
  [[ $cleaned == 1 ]] && return
  cleaned=1
  trap '' PIPE INT TERM   # finish the clean-up whatever happens to the terminal
  set +e
  local pids i m
  pids="$(procs_in_root)"
  if [[ -n $pids ]]; then
    say "cleanup: ending processes still running in the root: ${pids//$'\n'/ }"
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null
    for i in 1 2 3 4 5 6 7 8 9 10; do
      [[ -z "$(procs_in_root)" ]] && break
      sleep 0.5
    done
    pids="$(procs_in_root)"
    # shellcheck disable=SC2086
    [[ -n $pids ]] && kill -KILL $pids 2>/dev/null && sleep 0.5
  fi
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
    m="${MOUNTS[i]}"
    mountpoint -q "$m" || continue
    umount "$m" 2>/dev/null || umount -R "$m" 2>/dev/null || umount -l "$m" \
      || say "cleanup: could not unmount $m"
  done
  # Anything else still mounted below the root (deepest first), e.g. by a killed mmdebstrap.
  if [[ -d $R ]] && mounted_under "$R"; then
    while read -r m; do
      say "cleanup: unmounting leftover $m"
      umount "$m" 2>/dev/null || umount -l "$m"
    done < <(awk -v p="$R" '$5 == p || index($5, p "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r)
  fi
  if [[ $KEEP != 0 ]]; then
    say "cleanup: KEEP=$KEEP, root kept at $R (unmounted; remove with: rm -rf --one-file-system $WORK)"
  elif mounted_under "$WORK"; then
    say "cleanup: something is still mounted under $WORK; NOT removing it:"
    awk -v p="$WORK" 'index($5, p "/") == 1 { print "  " $5 }' /proc/self/mountinfo >&2
  else
    rm -rf --one-file-system "$WORK" && say "cleanup: removed $WORK"
  fi
  say "full log: $FULL_LOG"
}
on_exit() {
  local rc=$?
  cleanup
  exit "$rc"
}
trap on_exit EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM

do_mount() {   # do_mount TARGET mount-args...
  local target="$1"
  shift
  mkdir -p "$target"
  mount "$@" "$target"
  MOUNTS+=("$target")
}

fmt_secs() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

say "commit under test: $COMMIT ($SUBJECT)"
say "README commands:$(printf ' [%s]' "${COMMANDS[@]}")"
say "work folder: $WORK"

# ---- 1. the root ---------------------------------------------------------------
if ! command -v mmdebstrap >/dev/null; then
  say "installing mmdebstrap"
  DEBIAN_FRONTEND=noninteractive apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends mmdebstrap
fi
say "bootstrap: mmdebstrap --variant=apt --mode=root $SUITE $R $APT_SOURCES"
t=$SECONDS
# A MIRROR argument that is an existing file is pasted in as the root's apt sources (deb822 here).
mmdebstrap --variant=apt --mode=root "$SUITE" "$R" "$APT_SOURCES"
T_BOOT=$((SECONDS - t))
say "bootstrap: done in ${T_BOOT} s ($(du -sh "$R" | cut -f1))"

# ---- 2. the clone of HEAD --------------------------------------------------------
# --no-local copies objects through git's transport, as a clone from a server
# would; checking out $COMMIT pins it even if HEAD moves meanwhile.
git clone --quiet --no-local --no-checkout "$REPO" "$R$CLONE_IN_ROOT"
git -C "$R$CLONE_IN_ROOT" checkout --quiet --detach "$COMMIT"
[[ $(git -C "$R$CLONE_IN_ROOT" rev-parse HEAD) == "$COMMIT" ]] || die "clone is not at $COMMIT"
for d in data build out; do
  [[ ! -e "$R$CLONE_IN_ROOT/$d" ]] || die "the clone has $d/ (committed?); a fresh checkout should not"
done
say "clone: $CLONE_IN_ROOT at ${COMMIT:0:12} ($(git -C "$R$CLONE_IN_ROOT" ls-files | wc -l) files)"

# ---- 3. what a fresh machine of this kind has ---------------------------------
if mount -t proc proc "$R/proc" 2>/dev/null; then
  MOUNTS+=("$R/proc")
else
  do_mount "$R/proc" --bind /proc
fi
do_mount "$R/sys" -o bind,ro /sys
do_mount "$R/dev" --bind /dev
do_mount "$R/dev/pts" --bind /dev/pts
do_mount "$R/dev/shm" -t tmpfs -o mode=1777,nosuid,nodev tmpfs
cp -L /etc/resolv.conf "$R/etc/resolv.conf"
given=("/proc" "/sys (ro)" "/dev" "/dev/pts" "/dev/shm (tmpfs)" "/etc/resolv.conf")
if compgen -G "$CA_LOCAL_DIR/*.crt" >/dev/null; then
  mkdir -p "$R$CA_LOCAL_DIR"
  cp "$CA_LOCAL_DIR"/*.crt "$R$CA_LOCAL_DIR/"
  given+=("$CA_LOCAL_DIR/{$(cd "$CA_LOCAL_DIR" && printf '%s\n' *.crt | paste -sd,)}")
fi
if [[ -f $CA_BUNDLE ]]; then
  mkdir -p "$R$(dirname "$CA_BUNDLE")"
  cp -L "$CA_BUNDLE" "$R$CA_BUNDLE"
  given+=("$CA_BUNDLE")
fi
home_npmrc="${SUDO_USER:+$(getent passwd "$SUDO_USER" | cut -d: -f6)}"
home_npmrc="${home_npmrc:-$HOME}/.npmrc"
if [[ -f $home_npmrc ]]; then
  cp "$home_npmrc" "$R/root/.npmrc"
  given+=("$home_npmrc as /root/.npmrc")
fi
cafile=""
command -v npm >/dev/null && cafile="$(npm config get cafile 2>/dev/null || true)"
if [[ -n $cafile && $cafile != null && $cafile != undefined ]]; then
  [[ -f "$R$cafile" ]] || { mkdir -p "$R$(dirname "$cafile")"; cp -L "$cafile" "$R$cafile"; }
  printf 'cafile=%s\n' "$cafile" >"$R/etc/npmrc"
  grep -q '^cafile=' "$R/root/.npmrc" 2>/dev/null || printf 'cafile=%s\n' "$cafile" >>"$R/root/.npmrc"
  given+=("npm cafile=$cafile (/etc/npmrc, /root/.npmrc)")
fi
CHROOT_ENV=(HOME=/root USER=root LOGNAME=root LANG=C.UTF-8 "PATH=$CHROOT_PATH" "TERM=${TERM:-dumb}")
for v in "${CA_ENV_VARS[@]}"; do
  if [[ -n ${!v:-} ]]; then
    CHROOT_ENV+=("$v=${!v}")
    given+=("\$$v")
  fi
done
say "given to the root: ${given[*]}"

# ---- 4. the README commands ------------------------------------------------------
STATUS=()
TIMES=()
for i in "${!COMMANDS[@]}"; do
  cmd="${COMMANDS[i]}"
  out="$WORK/cmd-$i.log"
  say "run [$((i + 1))/${#COMMANDS[@]}]: $cmd (in $CLONE_IN_ROOT, as root)"
  t=$SECONDS
  # In the background, so that `wait` returns at once on INT/TERM and the trap
  # runs; the clean-up then ends what still runs in the root.
  { chroot "$R" /usr/bin/env --default-signal=INT,QUIT -i "${CHROOT_ENV[@]}" /bin/bash -lc "cd $CLONE_IN_ROOT && $cmd" </dev/null 2>&1
    echo $? >"$WORK/cmd-$i.rc"; } | (trap '' INT TERM; exec tee "$out") &
  wait $!
  rc="$(cat "$WORK/cmd-$i.rc" 2>/dev/null || echo 255)"
  STATUS+=("$rc")
  TIMES+=($((SECONDS - t)))
  say "run [$((i + 1))/${#COMMANDS[@]}]: $cmd -> exit $rc in $(fmt_secs "${TIMES[i]}")"
done

# The main job's table: the last block of lines starting with '|' in a command's
# output, with its caption (the non-blank line above it).
table_of() {
  awk '{ l[NR] = $0 } END {
    e = 0; for (i = NR; i >= 1; i--) if (l[i] ~ /^\|/) { e = i; break }
    if (!e) exit 1
    s = e; while (s > 1 && l[s - 1] ~ /^\|/) s--
    c = s - 1; while (c >= 1 && l[c] ~ /^[[:space:]]*$/) c--
    if (c >= 1) print l[c] "\n"
    for (i = s; i <= e; i++) print l[i] }' "$1"
}
# Milestones of a command's output: set-up lines, stage headers, CTest totals.
milestones_of() {
  grep -E '^(setup: |== |[0-9]+% tests passed|Total Test time|The following tests FAILED|Errors while running)|\*\*\*Failed|Error|error:' "$1" \
    | tail -n 40 || true
}

overall=0
summary="$(
  printf '| command | exit status | wall time |\n|---|---|---|\n'
  printf '| mmdebstrap --variant=apt --mode=root %s (bootstrap) | 0 | %s |\n' "$SUITE" "$(fmt_secs "$T_BOOT")"
  for i in "${!COMMANDS[@]}"; do
    printf '| `%s` | %s | %s |\n' "${COMMANDS[i]}" "${STATUS[i]}" "$(fmt_secs "${TIMES[i]}")"
  done
)"
table=""
for i in "${!COMMANDS[@]}"; do
  [[ ${STATUS[i]} == 0 ]] || overall=1
  if [[ -z $table ]]; then table="$(table_of "$WORK/cmd-$i.log" || true)"; fi
done

# ---- 5. the log -------------------------------------------------------------------
{
  printf '# fresh-check: the README commands on a fresh Debian 12 root\n\n'
  printf 'produced by: %s   (as root, from %s)\n' "$INVOCATION" "$REPO"
  printf 'date:        %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  printf 'commit:      %s (%s)\n' "$COMMIT" "$SUBJECT"
  printf 'host:        %s, %s CPUs, kernel %s\n' "$(sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release)" "$(nproc)" "$(uname -r)"
  printf 'root:        mmdebstrap --variant=apt --mode=root %s DIR %s\n' "$SUITE" "$APT_SOURCES"
  printf 'given:       %s\n' "${given[*]}"
  printf 'result:      %s\n\n' "$([[ $overall == 0 ]] && echo 'every command exited 0' || echo 'FAILED')"
  printf '## summary\n\n%s\n\n' "$summary"
  printf '## the table printed by the main job\n\n%s\n\n' "${table:-(no table found in any command output)}"
  for i in "${!COMMANDS[@]}"; do
    f="$WORK/cmd-$i.log"
    printf '## `%s`: exit %s, %s, %s lines of output\n\n' "${COMMANDS[i]}" "${STATUS[i]}" \
      "$(fmt_secs "${TIMES[i]}")" "$(wc -l <"$f")"
    printf '### milestones\n\n```\n%s\n```\n\n' "$(milestones_of "$f")"
    printf '### last %s lines\n\n```\n%s\n```\n\n' "$TAIL_LINES" "$(tail -n "$TAIL_LINES" "$f")"
  done
} >"$WORK/report.md"
mkdir -p "$(dirname "$LOG_OUT")"
cp "$WORK/report.md" "$LOG_OUT"

printf '\n==== fresh-check summary (commit %s) ====\n\n%s\n\n%s\n\n' "${COMMIT:0:12}" "$summary" "${table:-(no table found)}"
say "log written to $LOG_OUT"
if [[ $overall != 0 ]]; then
  say "FAILED: a README command exited non-zero on the fresh root (see $LOG_OUT)"
  exit 1
fi
say "ok: every README command exited 0 on the fresh root"
