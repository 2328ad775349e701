#!/bin/sh
# Guest side of the replica failover check (see ./run-failover-check). The export is mounted
# through a TCP balancer in front of two replicas, once per version in VERS, all at once (the
# first at /nix/store, so the demo hello's absolute paths resolve, the others at /mnt/nfs-VERS).
# On each mount a holdlock process holds the 4 MiB blob open with a read lock. A loop runs
# all along: drop the kernel's caches, then on every mount exec the demo hello (its output
# checked) and checksum it; each round's end time goes to /tmp/loop.log, an error to
# /tmp/loop.err. For each step the guest asks the host (the host kills or restarts a
# replica, "ready for step N" / the host's line on SIGNAL_PORT), then waits until the loop has
# done 3 more rounds, and prints the step's stall: the longest gap between two rounds.
# At the end: the loop saw no error, every holdlock read its file again through the fd held
# across all the moves and released its lock, and dmesg has no NFS error.
#
# Environment: PORT, VERS, SIGNAL_PORT (required), HOST (10.0.2.2), STEP_WAIT (180 s).
# Files: /files/holdlock, /files/held-open(.sha256), /files/exec(.sha256), /files/exec.expected.

exec </dev/null

HOST=${HOST:-10.0.2.2}
STEP_WAIT=${STEP_WAIT:-180}
passed=0 failed=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
finish() {
  touch /tmp/stop /tmp/go
  echo "failover-check: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit $?
}
[ -n "${PORT:-}" ] && [ -n "${SIGNAL_PORT:-}" ] && [ -n "${VERS:-}" ] || { fail "PORT, VERS and SIGNAL_PORT must be set"; finish; }

now() { cut -d' ' -f1 /proc/uptime; }
exe=$(cat /files/exec) held=$(cat /files/held-open)
dirs=""
for v in $VERS; do
  if [ -z "$dirs" ]; then dir=/nix/store; else dir=/mnt/nfs-$v; fi
  mkdir -p "$dir"
  opts="port=$PORT,addr=$HOST,vers=$v,ro"
  if out=$(timeout 60 mount -t nfs4 -o "$opts" "$HOST:/nix/store" "$dir" 2>&1); then
    pass "mount -o $opts at $dir"
  else
    fail "mount -o $opts at $dir: $out"; dmesg | tail -5; finish
  fi
  dirs="$dirs $dir"
done

for dir in $dirs; do
  n=$(echo "$dir" | tr / _)
  /files/holdlock "$dir/$held" /tmp/go "/tmp/held$n" > "/tmp/holdlock$n.out" 2>&1 &
  echo $! > "/tmp/holdlock$n.pid"
done
for dir in $dirs; do
  n=$(echo "$dir" | tr / _) i=0
  until grep -q locked "/tmp/holdlock$n.out" || [ $i -ge 60 ]; do sleep 1; i=$((i + 1)); done
  if grep -q locked "/tmp/holdlock$n.out"; then pass "$dir: $held open with a read lock"
  else fail "$dir: holdlock: $(cat /tmp/holdlock$n.out)"; fi
done

want_sum=$(cat /files/exec.sha256) want_out=$(cat /files/exec.expected)
(
  while [ ! -f /tmp/stop ]; do
    echo 3 > /proc/sys/vm/drop_caches
    for dir in $dirs; do
      got=$("$dir/$exe" 2>&1) || echo "$(now) $dir: exec failed: $got" >> /tmp/loop.err
      [ "$got" = "$want_out" ] || echo "$(now) $dir: exec said '$got'" >> /tmp/loop.err
      sum=$(sha256sum "$dir/$exe" 2>&1 | cut -d' ' -f1)
      [ "$sum" = "$want_sum" ] || echo "$(now) $dir: sha256 '$sum'" >> /tmp/loop.err
    done
    now >> /tmp/loop.log
  done
) &
loop=$!

rounds() { cat /tmp/loop.log 2>/dev/null | wc -l; }
# Waits until the loop has done $1 more rounds than now (at most STEP_WAIT seconds).
await_rounds() {
  target=$(($(rounds) + $1)) i=0
  while [ "$(rounds)" -lt "$target" ] && [ $i -lt "$STEP_WAIT" ]; do sleep 1; i=$((i + 1)); done
  [ "$(rounds)" -ge "$target" ]
}
await_rounds 3 || { fail "the loop did not get going: $(cat /tmp/loop.err 2>/dev/null)"; finish; }
pass "the loop runs ($(rounds) rounds)"

step=1
while :; do
  echo "failover-check: ready for step $step"
  t0=$(now) from=$(rounds)
  reply=$(timeout "$STEP_WAIT" nc "$HOST" "$SIGNAL_PORT" 2>&1)
  [ -n "$reply" ] || { fail "step $step: no word from the host within ${STEP_WAIT}s"; break; }
  [ "$reply" = finished ] && break
  echo "failover-check: step $step: the host says: $reply"
  if await_rounds 3; then
    # The stall: the longest gap between two round ends from the step's start on.
    stall=$( (echo "$t0"; tail -n +$((from + 1)) /tmp/loop.log) | awk 'NR > 1 && $1 - p > m { m = $1 - p } { p = $1 } END { printf "%.1f", m }')
    pass "step $step ($reply): the loop went on; stall ${stall} s"
    echo "failover-check: stall step $step ${stall} s"
  else
    fail "step $step ($reply): the loop made no progress in ${STEP_WAIT}s: $(tail -3 /tmp/loop.err 2>/dev/null)"
    break
  fi
  step=$((step + 1))
done

touch /tmp/stop
wait $loop
echo "failover-check: the loop ran $(rounds) rounds"
if [ -s /tmp/loop.err ]; then fail "errors in the loop:"; head -10 /tmp/loop.err; else pass "no error in the loop"; fi

touch /tmp/go
want=$(cat /files/held-open.sha256)
for dir in $dirs; do
  n=$(echo "$dir" | tr / _)
  if wait "$(cat /tmp/holdlock$n.pid)"; then
    got=$(sha256sum < "/tmp/held$n" | cut -d' ' -f1)
    if [ "$got" = "$want" ]; then pass "$dir: $(tail -1 /tmp/holdlock$n.out), sha256 ok"
    else fail "$dir: the file held open read back with sha256 $got, want $want"; fi
  else
    fail "$dir: $(tail -2 /tmp/holdlock$n.out)"
  fi
done

dmesg | grep -i -E 'nfs|rpc' | grep -v -i -e 'Registering' -e 'Registered' -e 'installing' > /tmp/dmesg.txt
if [ -s /tmp/dmesg.txt ]; then echo "failover-check: kernel messages:"; sed 's/^/  /' /tmp/dmesg.txt; fi
if grep -i -E 'stale|error|fail|lost|bad|not responding' /tmp/dmesg.txt > /tmp/dmesg-bad.txt; then
  fail "the kernel logged NFS errors:"; head -10 /tmp/dmesg-bad.txt
else
  pass "nothing in dmesg"
fi
finish
