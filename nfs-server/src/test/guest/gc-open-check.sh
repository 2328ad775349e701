# Guest side of GcEvictionTest (run by run-guest's busybox sh): an executor holds a store
# file open while the server's GC runs, and must keep reading it until it closes it.
#
# Env: PORT, OPTS (mount options besides port=), VICTIM (store path base name), FILE (file
# in it, relative), SHA (its sha256), SIGNAL_PORT (the host answers one line per connection
# when its GC run is done).
#   1. mount; open VICTIM/FILE on fd 3 and read its first 64 KiB;
#   2. "gc-open: holding", wait for the host's word (it runs GC meanwhile);
#   3. read the rest through fd 3; the whole must match SHA; close fd 3;
#   4. "gc-open: closed", wait for the host's word (GC again); VICTIM must now be gone.
# Prints PASS/FAIL lines and "gc-open: N passed, N failed".
exec </dev/null
passed=0 failed=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
say() { echo "gc-open: $*"; }
finish() { echo "gc-open: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }
word() { timeout 120 nc "$HOST" "$SIGNAL_PORT" 2>&1; }

mkdir -p /nix/store
mount -t nfs4 -o "port=$PORT,$OPTS" "$HOST:/nix/store" /nix/store || { fail "mount"; finish; }
f="/nix/store/$VICTIM/$FILE"
exec 3< "$f" || { fail "open $f"; finish; }
dd bs=65536 count=1 <&3 > /tmp/part1 2>/dev/null
pass "opened $f and read $(wc -c < /tmp/part1) bytes"
say holding
reply=$(word)
[ "$reply" = "collected" ] || fail "host said '$reply' after the first GC"
cat <&3 > /tmp/part2 || fail "reading on after GC"
got=$(cat /tmp/part1 /tmp/part2 | sha256sum | cut -d' ' -f1)
if [ "$got" = "$SHA" ]; then pass "read the whole file through the fd held across GC"; else fail "sha256 $got, want $SHA"; fi
exec 3<&-
say closed
reply=$(word)
[ "$reply" = "collected" ] || fail "host said '$reply' after the second GC"
sleep 2   # let the directory's attributes expire (acdirmin=1)
if [ -e "/nix/store/$VICTIM" ]; then fail "$VICTIM still visible after GC deleted it"; else pass "$VICTIM gone once closed and collected"; fi
umount /nix/store
finish
