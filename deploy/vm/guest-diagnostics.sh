# Run in the Nix server VM (as root, fed on stdin by check-nix-server) when any step of the check
# failed: what an operator would look at first. The units' state and journals say how a process
# ended (code=killed, status=9/KILL or 31/SYS, a JVM's crash report: the units run Java with
# -XX:+ErrorFileToStderr); the kernel's log shows OOM kills and seccomp kills (audit type=1326);
# the memory figures say whether the guest was short of it.
section() { printf '\n===== %s\n' "$*"; }
units=(nixnfs.service nixnfs-gc.service nixnfs-healthcheck.service nix-daemon.service)

section "systemctl status ${units[*]}"
systemctl status "${units[@]}" nix-daemon.socket --no-pager -l -n 0
for u in "${units[@]}"; do   # ExecMainCode 1 exited, 2 killed, 3 dumped; the status is the exit code or the signal
  echo "$u: $(systemctl show -p Result -p ExecMainCode -p ExecMainStatus -p NRestarts "$u" | paste -sd' ')"
done
for u in "${units[@]}"; do
  section "journalctl -u $u -n 200"
  journalctl -u "$u" -n 200 --no-pager
done
section "dmesg | tail -100"
dmesg | tail -n 100
section "OOM and seccomp lines anywhere in dmesg"
dmesg | grep -Ei 'out of memory|oom|killed process|type=1326|segfault' || echo "(none)"
section "JVM crash reports (hs_err_pid*.log): the crash, and the CPU features the JVM used"
found=""
for f in /root/hs_err_pid*.log /tmp/hs_err_pid*.log /var/lib/nixnfs/hs_err_pid*.log; do
  [[ -f $f ]] || continue
  found=1
  echo "--- $f"
  sed -n '1,30p' "$f"
  grep -m1 -A2 '^CPU:' "$f" || true
done
[[ -n $found ]] || echo "(none)"
section "memory: free -m, the largest processes, each service's peak"
free -m
ps -eo pid,rss,comm,args --sort=-rss | head -n 8 | cut -c1-160
for cg in /sys/fs/cgroup/system.slice /sys/fs/cgroup/system.slice/*.service; do
  [[ -f $cg/memory.peak ]] && printf '%s: peak %d MiB, now %d MiB, %s\n' "${cg#/sys/fs/cgroup/}" \
    $(( $(cat "$cg/memory.peak") >> 20 )) $(( $(cat "$cg/memory.current") >> 20 )) "$(grep -w oom_kill "$cg/memory.events")"
done
true
