#!/bin/sh
# Guest side of the allow-list test (ClientAccessKernelTest): two servers listen on the
# host, one allowing the guest's traffic (which qemu's user-mode network sends from
# 127.0.0.1) and one allowing only 127.0.0.2. Mounting the first must work and show
# $NAME; mounting the second must fail (the server closes every connection at accept, so
# the kernel either gives up or is killed after $WAIT seconds).
#
# Env: ALLOWED_PORT, REFUSED_PORT, NAME (a store path's base name), WAIT (seconds).
# Prints "allow: PASS ..." / "allow: FAIL ..." lines; exit 0 when both checks passed.
exec </dev/null
HOST=${HOST:-10.0.2.2}
WAIT=${WAIT:-60}
rc=0
mkdir -p /mnt/allowed /mnt/refused
if mount -t nfs4 -o "ro,vers=4.1,port=$ALLOWED_PORT,addr=$HOST" "$HOST:/nix/store" /mnt/allowed \
    && ls /mnt/allowed | grep -q "^$NAME\$"; then
  echo "allow: PASS mounted from an allowed address and listed $NAME"
  umount /mnt/allowed
else
  echo "allow: FAIL could not mount from an allowed address"; rc=1
fi
echo "allow: mounting the server that allows only 127.0.0.2"
if timeout -s KILL "$WAIT" mount -t nfs4 -o "ro,vers=4.1,soft,timeo=20,retrans=1,port=$REFUSED_PORT,addr=$HOST" \
    "$HOST:/nix/store" /mnt/refused 2>/dev/null; then
  echo "allow: FAIL mounted although the address is not allowed"; rc=1
elif grep -q " /mnt/refused " /proc/mounts; then
  echo "allow: FAIL /mnt/refused is mounted"; rc=1
else
  echo "allow: PASS refused"
fi
exit $rc
