# Guest side of GcEvictionTest (run by run-guest's busybox sh): an executor holds a store
# file open while the server's GC runs, and must keep reading it until it closes it; and with
# read delegations, opening a file again and again costs no OPEN/CLOSE, and GC recalls the
# delegation of a path no longer used before deleting it.
#
# Env: PORT, OPTS (mount options besides port=), VICTIM (store path base name), FILE (file
# in it, relative), SHA (its sha256), DELEGATED (store path base name) and DFILE (file in it),
# SIGNAL_PORT (the host answers one line per connection when its GC run is done).
#   1. mount; open DELEGATED/DFILE 100 times: the client's own count of OPEN and CLOSE calls
#      (/proc/self/mountstats) may grow by a few only;
#   1b. read every file in DFILE's directory (delegations on each), then, once the directory's
#      attributes expired, ls -l it: the client's count of GETATTR calls may grow by 10 at most
#      (with noatime; without it, one per file);
#   2. open VICTIM/FILE on fd 3 and read its first 64 KiB;
#   3. "gc-open: holding", wait for the host's word (it runs GC meanwhile, which recalls the
#      delegation on DELEGATED and deletes it); DELEGATED must be gone, without an I/O error;
#   4. read the rest through fd 3; the whole must match SHA; close fd 3;
#   5. "gc-open: closed", wait for the host's word (GC again); VICTIM must now be gone.
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
# Calls of one operation so far: "OPEN: ops transmissions ..." in the mount's per-op statistics.
calls() { awk -v op="$1:" '$1 == op { n += $2 } END { print n + 0 }' /proc/self/mountstats; }
d="/nix/store/$DELEGATED/$DFILE"
cat "$d" > /dev/null || fail "read $d"
opens=$(( $(calls OPEN) + $(calls OPEN_NOATTR) )) closes=$(calls CLOSE)
i=0
while [ $i -lt 100 ]; do cat "$d" > /dev/null || fail "open $i of $d"; i=$((i + 1)); done
opens=$(( $(calls OPEN) + $(calls OPEN_NOATTR) - opens )) closes=$(( $(calls CLOSE) - closes ))
say "100 opens of $DFILE sent $opens OPEN and $closes CLOSE"
if [ "$opens" -le 5 ] && [ "$closes" -le 5 ]; then pass "100 opens under a delegation: $opens OPEN, $closes CLOSE"
else fail "100 opens sent $opens OPEN and $closes CLOSE: no delegation?"; fi
dir=$(dirname "$d")
n=$(ls "$dir" | wc -l)   # before the reads: busybox ls stats each entry even without -l
for h in "$dir"/*; do cat "$h" > /dev/null || fail "read $h"; done
sleep 2   # the directory's attributes expire (acdirmin=1), as they have when ls -lR comes later
getattrs=$(calls GETATTR) readdirs=$(calls READDIR)
ls -l "$dir" > /dev/null || fail "ls -l $dir"
getattrs=$(( $(calls GETATTR) - getattrs )) readdirs=$(( $(calls READDIR) - readdirs ))
say "ls -l of $n delegated files sent $getattrs GETATTR and $readdirs READDIR"
if [ "$getattrs" -le 10 ]; then pass "ls -l of $n files read under delegations: $getattrs GETATTR"
else fail "ls -l of $n files read under delegations sent $getattrs GETATTR: atime asked for (no noatime?)"; fi
f="/nix/store/$VICTIM/$FILE"
exec 3< "$f" || { fail "open $f"; finish; }
dd bs=65536 count=1 <&3 > /tmp/part1 2>/dev/null
pass "opened $f and read $(wc -c < /tmp/part1) bytes"
say holding
reply=$(word)
[ "$reply" = "collected" ] || fail "host said '$reply' after the first GC"
sleep 2   # let the directory's attributes expire (acdirmin=1)
if [ -e "/nix/store/$DELEGATED" ]; then fail "$DELEGATED still visible after GC recalled and deleted it"
else pass "$DELEGATED gone after its delegation was recalled"; fi
err=$(cat "$d" 2>&1 > /dev/null) && fail "read $d after its deletion"
case "$err" in *"I/O error"*) fail "EIO after the recall: $err" ;; *) pass "after the recall: '$err'" ;; esac
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
