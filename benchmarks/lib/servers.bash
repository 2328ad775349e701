# Shared by benchmarks/run, vm-executor-bench and replica-scaling (sourced, not run): builds what
# the benchmarks need and starts nfs-ganesha and nixnfs on the same data set.
#
#   bench_build               installs Nix and ganesha, then bench_build_dataset_and_jars
#   bench_build_dataset_and_jars
#                             sets $props (dataset.properties) and $dataset_root; rebuilds the
#                             nixnfs and benchmarks jars when missing or older than the sources;
#                             $NIXNFS_JAR, when set, is the nixnfs jar to run instead (an
#                             experimental build, say), and is not rebuilt
#   bench_start_servers OUT [NAME [SERVE-OPTION...]]
#                             copies the jars to OUT (other builds in this checkout may replace
#                             them mid-run), starts ganesha on 127.0.0.1:$gport and nixnfs on
#                             127.0.0.1:$nport (JVM options $NIXNFS_JAVA_OPTS; `serve` options
#                             the SERVE-OPTIONs, or else $NIXNFS_ARGS, e.g. "--delegations
#                             off"), logs in OUT (NAME.log, NAME defaults to nixnfs),
#                             and stops both at exit (trap); sets $nixnfs_pid and $bjar_copy
#   bench_start_nixnfs NAME PORT [SERVE-OPTION...]
#                             after bench_start_servers: one more nixnfs on the same data set
#                             (log OUT/NAME.log), stopped at exit too; sets $nixnfs_pid
# GANESHA_DELEGATIONS (none or read) is passed on to ganesha/start-ganesha.
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
  local p
  for p in ${_bench_nixnfs_pids[@]+"${_bench_nixnfs_pids[@]}"}; do
    kill -TERM "$p" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$p" 2>/dev/null || true
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
  _bench_nixnfs_pids=()
  trap _bench_cleanup EXIT
  trap 'exit 130' INT TERM
  GANESHA_STATE_DIR=$_bench_out/ganesha "$here/ganesha/start-ganesha" "$dataset_root/nix/store" "$gport" > /dev/null
  if [[ $# -ge 2 ]]; then
    bench_start_nixnfs "$2" "$nport" "${@:3}"
  else
    # shellcheck disable=SC2086
    bench_start_nixnfs nixnfs "$nport" ${NIXNFS_ARGS:-}
  fi
  echo "${0##*/}: ganesha on 127.0.0.1:$gport, ${2:-nixnfs} (pid $nixnfs_pid) on 127.0.0.1:$nport, data set $dataset_root" >&2
}

bench_start_nixnfs() {
  local name=$1 port=$2 log state
  shift 2
  log=$_bench_out/$name.log state=$_bench_out/$name-state
  if _bench_port_open "$port"; then echo "${0##*/}: 127.0.0.1:$port is in use (set NIXNFS_PORT)" >&2; exit 1; fi
  # shellcheck disable=SC2086
  java ${NIXNFS_JAVA_OPTS:-} -jar "$_bench_out/nixnfs.jar" serve --store-root "$dataset_root" \
    --listen "127.0.0.1:$port" --admin-listen none --state-dir "$state" "$@" > "$log" 2>&1 &
  nixnfs_pid=$!
  _bench_nixnfs_pids+=("$nixnfs_pid")
  for _ in $(seq 120); do
    _bench_port_open "$port" && break
    kill -0 "$nixnfs_pid" 2>/dev/null || { echo "${0##*/}: $name (nixnfs serve $*) exited:" >&2; tail -20 "$log" >&2; exit 1; }
    sleep 0.5
  done
  _bench_port_open "$port" || { echo "${0##*/}: $name is not listening after 60 s" >&2; exit 1; }
}
