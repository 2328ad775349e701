#!/bin/sh
# Guest side of benchmarks/vm-executor-bench: runs inside the busybox VM of
# vm/run-guest (vm/README.md) and does, through Linux's own NFS client,
# what a Bazel executor does with a toolchain closure on /nix/store, once per server and
# repetition, each time on a fresh mount (cold client cache), and prints one line per run:
#
#   RESULT server=NAME rep=N exec_ms=.. read_ms=.. ls_ms=.. total_ms=.. files=.. bytes=..
#          execs=.. actions_ms=.. actions=..
#
# The workload, timed in three phases on a mount at /nix/store:
#   exec  run every executable file of the closure (each is a /bin/sh script padded with
#         data; gcc's driver runs cc1, as and ld by store path), then the cc wrapper
#   read  read every regular file of the closure whole (cat > /dev/null)
#   ls    ls -lR of every store path of the closure (READDIR, GETATTR, READLINK)
# and a fourth, not in total_ms, on the same (now warm) mount, shaped like the build actions one
# executor runs again and again:
#   actions  ACTIONS times: open and read the same HEADERS headers (as a compile includes
#            them) and run the cc wrapper; what repeats here is what read delegations save
#
# Environment (run-guest passes them):
#   SERVERS   "name:port name:port" (required), e.g. "nixnfs:20691 ganesha:20690"
#   REPS      repetitions per server (default 3); the order of the servers alternates
#             from one repetition to the next
#   WARMUP    1 (default): first a repetition 0 per server, on servers that have not seen
#             these files yet (server-side caches cold); reported, not in the medians
#   VERS      NFS minor version to mount with (default 4.1)
#   OPTS      more mount options (default: the executor options of the top-level README)
#   ACTIONS   repetitions of the actions phase (default 10; 0: no actions phase)
#   HEADERS   headers each action opens (default 200: the closure's first .h files)
# Files: /files/closure (store path basenames, one a line), /files/expect (expected
# "files bytes" of the closure), /files/cc (the cc wrapper's path below /nix/store).

exec </dev/null
HOST=${HOST:-10.0.2.2}
REPS=${REPS:-3}
VERS=${VERS:-4.1}
OPTS=${OPTS:-hard,proto=tcp,lookupcache=positive,acregmin=60,acregmax=3600,acdirmin=1,acdirmax=1,noatime}
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
ACTIONS=${ACTIONS:-10}
HEADERS=${HEADERS:-200}

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
  # actions: the same headers and compiler again and again (the list is made untimed)
  for p in $closure; do find "$p" -type f -name '*.h'; done | head -n "$HEADERS" > /tmp/headers
  t4=$(now_ms)
  a=0
  while [ $a -lt "$ACTIONS" ]; do
    while read -r h; do cat "$h" > /dev/null || { echo "FAIL: $1: action $a: read $h"; failed=$((failed + 1)); }; done < /tmp/headers
    "$M/$cc" -c hello.c > /dev/null 2>&1 || { echo "FAIL: $1: action $a: run $cc"; failed=$((failed + 1)); }
    a=$((a + 1))
  done
  t5=$(now_ms)
  opstats "$1" "$3" actions /tmp/ms.ls
  cd /
  n=0; until umount $M 2>/dev/null || [ $n -ge 5 ]; do n=$((n + 1)); sleep 1; done
  if [ "$files" != "$want_files" ] || [ "$bytes" != "$want_bytes" ]; then
    echo "FAIL: $1: read $files files, $bytes bytes; the closure has $want_files files, $want_bytes bytes"
    failed=$((failed + 1))
  fi
  case $cc_out in *"cc1 (nixnfs bench GCC)"*"GNU ld"*) ;; *) echo "FAIL: $1: cc printed: $cc_out"; failed=$((failed + 1)) ;; esac
  echo "RESULT server=$1 rep=$3 exec_ms=$((t1 - t0)) read_ms=$((t2 - t1)) ls_ms=$((t3 - t2)) total_ms=$((t3 - t0)) files=$files bytes=$bytes execs=$n_exec actions_ms=$((t5 - t4)) actions=$ACTIONS"
}

rep=1
[ "${WARMUP:-1}" = 1 ] && rep=0
while [ $rep -le "$REPS" ]; do
  if [ $((rep % 2)) -eq 1 ]; then order=$SERVERS; else order=$(echo "$SERVERS" | tr ' ' '\n' | sed '1!G;h;$!d'); fi
  for s in $order; do
    run_one "${s%%:*}" "${s##*:}" $rep
  done
  rep=$((rep + 1))
done
echo "executor-bench: $failed failures"
[ $failed -eq 0 ]
