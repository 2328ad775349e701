# Guest side of FaultInKernelTest (run by run-guest's busybox sh): an executor runs a binary
# that only a binary cache has, then one that GC evicted to the cold tier, both through fault-in.
#
# Env: PORT, OPTS (mount options besides port=), TOOL (store path base name, never pushed: only
# the binary cache has it), TOOL_OUT (what TOOL/bin/tool prints), LOCAL (base name of a path
# only the server has), LOCAL_OUT (what LOCAL/bin/local prints), SIGNAL_PORT (the host answers
# one line per connection when its GC run is done).
#   1. mount; run TOOL/bin/tool; report the time from exec to its output;
#   2. run LOCAL/bin/local; "fault-in: ran local", wait for the host's word (GC evicts LOCAL);
#   3. run LOCAL/bin/local again (it comes back from the cold tier); report the time.
# Lines the host waits for are followed by a filler line (run-guest holds a line back until
# the next one arrives). Prints PASS/FAIL lines and "fault-in: N passed, N failed".
exec </dev/null
passed=0 failed=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
say() { echo "fault-in: $*"; echo "."; }
finish() { echo "fault-in: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }
word() { timeout 300 nc "$HOST" "$SIGNAL_PORT" 2>&1; }
# Milliseconds since boot (the guest's clock; /proc/uptime has centiseconds).
now_ms() { read up _ < /proc/uptime; echo $(( ${up%.*} * 1000 + 10 * $(echo "${up#*.}" | sed 's/^0//') )); }
run_timed() { # $1 = what, $2 = program, $3 = expected output
  t0=$(now_ms)
  out=$("$2" 2>&1)
  t1=$(now_ms)
  if [ "$out" = "$3" ]; then
    pass "$1: $2 printed the expected output"
    echo "fault-in: $1: first exec to output $((t1 - t0)) ms"
  else
    fail "$1: $2 printed '$out', want '$3'"
  fi
}

mkdir -p /nix/store
mount -t nfs4 -o "port=$PORT,$OPTS" "$HOST:/nix/store" /nix/store || { fail "mount"; finish; }
ls /nix/store > /dev/null   # the mount's first round trips are not part of the timings
run_timed "never pushed" "/nix/store/$TOOL/bin/tool" "$TOOL_OUT"
run_timed "local" "/nix/store/$LOCAL/bin/local" "$LOCAL_OUT"
say "ran local"
reply=$(word)
[ "$reply" = "evicted" ] || fail "host said '$reply' after GC"
run_timed "evicted" "/nix/store/$LOCAL/bin/local" "$LOCAL_OUT"
umount /nix/store
finish
