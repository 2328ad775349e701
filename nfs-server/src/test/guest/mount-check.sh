#!/bin/sh
# Guest side of the kernel-client check: runs inside the busybox VM of
# vm/run-guest, mounts an NFSv4 server that listens
# on the host, and checks what a Bazel executor would see at /nix/store.
# Normally started by ./run-mount-check (beside this file), which prepares /files:
#
#   run-guest --files FILES mount-check.sh PORT=20490 [VERS=4.1] [EXPORT=/nix/store] \
#             [MOUNTPOINT=/nix/store] [HOST=10.0.2.2]
#
# Environment:
#   PORT        the server's TCP port on the host (required)
#   VERS        "" (the kernel's default: 4.0 when, as here, no mount.nfs negotiates),
#               4.0, 4.1 or 4.2
#   EXPORT      the server's path to mount (default /nix/store)
#   MOUNTPOINT  where to mount it (default /nix/store, so that absolute symlinks and
#               store-path references inside scripts resolve as on an executor)
#   TREE_FILTER extended regex on paths: only matching entries are compared with
#               /files/tree.txt (run-mount-check passes the one it listed with)
# Files (all optional, each check is skipped when its file is missing):
#   /files/tree.txt         "TYPE MODE PATH" lines (f/d/l, octal perms) for every entry
#   /files/manifest.sha256  "SHA256  PATH" lines for every regular file
#   /files/symlinks.txt     "PATH<TAB>TARGET" lines for every symlink
#   /files/names.txt        PATH lines of the entries whose names are not ASCII
#   /files/exec             PATH of an executable to run
#   /files/exec.expected    its expected standard output
# PATHs are relative to the export's root. Prints "PASS: ..." / "FAIL: ..." / "SKIP: ..."
# per check, then "N passed, N failed" and exits 1 if anything failed.
#
# busybox mount hands the -o string of `-t nfs4` to the kernel as text mount data,
# so the options are the kernel's own: port=, addr=, vers=4.x (or vers=4,minorversion=),
# ro. addr= is not strictly needed for an IP address (the kernel parses the host part
# of HOST:/path), but is given anyway, as mount.nfs would. clientaddr= is not needed:
# the kernel uses the connection's source address (10.0.2.15) for 4.0 callbacks.

exec </dev/null   # nothing may ever wait on the console (an interactive rm would hang the VM)

EXPORT=${EXPORT:-/nix/store}
MOUNTPOINT=${MOUNTPOINT:-/nix/store}
HOST=${HOST:-10.0.2.2}
VERS=${VERS:-}
passed=0 failed=0

pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
skip() { echo "SKIP: $*"; }
finish() {
  echo "mount-check: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit $?
}

[ -n "${PORT:-}" ] || { fail "PORT is not set"; finish; }

opts="port=$PORT,addr=$HOST"
[ -n "$VERS" ] && opts="$opts,vers=$VERS"

# --- mount
mkdir -p "$MOUNTPOINT"
if out=$(timeout 60 mount -t nfs4 -o "$opts,ro" "$HOST:$EXPORT" "$MOUNTPOINT" 2>&1); then
  pass "mount -t nfs4 -o $opts,ro $HOST:$EXPORT $MOUNTPOINT"
else
  fail "mount -t nfs4 -o $opts,ro $HOST:$EXPORT $MOUNTPOINT: $out"
  dmesg | grep -i -e nfs -e rpc | tail -5
  finish
fi
mnt_opts=$(awk -v m="$MOUNTPOINT" '$2 == m && $3 ~ /^nfs/ {print $4}' /proc/mounts)
echo "mount-check: mounted with $mnt_opts"
got_vers=$(echo "$mnt_opts" | tr ',' '\n' | sed -n 's/^vers=//p')
if [ -z "$VERS" ] || [ "$got_vers" = "$VERS" ]; then
  pass "negotiated NFS version $got_vers${VERS:+ (asked for $VERS)}"
else
  fail "negotiated NFS version $got_vers, asked for $VERS"
fi

cd "$MOUNTPOINT" || { fail "cd $MOUNTPOINT"; finish; }

# --- ls -lR (READDIR, GETATTR, READLINK over the whole export)
if timeout 120 ls -lR . > /tmp/ls-lR.txt 2> /tmp/ls-lR.err; then
  pass "ls -lR $MOUNTPOINT ($(wc -l < /tmp/ls-lR.txt) lines)"
else
  fail "ls -lR $MOUNTPOINT: $(head -3 /tmp/ls-lR.err)"
fi
if [ "$(wc -l < /tmp/ls-lR.txt)" -le 60 ]; then cat /tmp/ls-lR.txt; else head -40 /tmp/ls-lR.txt; echo "..."; fi

# --- every entry with its type and permissions, against the host's listing
if [ -f /files/tree.txt ]; then
  find . -mindepth 1 | sed 's|^\./||' | grep -E -- "${TREE_FILTER:-.}" | sort | while IFS= read -r p; do
    if [ -L "$p" ]; then t=l; elif [ -d "$p" ]; then t=d; elif [ -f "$p" ]; then t=f; else t='?'; fi
    echo "$t $(stat -c %a "$p") $p"
  done > /tmp/tree.txt
  if diff /files/tree.txt /tmp/tree.txt > /tmp/tree.diff; then
    pass "tree: $(wc -l < /tmp/tree.txt) entries with the host's names, types and modes"
  else
    fail "tree differs from the host's (- host, + guest):"; grep '^[-+][^-+]' /tmp/tree.diff | head -20
  fi
else
  skip "tree (no /files/tree.txt)"
fi

# --- non-ASCII names: each found by its exact bytes, and listed by its parent with them
if [ -f /files/names.txt ]; then
  n=0 bad=0
  while IFS= read -r p; do
    n=$((n + 1))
    parent=$(dirname "$p") base=$(basename "$p")
    if ! { [ -e "$p" ] || [ -L "$p" ]; }; then bad=$((bad + 1)); fail "non-ASCII name: $p not found by name"
    else
      # READDIR's names, compared by the shell itself (busybox ls would escape the bytes)
      listed=no
      for e in "$parent"/* "$parent"/.[!.]*; do [ "${e##*/}" = "$base" ] && listed=yes; done
      [ $listed = yes ] || { bad=$((bad + 1)); fail "non-ASCII name: $parent does not list $base"; }
    fi
  done < /files/names.txt
  [ "$bad" -eq 0 ] && pass "non-ASCII names: all $n found by name and listed byte for byte"
else
  skip "non-ASCII names (no /files/names.txt)"
fi

# --- file contents
if [ -f /files/manifest.sha256 ]; then
  while read -r sum path; do
    got=$(timeout 120 sha256sum "$path" 2>/tmp/sha.err | cut -d' ' -f1)
    if [ "$got" = "$sum" ]; then pass "sha256 $path"
    else fail "sha256 $path: got '${got:-$(cat /tmp/sha.err)}', want $sum"; fi
  done < /files/manifest.sha256
else
  skip "file contents (no /files/manifest.sha256)"
fi

# --- symlinks
if [ -f /files/symlinks.txt ]; then
  tab=$(printf '\t')
  while IFS="$tab" read -r path target; do
    got=$(readlink "$path" 2>&1)
    if [ "$got" = "$target" ]; then pass "readlink $path -> $target"
    else fail "readlink $path: got '$got', want '$target'"; fi
  done < /files/symlinks.txt
else
  skip "symlinks (no /files/symlinks.txt)"
fi

# --- run an executable from the store (exec of a file on NFS, and whatever it reads
# through /nix/store paths baked into it)
if [ -f /files/exec ]; then
  exe=$(cat /files/exec)
  got=$(timeout 60 "$MOUNTPOINT/$exe" 2>&1); rc=$?
  want=$(cat /files/exec.expected 2>/dev/null)
  if [ $rc -eq 0 ] && [ "$got" = "$want" ]; then pass "run $exe: $got"
  else fail "run $exe: exit $rc, output '$got', want '$want'"; fi
else
  skip "run an executable (no /files/exec)"
fi

# --- read locks on a store file: tools that lock what they read must not get EIO
if [ -f /files/exec ] && [ -x /files/lockcheck ]; then
  exe=$(cat /files/exec)
  if out=$(timeout 60 /files/lockcheck "$MOUNTPOINT/$exe" 2>&1); then pass "read locks on $exe: $out"
  else fail "read locks on $exe: $out"; fi
else
  skip "read locks (no /files/lockcheck)"
fi

# --- writes must fail with EROFS
# On the ro mount the kernel refuses writes itself, without asking the server ...
expect_erofs() {  # WHAT COMMAND...: the command must fail with "Read-only file system"
  what=$1; shift
  if err=$("$@" 2>&1); then fail "$what succeeded (want Read-only file system)"
  elif echo "$err" | grep -q 'Read-only file system'; then pass "$what: Read-only file system"
  else fail "$what: '$err' (want Read-only file system)"; fi
}
first_file=$(find . -type f | head -1)
expect_erofs "touch new file on the ro mount" touch "$MOUNTPOINT/.nixnfs-write-probe"
# ... so mount again without ro: now only the server can refuse (NFS4ERR_ROFS -> EROFS).
mkdir -p /mnt/rw-probe
if out=$(timeout 60 mount -t nfs4 -o "$opts" "$HOST:$EXPORT" /mnt/rw-probe 2>&1); then
  expect_erofs "server: create a file (touch)" touch /mnt/rw-probe/.nixnfs-write-probe
  expect_erofs "server: mkdir" mkdir /mnt/rw-probe/.nixnfs-write-probe-dir
  if [ -n "$first_file" ]; then
    expect_erofs "server: write to ${first_file#./} (echo >)" sh -c "echo overwritten > '/mnt/rw-probe/$first_file'"
    expect_erofs "server: remove ${first_file#./}" rm -f "/mnt/rw-probe/$first_file"
  fi
  umount /mnt/rw-probe || fail "umount /mnt/rw-probe"
else
  fail "mount without ro (for the server-side write checks): $out"
fi

# --- unmount
# busybox `timeout` leaves a watcher process (cwd inside the mount) that polls once a
# second whether its command is gone: give those a few seconds to exit.
cd /
n=0
until umount "$MOUNTPOINT" 2>/tmp/umount.err || [ $n -ge 5 ]; do n=$((n + 1)); sleep 1; done
if ! grep -q " $MOUNTPOINT nfs" /proc/mounts; then pass "umount $MOUNTPOINT"
else
  fail "umount $MOUNTPOINT: $(cat /tmp/umount.err)"
  grep " $MOUNTPOINT" /proc/mounts
  for p in /proc/[0-9]*; do
    l=$(ls -l "$p/cwd" "$p/fd" 2>/dev/null | grep -F "$MOUNTPOINT") && echo "  held by ${p#/proc/} ($(cat "$p/comm")): $l"
  done
fi

finish
