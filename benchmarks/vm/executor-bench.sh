#!/bin/sh
# Guest side of benchmarks/vm-executor-bench: runs inside the busybox VM of
# vm/run-guest (vm/README.md) and does, through Linux's own NFS client,
# what a Bazel executor does with a toolchain closure on /nix/store, once per server and
# repetition, each time on a fresh mount (cold client cache), and prints one line per run:
#
#   RESULT server=NAME rep=N exec_ms=.. read_ms=.. ls_ms=.. total_ms=.. files=.. bytes=..
#   BUILD server=NAME rep=N actions=N first_ms=.. repeat_ms=..
#
# The workload, timed in three phases on a mount at /nix/store:
#   exec  run every executable file of the closure (each is a /bin/sh script padded with
#         data; gcc's driver runs cc1, as and ld by store path), then the cc wrapper
#   read  read every regular file of the closure whole (cat > /dev/null)
#   ls    ls -lR of every store path of the closure (READDIR, GETATTR, READLINK)
# and, on another fresh mount, what Bazel's compile actions do on an executor:
#   build ACTIONS compile actions with a real C toolchain from the store (/files/realcc: Debian's
#         gcc 12 as Nix store paths, e2e/toolchain): each compiles its own small C file, all
#         of them including the same system headers, with the flags of a Bazel CppCompile
#         (-MD -MF, -frandom-seed, ...); sources and outputs on the guest's tmpfs. Action 1
#         (cold client cache) is timed and counted apart ("build1") from actions 2..ACTIONS
#         ("buildN": the repeated action, with the executor's caches warm)
#
# Environment (run-guest passes them):
#   SERVERS   "name:port name:port" (required), e.g. "nixnfs:20691 ganesha:20690"
#   REPS      repetitions per server (default 3); the order of the servers alternates
#             from one repetition to the next
#   WARMUP    1 (default): first a repetition 0 per server, on servers that have not seen
#             these files yet (server-side caches cold); reported, not in the medians
#   VERS      NFS minor version to mount with (default 4.1)
#   OPTS      more mount options (default: the executor options of the top-level README)
#   WORKLOADS "files build" (default): files = exec, read, ls; build = the compile actions
#   ACTIONS   compile actions per build run (default 10)
# Files: /files/closure (store path basenames, one a line), /files/expect (expected
# "files bytes" of the closure), /files/cc (the cc wrapper's path below /nix/store),
# /files/realcc (the real toolchain's cc, likewise).

exec </dev/null
HOST=${HOST:-10.0.2.2}
REPS=${REPS:-3}
VERS=${VERS:-4.1}
OPTS=${OPTS:-hard,proto=tcp,lookupcache=all,acregmin=60,acregmax=3600,acdirmin=1,acdirmax=1,noatime}
M=/nix/store
failed=0

now_ms() {  # /proc/uptime is in centiseconds ("123.45"); glue the digits: no octal "08"
  read -r up _ < /proc/uptime; c=${up%.*}${up#*.}; while [ "${c#0}" != "$c" ] && [ ${#c} -gt 1 ]; do c=${c#0}; done
  echo $((c * 10))
}

mkdir -p $M
echo "_ 0 0 0" > /tmp/ms.none
closure=$(cat /files/closure)
read -r want_files want_bytes < /files/expect
cc=$(cat /files/cc)
realcc=$(cat /files/realcc 2>/dev/null || true)
WORKLOADS=${WORKLOADS:-files build}
ACTIONS=${ACTIONS:-10}

# The sources of the compile actions: small C files that include the same headers, as the
# files of one Bazel package do (each action compiles one of them).
mkdir -p /tmp/src
i=1
while [ $i -le "$ACTIONS" ]; do
  cat > /tmp/src/unit$i.c <<EOF
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock$i = PTHREAD_MUTEX_INITIALIZER;

int unit${i}_count(const char *path) {
  struct stat st;
  int n = 0;
  if (stat(path, &st) != 0) return -errno;
  pthread_mutex_lock(&lock$i);
  for (const char *p = path; *p; p++) n += isalpha((unsigned char) *p) ? $i : 1;
  pthread_mutex_unlock(&lock$i);
  return n + (int) (st.st_size % INT_MAX);
}

double unit${i}_norm(size_t n, const double *v) {
  double s = 0;
  for (size_t k = 0; k < n; k++) s += v[k] * v[k];
  return sqrt(s) / (double) $i;
}

int unit${i}_log(const char *fmt, ...) {
  va_list ap;
  char buf[256];
  va_start(ap, fmt);
  int r = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  fprintf(stderr, "[%" PRIdMAX "] unit$i: %s\\n", (intmax_t) time(NULL), buf);
  assert(r >= 0);
  return r;
}
EOF
  i=$((i + 1))
done

# opstats NAME REP PHASE PREVIOUS: per-operation counts and times of PHASE as the client
# saw them (from /proc/self/mountstats, minus the snapshot PREVIOUS taken after the phase
# before), as "OPSTAT server= rep= phase= op= count= rtt_ms= exe_ms=" lines (total ms of
# round trip time, and of execute time = queue + round trip); keeps the snapshot as
# /tmp/ms.PHASE. Untimed: it runs between the phases.
opstats() {
  # (the "_" line keeps a snapshot from being empty, which would confuse NR == FNR)
  { echo "_ 0 0 0"; awk -v m="$M" '$1 == "device" { mine = ($5 == m) }
    mine && /^[[:space:]]*[A-Z_0-9]+:/ && NF >= 9 { sub(":", "", $1); print $1, $2, $8, $9 }' /proc/self/mountstats; } > /tmp/ms.$3
  awk -v s="$1" -v r="$2" -v ph="$3" 'NR == FNR { c[$1] = $2; rtt[$1] = $3; exe[$1] = $4; next }
    $2 - c[$1] > 0 { printf "OPSTAT server=%s rep=%s phase=%s op=%s count=%d rtt_ms=%d exe_ms=%d\n", s, r, ph, $1, $2 - c[$1], $3 - rtt[$1], $4 - exe[$1] }' "$4" /tmp/ms.$3
}

run_one() {  # NAME PORT REP
  sync; echo 3 > /proc/sys/vm/drop_caches
  if ! out=$(mount -t nfs4 -o "port=$2,addr=$HOST,vers=$VERS,ro,$OPTS" "$HOST:/nix/store" $M 2>&1); then
    echo "FAIL: mount $1 (port $2): $out"; failed=$((failed + 1)); return
  fi
  cd $M || { echo "FAIL: cd $M"; failed=$((failed + 1)); return; }
  t0=$(now_ms)
  # exec: every executable regular file, then the wrapper (which chains gcc, cc1, as, ld)
  n_exec=0
  for p in $closure; do
    for f in $(find "$p" -type f -perm -0100); do
      "$M/$f" > /dev/null 2>&1 || { echo "FAIL: $1: run $f"; failed=$((failed + 1)); }
      n_exec=$((n_exec + 1))
    done
  done
  cc_out=$("$M/$cc" -c hello.c 2>&1) || { echo "FAIL: $1: run $cc: $cc_out"; failed=$((failed + 1)); }
  t1=$(now_ms)
  opstats "$1" "$3" exec /tmp/ms.none
  # read: every regular file, whole (find -exec +, not xargs: busybox 1.35's xargs in the
  # guest garbled some of 2,786 long path names)
  for p in $closure; do
    find "$p" -type f -exec cat {} + > /dev/null || { echo "FAIL: $1: reading the files of $p"; failed=$((failed + 1)); }
  done
  t2=$(now_ms)
  opstats "$1" "$3" read /tmp/ms.exec
  # ls: every store path of the closure, recursively, long format
  ls -lR $closure > /tmp/ls.out 2>&1 || { echo "FAIL: $1: ls -lR"; failed=$((failed + 1)); }
  t3=$(now_ms)
  # (untimed) the bytes there are to read, from the attributes cached by now
  files=0 bytes=0
  for p in $closure; do
    for b in $(find "$p" -type f -exec stat -c %s {} +); do files=$((files + 1)) bytes=$((bytes + b)); done
  done
  opstats "$1" "$3" ls /tmp/ms.read
  cd /
  n=0; until umount $M 2>/dev/null || [ $n -ge 5 ]; do n=$((n + 1)); sleep 1; done
  if [ "$files" != "$want_files" ] || [ "$bytes" != "$want_bytes" ]; then
    echo "FAIL: $1: read $files files, $bytes bytes; the closure has $want_files files, $want_bytes bytes"
    failed=$((failed + 1))
  fi
  case $cc_out in *"cc1 (nixnfs bench GCC)"*"GNU ld"*) ;; *) echo "FAIL: $1: cc printed: $cc_out"; failed=$((failed + 1)) ;; esac
  echo "RESULT server=$1 rep=$3 exec_ms=$((t1 - t0)) read_ms=$((t2 - t1)) ls_ms=$((t3 - t2)) total_ms=$((t3 - t0)) files=$files bytes=$bytes execs=$n_exec"
}

# compile NAME I: one compile action, as Bazel's CppCompile runs it (fastbuild flags)
compile() {
  "$M/$realcc" -U_FORTIFY_SOURCE -fstack-protector -Wall -Wunused-but-set-parameter \
    -Wno-free-nonheap-object -fno-omit-frame-pointer -g0 -O0 -fPIC -std=c11 -D_GNU_SOURCE \
    -MD -MF /tmp/out/unit$2.d -frandom-seed=/tmp/out/unit$2.o \
    -c /tmp/src/unit$2.c -o /tmp/out/unit$2.o > /tmp/out/unit$2.log 2>&1 \
    || { echo "FAIL: $1: compile unit$2.c: $(head -c 600 /tmp/out/unit$2.log)"; failed=$((failed + 1)); }
}

build_one() {  # NAME PORT REP
  sync; echo 3 > /proc/sys/vm/drop_caches
  if ! out=$(mount -t nfs4 -o "port=$2,addr=$HOST,vers=$VERS,ro,$OPTS" "$HOST:/nix/store" $M 2>&1); then
    echo "FAIL: mount $1 (port $2): $out"; failed=$((failed + 1)); return
  fi
  rm -rf /tmp/out; mkdir -p /tmp/out
  cd /tmp/src || return
  opstats "$1" "$3" build0 /tmp/ms.none > /dev/null
  t0=$(now_ms)
  compile "$1" 1
  t1=$(now_ms)
  opstats "$1" "$3" build1 /tmp/ms.build0
  i=2
  while [ $i -le "$ACTIONS" ]; do compile "$1" $i; i=$((i + 1)); done
  t2=$(now_ms)
  opstats "$1" "$3" buildN /tmp/ms.build1
  cd /
  n=0; until umount $M 2>/dev/null || [ $n -ge 5 ]; do n=$((n + 1)); sleep 1; done
  i=1
  while [ $i -le "$ACTIONS" ]; do
    magic=$(dd if=/tmp/out/unit$i.o bs=4 count=1 2>/dev/null | od -An -c | tr -d ' ')
    [ "$magic" = 177ELF ] && grep -q "stdio.h" /tmp/out/unit$i.d \
      || { echo "FAIL: $1: unit$i.o is no object file or unit$i.d lists no stdio.h"; failed=$((failed + 1)); }
    i=$((i + 1))
  done
  echo "BUILD server=$1 rep=$3 actions=$ACTIONS first_ms=$((t1 - t0)) repeat_ms=$((t2 - t1))"
}

rep=1
[ "${WARMUP:-1}" = 1 ] && rep=0
while [ $rep -le "$REPS" ]; do
  if [ $((rep % 2)) -eq 1 ]; then order=$SERVERS; else order=$(echo "$SERVERS" | tr ' ' '\n' | sed '1!G;h;$!d'); fi
  for s in $order; do
    case " $WORKLOADS " in *" files "*) run_one "${s%%:*}" "${s##*:}" $rep ;; esac
    case " $WORKLOADS " in *" build "*) build_one "${s%%:*}" "${s##*:}" $rep ;; esac
  done
  rep=$((rep + 1))
done
echo "executor-bench: $failed failures"
[ $failed -eq 0 ]
