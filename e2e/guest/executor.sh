#!/bin/sh
# The remote executor: runs inside the VM of vm/run-guest
# (Debian's kernel, busybox, nothing else: no Nix, no /nix/store), started by e2e/run:
#
#   vm/run-guest --files DIR --mem MB --timeout S executor.sh E2E_CTL_PORT=P E2E_NFS_PORT=P \
#       E2E_STORAGE_PORT=P E2E_SCHEDULER_WORKER_PORT=P
#
# DIR (/files here) holds bb_worker, bb_runner and their configs. The host (10.0.2.2)
# steers the guest through a file it serves over HTTP on E2E_CTL_PORT: "nomount" (run
# the executor without /nix/store), "mount" (mount nixnfs at /nix/store, with the options
# README recommends), "stop". The guest reports on its console, which e2e/run reads:
# lines starting with "E2E-GUEST ".
exec </dev/null
HOST=${HOST:-10.0.2.2}
E2E_HOST=$HOST; export E2E_HOST
say() { echo "E2E-GUEST $(date +%T) $*"; }
# (busybox 1.35 wget -T segfaults here: timeout(1) bounds it instead.)
ctl() { timeout 10 wget -q -O - "http://$HOST:$E2E_CTL_PORT/$1" 2>/dev/null; }

mkdir -p /worker/build /worker/cache
cd /files || exit 1
# The worker's and runner's logs go to the console too, for e2e/run's log.
./bb_runner /files/runner.jsonnet &
./bb_worker /files/worker.jsonnet &
say "executor started (bb_worker, bb_runner); /nix/store: $(ls -d /nix/store 2>&1)"

mounted=
while :; do
  cmd=$(ctl command)
  case $cmd in
    mount)
      if [ -z "$mounted" ]; then
        mkdir -p /nix/store
        opts="ro,hard,proto=tcp,lookupcache=all,acregmin=60,acregmax=3600,acdirmin=1,acdirmax=1,noatime"
        opts="$opts,vers=4.1,port=$E2E_NFS_PORT,addr=$HOST"
        say "mounting $HOST:/nix/store (-o $opts)"
        if timeout -s KILL 60 mount -t nfs4 -o "$opts" "$HOST:/nix/store" /nix/store >/tmp/mount.out 2>&1; then
          mounted=1
          say "mounted $HOST:/nix/store at /nix/store: $(awk '$2 == "/nix/store" {print $4}' /proc/mounts)"
        else
          say "mount failed: $(cat /tmp/mount.out)"
        fi
        [ -n "$mounted" ] || mounted=failed
      fi ;;
    stop) break ;;
  esac
  pidof bb_worker >/dev/null || { say "bb_worker exited"; break; }
  pidof bb_runner >/dev/null || { say "bb_runner exited"; break; }
  sleep 1
done
say "stopping"
kill $(pidof bb_worker bb_runner) 2>/dev/null
[ "$mounted" = 1 ] && umount /nix/store
say "stopped"
