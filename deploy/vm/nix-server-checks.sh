# Runs as root inside the Nix server VM, after check-nix-server has run the runbook of
# deploy/nix-server.md: what an operator expects of the server it describes. Root is also the
# client here (its ~/.ssh/config has the runbook's "Host nix-server" entry).
# On any failure check-nix-server prints the VM's diagnostics (guest-diagnostics.sh: units, journals,
# dmesg, memory); here only what failed: a check's own message, or the command that set -e stopped at.
say() { echo "nix-server-checks: [${SECONDS}s] $*" >&2; }
fail() { echo "nix-server-checks: FAILED: $*" >&2; exit 1; }
trap 'echo "nix-server-checks: FAILED: line $LINENO: \"$BASH_COMMAND\" exited $?" >&2' ERR
wait_for() { # WHAT SECONDS COMMAND...: polls COMMAND once a second until it succeeds
  local what=$1 end=$((SECONDS + $2)); shift 2
  until "$@"; do (( SECONDS < end )) || fail "gave up waiting until $what"; sleep 1; done
}
ready() { [[ $(curl -fsS --max-time 5 http://127.0.0.1:9100/readyz 2>/dev/null) == ready ]]; }
main_pid() { systemctl show -p MainPID --value nixnfs; }
back_with_new_pid() { # OLD_PID: active, ready, another process
  local pid; pid=$(main_pid)
  [[ $(systemctl is-active nixnfs) == active && $pid != 0 && $pid != "$1" ]] && ready
}
export NIX_CONFIG=$'experimental-features = nix-command\nsubstituters ='
client_store=/root/client-store
push() { # NAME CONTENT: adds a file to the client's own store and pushes it as rules_nixpkgs does; prints the path
  printf '%s\n' "$2" > "/tmp/$1"
  local p; p=$(nix-store --store "$client_store" --add "/tmp/$1")
  nix copy --from "$client_store" --to ssh-ng://nix-server "$p" >&2
  echo "$p"
}
mount_opts=$(grep -o 'mount -t nfs4 -o [^ ]*' /root/nixnfs/README.md | head -1 | cut -d' ' -f5)
remount() { # README's executor mount, fresh (no cached lookups or data)
  mountpoint -q /mnt/executor && umount /mnt/executor
  mkdir -p /mnt/executor && mount -t nfs4 -o "$mount_opts" localhost:/nix/store /mnt/executor
}

say "nixnfs is active and ready, nix-daemon serves the store"
[[ $(systemctl is-active nixnfs) == active ]] || fail "nixnfs.service is not active"
ready || fail "/readyz does not answer 'ready'"
systemctl is-active --quiet nix-daemon.socket || fail "nix-daemon.socket is not active"
systemctl show -p User --value nixnfs | grep -qx nixnfs || fail "nixnfs does not run as nixnfs"

say "a path pushed over SSH (nix copy --to ssh-ng://nix-server) is exported over NFS"
tool=$(push tool.txt "the tool in use")
remount
[[ $(cat "/mnt/executor/${tool#/nix/store/}") == "the tool in use" ]] || fail "$tool not readable over NFS"
# README's options name no vers=: mount.nfs negotiates the highest the server offers, NFSv4.2.
mounted=$(awk '$2 == "/mnt/executor" { print $3, $4 }' /proc/mounts)
say "mounted: $mounted"
grep -qw 'vers=4.2' <<<"$mounted" || fail "README's mount options did not negotiate NFSv4.2: $mounted"

say "systemctl restart brings it back"
pid=$(main_pid)
systemctl restart nixnfs
wait_for "nixnfs is back after systemctl restart" 180 back_with_new_pid "$pid"
[[ $(cat "/mnt/executor/${tool#/nix/store/}") == "the tool in use" ]] || fail "the mount does not read after a restart"

say "kill -9 brings it back (Restart=on-failure)"
pid=$(main_pid)
kill -9 "$pid"
wait_for "nixnfs is back after kill -9" 180 back_with_new_pid "$pid"

say "the health-check timer restarts a server that stopped answering (SIGSTOP)"
systemctl is-active --quiet nixnfs-healthcheck.timer || fail "nixnfs-healthcheck.timer is not active"
pid=$(main_pid)
kill -STOP "$pid"
wait_for "nixnfs-healthcheck.timer has restarted nixnfs" 300 back_with_new_pid "$pid"
journalctl -u nixnfs-healthcheck --no-pager | grep -q 'restarting nixnfs.service' \
  || fail "the restart did not come from nixnfs-healthcheck"
# The probe that asked for the restart ended on its own (it must not be stopped by that restart: no
# "status=15/TERM", "Failed with result 'signal'").
probe_done() { [[ $(systemctl show -p ActiveState --value nixnfs-healthcheck.service) != activating ]]; }
wait_for "the health check that restarted nixnfs has ended" 60 probe_done
[[ $(systemctl is-failed nixnfs-healthcheck.service) != failed ]] \
  || fail "nixnfs-healthcheck.service failed: $(systemctl show -p Result --value nixnfs-healthcheck.service)"
! journalctl -u nixnfs-healthcheck --no-pager | grep -E "Failed with result|status=15/TERM" \
  || fail "a health check was killed"

say "the GC timer's service deletes dead paths through nix-daemon and a dead rules_nixpkgs root"
systemctl is-active --quiet nixnfs-gc.timer || fail "nixnfs-gc.timer is not active"
old=$(push old-tool.txt "a tool nobody uses any more")
ssh -n nix-server nix-store --add-root '~/rules_nixpkgs_gcroots/old-tool' -r "$old" >/dev/null # as rules_nixpkgs does
[[ -L /var/lib/nix-push/rules_nixpkgs_gcroots/old-tool ]] || fail "no rules_nixpkgs root made by the push user"
# Making a root counts as a use (a re-push): this one was made a month ago, and nobody read the path since.
touch -h -d '30 days ago' /var/lib/nix-push/rules_nixpkgs_gcroots/old-tool
junk=$(push junk.txt "pushed, never used, never rooted")
junk_sum=$(sha256sum < "$junk")
pushed=$SECONDS
remount # the tool is read again, after the restarts: in use
[[ $(cat "/mnt/executor/${tool#/nix/store/}") == "the tool in use" ]] || fail "the tool is not readable"
past_grace() { (( SECONDS - pushed >= 3 )); }
wait_for "the pushed paths are older than --grace (2 s)" 30 past_grace
nixnfs gc --dry-run | tee /tmp/plan.txt >&2
grep -q "${old#/nix/store/}" /tmp/plan.txt && grep -q "${junk#/nix/store/}" /tmp/plan.txt \
  || fail "the plan does not include the dead paths"
systemctl start nixnfs-gc.service   # what nixnfs-gc.timer starts
for p in "$old" "$junk"; do
  ! nix-store --check-validity "$p" 2>/dev/null || fail "$p is still valid after GC"
  [[ ! -e $p ]] || fail "$p is still on disk"
  h=${p#/nix/store/}; h=${h%%-*}
  [[ -f /var/lib/nixnfs/cold/$h.narinfo ]] || fail "$p was not copied to the cold tier before it was deleted"
done
nix-store --check-validity "$tool" || fail "GC deleted the tool in use"
[[ ! -L /var/lib/nix-push/rules_nixpkgs_gcroots/old-tool ]] || fail "the dead rules_nixpkgs root is still there"

say "a path GC moved to the cold tier comes back by itself when an executor reads it (fault-in)"
# The runbook lets the non-trusted nixnfs user fetch from the cold tier through nix-daemon
# (trusted-substituters, extra-trusted-public-keys): nixnfs must not warn that fault-in will fail.
! journalctl -u nixnfs -u nix-daemon --no-pager | grep -E 'fault-in will fail|ignoring untrusted substituter|will not trust the key' \
  || fail "nix-daemon would ignore nixnfs' cold tier or its key"
remount # a fresh mount: nothing about the deleted path cached
fetched=$SECONDS
[[ $(sha256sum < "/mnt/executor/${junk#/nix/store/}") == "$junk_sum" ]] \
  || fail "$junk did not come back with its content over NFS"
say "read back over NFS in $((SECONDS - fetched)) s (LOOKUP, fault-in from the cold tier, READ)"
nix-store --check-validity "$junk" || fail "$junk is not valid again after fault-in"
journalctl -u nixnfs --no-pager | grep -i "${junk#/nix/store/}" | tail -n 3 >&2 || true

say "journalctl -u nixnfs shows the starts and the GC run"
journal=$(journalctl -u nixnfs --no-pager)
grep -q 'Serving /nix/store' <<<"$journal" || fail "no start line in the journal"
grep -q 'GC freed' <<<"$journal" || fail "no GC line in the journal"
grep -E 'Serving /nix/store|GC freed|deleted|removed' <<<"$journal" | tail -n 8 >&2
# Headroom, reported (not asserted): the peak of all services since boot (the GC job's included), and of
# the server since its last start; kernel cgroup v2 counters.
peak_mib() { echo $(( $(cat "/sys/fs/cgroup/system.slice/${1:-}memory.peak" 2>/dev/null || echo 0) >> 20 )); }
say "memory: $(awk '/^MemTotal/ { print int($2 / 1024) }' /proc/meminfo) MiB in the VM; peak of all services $(peak_mib) MiB, of nixnfs.service $(peak_mib nixnfs.service/) MiB"
say "all passed"
