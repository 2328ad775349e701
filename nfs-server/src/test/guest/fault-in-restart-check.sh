# Guest side of FaultInRestartKernelTest (run by run-guest's busybox sh): e2e/run's steps (f)
# and (g) on one mount. An executor with README's options (lookupcache=all: "no such file" is
# cached) asks for a path the server does not have while fault-in is off; the server restarts
# with fault-in on; the executor must then get the path without remounting.
#
# Env: PORT, OPTS (mount options besides port=), TOOL (store path base name only the binary
# cache has), TOOL_OUT (what TOOL/bin/tool prints), LIMIT (seconds to wait at most),
# SIGNAL_PORT (the host answers one line per connection once the server is back with fault-in).
#   1. mount; TOOL/bin/tool must fail (no fault-in yet); "fault-in-restart: asked";
#   2. wait for the host's word "restarted";
#   3. run TOOL/bin/tool every 100 ms until it prints TOOL_OUT; report the time.
# Prints PASS/FAIL lines and "fault-in-restart: N passed, N failed".
exec </dev/null
passed=0 failed=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
say() { echo "fault-in-restart: $*"; echo "."; }
finish() { echo "fault-in-restart: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }
word() { timeout 300 nc "$HOST" "$SIGNAL_PORT" 2>&1; }
now_ms() { read up _ < /proc/uptime; echo $(( ${up%.*} * 1000 + 10 * $(echo "${up#*.}" | sed 's/^0//') )); }

t="/nix/store/$TOOL/bin/tool"
mkdir -p /nix/store
mount -t nfs4 -o "port=$PORT,$OPTS" "$HOST:/nix/store" /nix/store || { fail "mount"; finish; }
ls /nix/store > /dev/null
if out=$("$t" 2>&1); then fail "$t ran before fault-in was on: '$out'"; else pass "without fault-in: '$out'"; fi
say "asked"
reply=$(word)
[ "$reply" = "restarted" ] || { fail "host said '$reply'"; finish; }
t0=$(now_ms)
i=0
while [ $i -lt $((LIMIT * 10)) ]; do
  if out=$("$t" 2>/dev/null) && [ "$out" = "$TOOL_OUT" ]; then break; fi
  usleep 100000
  i=$((i + 1))
done
t1=$(now_ms)
if [ "$out" = "$TOOL_OUT" ]; then
  pass "after the restart with fault-in: $t printed the expected output"
  echo "fault-in-restart: runs $((t1 - t0)) ms after the host's word, $i retries"
else
  fail "$t still fails $LIMIT s after the restart with fault-in: the client kept 'no such file'"
fi
umount /nix/store
finish
