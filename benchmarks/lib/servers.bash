# Shared by benchmarks/run, vm-executor-bench and replica-scaling (sourced, not run): builds what
# the benchmarks need and starts nfs-ganesha and nixnfs on the same data set.
#
#   bench_build               installs Nix and ganesha, then bench_build_dataset_and_jars
#   bench_build_dataset_and_jars
#                             sets $props (dataset.properties) and $dataset_root; rebuilds the
#                             nixnfs and benchmarks jars when missing or older than the sources;
#                             $NIXNFS_JAR, when set, is the nixnfs jar to run instead (an
#                             experimental build, say), and is not rebuilt
#   bench_start_servers OUT   copies the jars to OUT (other builds in this checkout may replace
#                             them mid-run), starts ganesha on 127.0.0.1:$gport and nixnfs on
#                             127.0.0.1:$nport (JVM options $NIXNFS_JAVA_OPTS), logs in OUT,
#                             and stops both at exit (trap); sets $nixnfs_pid and $bjar_copy;
#                             with $dport set, also a nixnfs with --delegations off there
#                             ($nodeleg_pid)
# Expects $root (the checkout), $here (benchmarks/), $gport and $nport.

bench_build() {
  "$root/scripts/install-deps" nix-bin nfs-ganesha nfs-ganesha-vfs
  bench_build_dataset_and_jars
}

# bench_build without ganesha (benchmarks/replica-scaling): the data set and the jars.
bench_build_dataset_and_jars() {
  props=$("$here/dataset/build")
  dataset_root=$(sed -n 's/^root=//p' "$props")
  njar=${NIXNFS_JAR:-$root/nfs-server/target/nixnfs.jar}
  bjar=$here/target/benchmarks.jar
  if { [[ -z ${NIXNFS_JAR:-} ]] && _bench_stale "$njar"; } || _bench_stale "$bjar"; then
    echo "${0##*/}: building nixnfs and the benchmarks (Maven)" >&2
    (cd "$root" && ./mvnw -q -B -DskipTests package -pl nfs-server,benchmarks -am) >&2
  fi
}

_bench_stale() {
  [[ ! -f $1 ]] || [[ -n $(find "$root"/{store-index,gc,nfs-server,benchmarks} \
    \( -path '*/src/main/*' -o -name pom.xml \) -newer "$1" -print -quit 2>/dev/null) ]]
}

_bench_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

_bench_cleanup() {
  for pid in ${nixnfs_pid:-} ${nodeleg_pid:-} ${_bench_pid:-}; do
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  GANESHA_STATE_DIR=$_bench_out/ganesha "$here/ganesha/stop-ganesha" "$gport" 2>/dev/null || true
  rm -f "$_bench_out/nixnfs.jar" "$_bench_out/benchmarks.jar"
}

bench_start_servers() {
  _bench_out=$1
  mkdir -p "$_bench_out"
  cp "$njar" "$_bench_out/nixnfs.jar"
  cp "$bjar" "$_bench_out/benchmarks.jar"
  bjar_copy=$_bench_out/benchmarks.jar
  nixnfs_pid=""
  trap _bench_cleanup EXIT
  trap 'exit 130' INT TERM
  GANESHA_STATE_DIR=$_bench_out/ganesha "$here/ganesha/start-ganesha" "$dataset_root/nix/store" "$gport" > /dev/null
  _bench_start_nixnfs "$nport" nixnfs
  nixnfs_pid=$_bench_pid
  nodeleg_pid=""
  if [[ -n ${dport:-} ]]; then
    _bench_start_nixnfs "$dport" nixnfs-nodeleg --delegations off
    nodeleg_pid=$_bench_pid
  fi
  echo "${0##*/}: ganesha on 127.0.0.1:$gport, nixnfs (pid $nixnfs_pid) on 127.0.0.1:$nport, data set $dataset_root" >&2
}

# _bench_start_nixnfs PORT NAME [OPTION...]: a nixnfs on 127.0.0.1:PORT, state and log named NAME
# in the output directory; sets $_bench_pid once it listens.
_bench_start_nixnfs() {
  local port=$1 name=$2
  shift 2
  if _bench_port_open "$port"; then echo "${0##*/}: 127.0.0.1:$port is in use (set NIXNFS_PORT)" >&2; exit 1; fi
  # shellcheck disable=SC2086
  java ${NIXNFS_JAVA_OPTS:-} -jar "$_bench_out/nixnfs.jar" serve --store-root "$dataset_root" \
    --listen "127.0.0.1:$port" --admin-listen none --state-dir "$_bench_out/$name-state" "$@" \
    > "$_bench_out/$name.log" 2>&1 &
  _bench_pid=$!
  for _ in $(seq 120); do
    _bench_port_open "$port" && break
    kill -0 "$_bench_pid" 2>/dev/null || { echo "${0##*/}: $name exited:" >&2; tail -20 "$_bench_out/$name.log" >&2; exit 1; }
    sleep 0.5
  done
  _bench_port_open "$port" || { echo "${0##*/}: $name is not listening after 60 s" >&2; exit 1; }
}
