# Guest side of the visibility test (run by run-guest's busybox sh): how soon does an
# executor that already mounted the store see a store path registered on the server?
#
# Env: PORT, OPTS (mount options besides port=), NAME (base name of the store path to
# come), EXE (an executable inside it, relative), LIMIT (seconds to wait).
#
# Mounts, lists the store, then asks for the path once before it exists (as an executor
# asking too early would, which is what negative lookup caching remembers), prints
# "visibility: waiting", then polls every 20 ms: "visibility: EXEC <output>" when the
# executable runs, then "visibility: LISTED" when `ls /nix/store` shows the path. The host
# times those lines against the moment it registered the path (vm/run-guest passes each
# line on as soon as it is complete).
mkdir -p /nix/store
if ! mount -t nfs4 -o "port=$PORT,$OPTS" "$HOST:/nix/store" /nix/store; then
  echo "visibility: FAIL mount with $OPTS"; exit 1
fi
ls /nix/store > /dev/null
if ls "/nix/store/$NAME" > /dev/null 2>&1; then
  echo "visibility: FAIL $NAME exists before it was registered"; exit 1
fi
say() { echo "visibility: $*"; }
say waiting
# First only run it, as an executor does (a listing would revalidate the directory and help);
# then list the store.
i=0
while [ $i -lt $((LIMIT * 50)) ]; do
  if out=$("/nix/store/$NAME/$EXE" 2>/dev/null); then say "EXEC $out"; break; fi
  usleep 20000
  i=$((i + 1))
done
[ $i -lt $((LIMIT * 50)) ] || say "NOT EXECUTABLE within $LIMIT s"
i=0
while [ $i -lt $((LIMIT * 50)) ]; do
  if ls /nix/store | grep -q "^$NAME\$"; then say LISTED; umount /nix/store; exit 0; fi
  usleep 20000
  i=$((i + 1))
done
say "NOT LISTED within $LIMIT s"
exit 2
