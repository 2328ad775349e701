# Guest side of VisibilityTest (run by vm/run-guest's busybox sh): how soon does an executor that
# already mounted the store, and already asked for a store path, see it once the server's Nix
# builds it? One boot serves every check (a VM boot is the expensive part).
#
# Env: PORT, README_OPTS (README's mount options), NAME42 and NAME40 (base names of two store
# paths to come), EXE (an executable inside them, relative), LIMIT (seconds to wait at most).
#
# 1. Mounts without vers= and reports the version the kernel picked ("mount-default NFS x").
# 2. NFSv4.2: mounts /n/r42 with README's options and /n/d42 with the kernel's defaults, asks
#    both for NAME42 (absent: the defaults cache that answer), says "waiting 42", then runs
#    NAME42's EXE through /n/r42 every 20 ms until it works ("EXEC r42 <output>"); at that
#    moment tries /n/d42 once ("DEFAULTS-STALE" if it still fails, "DEFAULTS-SEE" if not);
#    then waits until `ls /n/r42` lists it ("LISTED r42").
# 3. NFSv4.0: the same with /n/r40 and NAME40 ("waiting 40", "EXEC r40", "LISTED r40").
# 4. Runs NAME42 through /n/d42 until it works ("EXEC d42"): how long the defaults take.
# The host times each line against the commit that registered the path. Every such line is
# followed by a filler line at once: run-guest's console filter holds a line back until the next
# one arrives, and the timing is the point here. Lines "visibility: FAIL ..." end the run.
say() { echo "visibility: $*"; echo "."; }
fail() { say "FAIL $*"; exit 1; }

# mnt DIR OPTIONS EXPECTED_VERSION: mount, check the version in /proc/mounts, list once.
mnt() {
  mkdir -p "$1"
  mount -t nfs4 -o "port=$PORT,$2" "$HOST:/nix/store" "$1" || fail "mount $1 with $2"
  got=$(awk -v m="$1" '$2 == m && $3 ~ /^nfs/ {print $4}' /proc/mounts | tr ',' '\n' | sed -n 's/^vers=//p')
  [ -z "$3" ] || [ "$got" = "$3" ] || fail "$1 mounted NFS $got, not $3 ($2)"
  say "mounted $1 with NFS $got ($2)"
  ls "$1" > /dev/null || fail "ls $1"
}

# absent DIR NAME: the executor asks too early (what negative lookup caching remembers).
absent() {
  if [ -e "$1/$2" ]; then fail "$2 exists in $1 before it was built"; fi
}

# runs DIR NAME: whether the path's executable runs through DIR (its output in $out).
runs() { out=$("$1/$2/$EXE" 2>/dev/null); }

# wait_exec DIR NAME LABEL
wait_exec() {
  i=0
  while [ $i -lt $((LIMIT * 50)) ]; do
    if runs "$1" "$2"; then say "EXEC $3 $out"; return 0; fi
    usleep 20000
    i=$((i + 1))
  done
  fail "$2 not runnable through $1 within $LIMIT s"
}

# wait_listed DIR NAME LABEL
wait_listed() {
  i=0
  while [ $i -lt $((LIMIT * 50)) ]; do
    if ls "$1" | grep -q "^$2\$"; then say "LISTED $3"; return 0; fi
    usleep 20000
    i=$((i + 1))
  done
  fail "$2 not listed in $1 within $LIMIT s"
}

mnt /n/plain "ro" ""
say "mount-default NFS $got"
umount /n/plain

mnt /n/r42 "$README_OPTS,vers=4.2" 4.2
mnt /n/d42 "ro,vers=4.2" 4.2
absent /n/r42 "$NAME42"
absent /n/d42 "$NAME42"
say "waiting 42"
wait_exec /n/r42 "$NAME42" r42
if runs /n/d42 "$NAME42"; then say "DEFAULTS-SEE 42"; else say "DEFAULTS-STALE 42"; fi
wait_listed /n/r42 "$NAME42" r42

mnt /n/r40 "$README_OPTS,vers=4.0" 4.0
absent /n/r40 "$NAME40"
say "waiting 40"
wait_exec /n/r40 "$NAME40" r40
wait_listed /n/r40 "$NAME40" r40

wait_exec /n/d42 "$NAME42" d42
umount /n/r42 && umount /n/d42 && umount /n/r40 || fail "umount"
say "done"
