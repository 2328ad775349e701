#!/bin/sh
# Guest side of the server-restart check (see ./run-restart-check, which starts it with
# vm/run-guest and prepares /files). An executor's mount must survive a restart of the
# server: same file handles, state recovered, no ESTALE or EIO for the programs reading
# /nix/store.
#
# VERS is a space-separated list of NFS versions: the guest mounts the export once per
# version, all at the same time (the first at MOUNTPOINT, the others at /mnt/nfs-VERS),
# so one boot checks a restart under live 4.2, 4.1 and 4.0 mounts together. For each:
#   1. checksum every file, readlink every symlink, run the demo hello, ls -lR;
#      open the biggest file (one fd per mount) and read its first MiB;
#   2. print "restart-check: ready for restart", then wait for the host: connect to
#      HOST:SIGNAL_PORT and read one line, sent once the server has been restarted;
#   3. drop the kernel's caches (so everything goes to the new server), read the rest of
#      each held-open file, and redo every check of step 1; ls -lR must be identical.
#
# Environment: PORT, EXPORT, MOUNTPOINT, HOST as for mount-check.sh; VERS (list; empty:
# the kernel's default, once); SIGNAL_PORT (required), RESTART_WAIT (seconds to wait for
# the host, default 120).
# Files: /files/manifest.sha256, /files/symlinks.txt, /files/held-open, /files/exec,
# /files/exec.expected (as for mount-check.sh; held-open is a PATH).
# Prints PASS/FAIL lines, "restart-check: N passed, N failed"; exits 1 if anything failed.

exec </dev/null   # nothing may ever wait on the console

EXPORT=${EXPORT:-/nix/store}
MOUNTPOINT=${MOUNTPOINT:-/nix/store}
HOST=${HOST:-10.0.2.2}
VERS=${VERS:-}
RESTART_WAIT=${RESTART_WAIT:-120}
passed=0 failed=0

pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
finish() {
  echo "restart-check: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit $?
}

[ -n "${PORT:-}" ] || { fail "PORT is not set"; finish; }
[ -n "${SIGNAL_PORT:-}" ] || { fail "SIGNAL_PORT is not set"; finish; }

# "VERS,DIR,FD" per mount (looped over with for, not read from stdin, so that nothing
# in a loop can consume the list): the first version at MOUNTPOINT (absolute store paths inside
# the files, like the demo hello's greeting, resolve through it), the others beside it.
mounts=/tmp/mounts
: > $mounts
split() { v=${1%%,*}; dir=${1#*,}; fd=${dir#*,}; dir=${dir%,*}; }
fd=3
for v in ${VERS:-default}; do
  if [ ! -s $mounts ]; then dir=$MOUNTPOINT; else dir=/mnt/nfs-$v; fi
  echo "$v,$dir,$fd" >> $mounts
  fd=$((fd + 1))
done

for m in $(cat $mounts); do split "$m"
  opts="port=$PORT,addr=$HOST"
  [ "$v" != default ] && opts="$opts,vers=$v"
  mkdir -p "$dir"
  if out=$(timeout 60 mount -t nfs4 -o "$opts,ro" "$HOST:$EXPORT" "$dir" 2>&1); then
    pass "mount -t nfs4 -o $opts,ro $HOST:$EXPORT $dir"
  else
    fail "mount -t nfs4 -o $opts,ro $HOST:$EXPORT $dir: $out"
    dmesg | grep -i -e nfs -e rpc | tail -5
    finish
  fi
  got=$(awk -v m="$dir" '$2 == m && $3 ~ /^nfs/ {print $4}' /proc/mounts)
  echo "restart-check: $dir mounted with $got"
  if [ "$v" != default ] && ! echo ",$got," | grep -q ",vers=$v,"; then fail "$dir: asked for vers=$v, got $got"; fi
done

# Every check that reads through the mount at $2; $1 names the phase in the PASS/FAIL lines.
check_all() {
  phase=$1 dir=$2
  ( cd "$dir" && timeout 120 ls -lR . ) > "/tmp/ls-$phase.txt" 2> "/tmp/ls-$phase.err"
  if [ $? -eq 0 ]; then
    pass "$phase: ls -lR ($(wc -l < "/tmp/ls-$phase.txt") lines)"
  else
    fail "$phase: ls -lR: $(head -3 "/tmp/ls-$phase.err")"
  fi
  n=0 bad=0
  while read -r sum path; do
    n=$((n + 1))
    got=$(timeout 120 sha256sum "$dir/$path" 2>/tmp/sha.err | cut -d' ' -f1)
    if [ "$got" != "$sum" ]; then
      bad=$((bad + 1)); fail "$phase: sha256 $path: got '${got:-$(cat /tmp/sha.err)}', want $sum"
    fi
  done < /files/manifest.sha256
  [ "$bad" -eq 0 ] && pass "$phase: sha256 of all $n files"
  tab=$(printf '\t') n=0 bad=0
  while IFS="$tab" read -r path target; do
    n=$((n + 1))
    got=$(timeout 60 readlink "$dir/$path" 2>&1)
    if [ "$got" != "$target" ]; then bad=$((bad + 1)); fail "$phase: readlink $path: got '$got', want '$target'"; fi
  done < /files/symlinks.txt
  [ "$bad" -eq 0 ] && pass "$phase: readlink of all $n symlinks"
  if [ -f /files/exec ]; then
    exe=$(cat /files/exec)
    got=$(timeout 60 "$dir/$exe" 2>&1); rc=$?
    want=$(cat /files/exec.expected)
    if [ $rc -eq 0 ] && [ "$got" = "$want" ]; then pass "$phase: run $exe"
    else fail "$phase: run $exe: exit $rc, output '$got', want '$want'"; fi
  fi
}

for m in $(cat $mounts); do split "$m"; check_all "v$v-before" "$dir"; done

# A file stays open across the restart on each mount (an executor's running compiler
# holds its inputs open): its open state has to be recovered with the new server.
held=$(cat /files/held-open 2>/dev/null)
for m in $(cat $mounts); do split "$m"
  # (a failed redirection of `exec` would end the script: test that the file is readable first)
  if [ -n "$held" ] && [ -r "$dir/$held" ] && eval "exec $fd< \"\$dir/\$held\""; then
    eval "dd bs=65536 count=16 of=/tmp/held-$fd.part <&$fd 2>/dev/null"
    pass "v$v: opened $dir/$held on fd $fd, read $(wc -c < /tmp/held-$fd.part) bytes"
  else
    fail "v$v: open ${held:-(no /files/held-open)} on fd $fd"
  fi
done

echo "restart-check: ready for restart"
echo "restart-check: waiting for the host's word on port $SIGNAL_PORT"
if reply=$(timeout "$RESTART_WAIT" nc "$HOST" "$SIGNAL_PORT" 2>&1) && [ -n "$reply" ]; then
  echo "restart-check: the host says: $reply"
else
  fail "no word from the host on port $SIGNAL_PORT within ${RESTART_WAIT}s: '$reply' (checking anyway)"
fi

# Everything from the server again: page cache, dentries and inodes (the held-open
# files' inodes stay, their pages go).
sync; echo 3 > /proc/sys/vm/drop_caches

if [ -n "$held" ]; then
  want=$(grep -F "  $held" /files/manifest.sha256 | head -1 | cut -d' ' -f1)
  for m in $(cat $mounts); do split "$m"
    [ -f "/tmp/held-$fd.part" ] || continue
    if eval "timeout 120 cat <&$fd >> /tmp/held-$fd.part 2>/tmp/held.err"; then
      got=$(sha256sum < "/tmp/held-$fd.part" | cut -d' ' -f1)
      if [ "$got" = "$want" ]; then pass "v$v after: read the rest of $held through the fd held open ($(wc -c < "/tmp/held-$fd.part") bytes, sha256 ok)"
      else fail "v$v after: $held through the fd held open: sha256 $got, want $want ($(wc -c < "/tmp/held-$fd.part") bytes)"; fi
    else
      fail "v$v after: read the rest of $held through the fd held open: $(cat /tmp/held.err)"
    fi
    eval "exec $fd<&-"
  done
fi

for m in $(cat $mounts); do split "$m"
  check_all "v$v-after" "$dir"
  if diff "/tmp/ls-v$v-before.txt" "/tmp/ls-v$v-after.txt" > /tmp/ls.diff; then
    pass "v$v: ls -lR identical before and after the restart"
  else
    fail "v$v: ls -lR differs after the restart (- before, + after):"; grep '^[-+][^-+]' /tmp/ls.diff | head -20
  fi
done

# What the kernel said about the restart (recovery messages; errors are failures).
dmesg | grep -i -E 'nfs|rpc' | grep -v -i -e 'Registering' -e 'Registered' -e 'installing' > /tmp/dmesg.txt
if [ -s /tmp/dmesg.txt ]; then echo "restart-check: kernel messages:"; sed 's/^/  /' /tmp/dmesg.txt; fi
if grep -i -E 'stale|error|fail|lost|bad' /tmp/dmesg.txt > /tmp/dmesg-bad.txt; then
  fail "the kernel logged NFS errors:"; head -10 /tmp/dmesg-bad.txt
else
  pass "no NFS errors in the kernel log"
fi

cd /
for m in $(cat $mounts); do split "$m"
  n=0
  until umount "$dir" 2>/tmp/umount.err || [ $n -ge 5 ]; do n=$((n + 1)); sleep 1; done
  if ! grep -q " $dir nfs" /proc/mounts; then pass "umount $dir"
  else fail "umount $dir: $(cat /tmp/umount.err)"; fi
done

finish
