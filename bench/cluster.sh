#!/usr/bin/env bash
# The Redis engine's benchmark (docs/PERFORMANCE.md, "Redis engine"): in one run, for each
# repetition and each load (full speed, then a fixed rate),
#   single : one node, memory broker (BROKER=memory), every subscriber on it;
#   cluster: two nodes (BROKER=redis) on one redis-server started here, the subscribers split
#            evenly over the two; for each entry of PUBLISH_TO, the publisher calling
#            "one": the first node only (label cluster-<load>), or
#            "spread": both nodes in turn, as behind a load balancer (label cluster-spread-<load>).
# Every server is the WAR in embedded Jetty (dev.socketserver.DevServer) as its own JVM, fresh
# for each measurement; Redis is a fresh redis-server (no persistence) on a free port, so its
# CPU (/proc/PID/stat) is this benchmark's only. One JSON line per measurement, with "label"
# "<single|cluster>-<full|rate>"; the cluster's lines add node_cpu_us_per_delivery (per node)
# and redis_cpu_us_per_publication.
#
#   bench/cluster.sh [Bench options...]     default: --connections 1000 --mode room
#
# Environment: REPEAT (default 3), SKIP_BUILD=1, FULL_MESSAGES (3000), RATE (100), RATE_MESSAGES
# (1000), SERVER_HEAP (1g), BENCH_HEAP (2g), RESULTS (target/bench/cluster.jsonl), PORT_BASE (3100),
# PUBLISH_TO ("one spread"), LOADS ("full rate": which loads to run), FULL_WARMUP and RATE_WARMUP
# (warm-up messages before measuring, at the load's own rate, default 200 each; a few thousand
# measure warm JVMs: at 100 msg/s the JIT keeps compiling the gRPC and HTTP/2 stack for about two
# minutes). RATE_WARMUP_RATE: the rate of the rate load's warm-up (default RATE; "full" = as fast
# as possible, so that a node has served the ~10,000 calls the JIT needs before it compiles the
# per-call gRPC path, and the window at RATE measures warm JVMs). NODE_ENV: extra VAR=VALUE
# settings for the two cluster nodes only (e.g. "WRITER_THREADS=1"); NODE_JAVA_OPTS: extra JVM
# options for them (e.g. "-XX:ActiveProcessorCount=1": each node sized to its share of the machine).
# SERVER_JAVA_OPTS: extra JVM options for every server, the single node and the cluster nodes alike
# (e.g. a garbage collector; NODE_JAVA_OPTS come after them). BENCH_JAVA_OPTS: the load
# generator's JVM options (default "-Xms$BENCH_HEAP -XX:NewRatio=1": a young generation of half its
# heap, so that after the collection it runs just before the window it does not collect again in
# it; its own pauses would delay every delivery in flight).
# SERVER_NICE: a nice value (e.g. 5) for every server process, single node, cluster nodes and Redis
# alike, so that the generator, which stands in for clients on other machines, is not starved by
# them on a saturated machine (default: none, everything at the same priority). REDIS_NICE: the
# nice value for Redis alone (e.g. -10, which needs root: Redis given the CPU first, as on a
# machine of its own; default SERVER_NICE). NODE_CPUS: two CPU lists, one per cluster node (e.g.
# "0 1": n1 pinned to CPU 0 and n2 to CPU 1 with taskset, as if each had a machine of its own;
# the single node, Redis and the generator are not pinned).
set -euo pipefail
cd "$(dirname "$0")/.."

REPEAT=${REPEAT:-3}
SERVER_HEAP=${SERVER_HEAP:-1g}
BENCH_HEAP=${BENCH_HEAP:-2g}
FULL_MESSAGES=${FULL_MESSAGES:-3000}
RATE=${RATE:-100}
RATE_MESSAGES=${RATE_MESSAGES:-1000}
FULL_WARMUP=${FULL_WARMUP:-200}
RATE_WARMUP=${RATE_WARMUP:-200}
RATE_WARMUP_RATE=${RATE_WARMUP_RATE:-$RATE}
PUBLISH_TO=${PUBLISH_TO:-one spread}
LOADS=${LOADS:-full rate}
PORT_BASE=${PORT_BASE:-3100}
NODE_ENV=${NODE_ENV:-}
NODE_JAVA_OPTS=${NODE_JAVA_OPTS:-}
SERVER_JAVA_OPTS=${SERVER_JAVA_OPTS:-}
BENCH_JAVA_OPTS=${BENCH_JAVA_OPTS--Xms$BENCH_HEAP -XX:NewRatio=1}
SERVER_NICE=${SERVER_NICE:-}
nice_cmd=()
if [ -n "$SERVER_NICE" ]; then nice_cmd=(nice -n "$SERVER_NICE"); fi
NODE_CPUS=${NODE_CPUS:-}
# shellcheck disable=SC2206
node_cpus=($NODE_CPUS)
if [ -n "$NODE_CPUS" ] && [ ${#node_cpus[@]} -ne 2 ]; then echo "cluster.sh: NODE_CPUS takes two CPU lists" >&2; exit 1; fi
REDIS_NICE=${REDIS_NICE:-$SERVER_NICE}
redis_nice_cmd=()
if [ -n "$REDIS_NICE" ]; then redis_nice_cmd=(nice -n "$REDIS_NICE"); fi
OUT=target/bench
RESULTS=${RESULTS:-$OUT/cluster.jsonl}
mkdir -p "$OUT"
command -v redis-server >/dev/null || { echo "cluster.sh: needs redis-server (apt-get install redis-server)" >&2; exit 1; }

hard=$(ulimit -Hn)
if [ "$hard" = unlimited ]; then ulimit -n 1048576 2>/dev/null || true; else ulimit -n "$hard"; fi

if [ "${SKIP_BUILD:-}" != 1 ] || [ ! -f "$OUT/classpath.txt" ]; then
  echo "cluster.sh: building (mvn package, test classpath)" >&2
  mvn -q -B -DskipTests package
  mvn -q -B dependency:build-classpath -Dmdep.outputFile="$OUT/classpath.txt" -Dmdep.includeScope=test
fi
CP="target/test-classes:target/classes:$(cat "$OUT/classpath.txt")"

PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  PIDS=()
}
trap cleanup EXIT INT TERM

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start_node NAME HTTP_PORT GRPC_PORT [VAR=VALUE...]  -> sets NODE_PID
start_node() {
  local name=$1 http=$2 grpc=$3 java_opts=$SERVER_JAVA_OPTS
  shift 3
  local pin=()
  if [ "$name" != single ]; then java_opts+=" $NODE_JAVA_OPTS"; fi
  case "$name:$NODE_CPUS" in
    n1:?*) pin=(taskset -c "${node_cpus[0]}") ;;
    n2:?*) pin=(taskset -c "${node_cpus[1]}") ;;
  esac
  local p log="$OUT/cluster-$name.log"
  for p in "$http" "$grpc"; do
    if port_busy "$p"; then echo "cluster.sh: port $p is in use (set PORT_BASE)" >&2; exit 1; fi
  done
  # shellcheck disable=SC2086
  "${pin[@]}" "${nice_cmd[@]}" env HTTP_PORT="$http" GRPC_PORT="$grpc" PING_INTERVAL=1h "$@" \
    java -Xmx"$SERVER_HEAP" $java_opts -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -cp "$CP" \
    -Dsocketserver.war=target/socket-server.war dev.socketserver.DevServer >"$log" 2>&1 &
  NODE_PID=$!
  PIDS+=("$NODE_PID")
  for _ in $(seq 1 600); do
    grep -q "is up" "$log" 2>/dev/null && return 0
    kill -0 "$NODE_PID" 2>/dev/null || { echo "cluster.sh: $name died:" >&2; tail -30 "$log" >&2; exit 1; }
    sleep 0.2
  done
  echo "cluster.sh: $name did not start in 120 s" >&2; tail -30 "$log" >&2; exit 1
}

start_redis() {
  REDIS_PORT=$((PORT_BASE + 10))
  if port_busy "$REDIS_PORT"; then echo "cluster.sh: port $REDIS_PORT is in use" >&2; exit 1; fi
  "${redis_nice_cmd[@]}" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
    >"$OUT/cluster-redis.log" 2>&1 &
  REDIS_PID=$!
  PIDS+=("$REDIS_PID")
  for _ in $(seq 1 50); do
    redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && return 0
    sleep 0.1
  done
  echo "cluster.sh: redis-server did not answer" >&2; exit 1
}

bench() {
  local label=$1
  shift
  # shellcheck disable=SC2086
  java -Xmx"$BENCH_HEAP" -XX:+UseParallelGC $BENCH_JAVA_OPTS -cp "$CP" dev.socketserver.bench.Bench --label "$label" "$@"
}

loads=("full:--messages $FULL_MESSAGES --inflight 64 --warmup $FULL_WARMUP"
  "rate:--messages $RATE_MESSAGES --rate $RATE --warmup $RATE_WARMUP")
if [ "$RATE_WARMUP_RATE" != full ]; then loads[1]+=" --warmup-rate $RATE_WARMUP_RATE"; fi
user_args=("$@")
[ ${#user_args[@]} -gt 0 ] || user_args=(--connections 1000 --mode room)

for ((rep = 1; rep <= REPEAT; rep++)); do
  for load in "${loads[@]}"; do
    name=${load%%:*}
    case " $LOADS " in *" $name "*) ;; *) continue ;; esac
    # shellcheck disable=SC2206
    load_args=(${load#*:})
    echo "cluster.sh: [$rep/$REPEAT] $name: single node, memory broker" >&2
    start_node single $((PORT_BASE)) $((PORT_BASE + 1)) BROKER=memory
    single_pid=$NODE_PID
    sleep 1
    line=$(bench "single-$name" --ws-port $((PORT_BASE)) --grpc-port $((PORT_BASE + 1)) --server-pid "$single_pid" \
      --client-threads 2 "${load_args[@]}" "${user_args[@]}")
    cleanup
    echo "$line"; echo "$line" >>"$RESULTS"

    for publish_to in $PUBLISH_TO; do
      echo "cluster.sh: [$rep/$REPEAT] $name: two nodes on Redis, publishing to $publish_to" >&2
      start_redis
      prefix="bench-$RANDOM$RANDOM"
      start_node n1 $((PORT_BASE + 2)) $((PORT_BASE + 3)) BROKER=redis NODE_ID=n1 \
        REDIS_ADDRESSES="redis://127.0.0.1:$REDIS_PORT" REDIS_PREFIX="$prefix" $NODE_ENV
      n1=$NODE_PID
      start_node n2 $((PORT_BASE + 4)) $((PORT_BASE + 5)) BROKER=redis NODE_ID=n2 \
        REDIS_ADDRESSES="redis://127.0.0.1:$REDIS_PORT" REDIS_PREFIX="$prefix" $NODE_ENV
      n2=$NODE_PID
      sleep 1
      case $publish_to in
        one) grpc_args=(--grpc-port $((PORT_BASE + 3))); label="cluster-$name" ;;
        spread) grpc_args=(--grpc-ports $((PORT_BASE + 3)),$((PORT_BASE + 5))); label="cluster-spread-$name" ;;
        *) echo "cluster.sh: PUBLISH_TO takes one and spread, not $publish_to" >&2; exit 1 ;;
      esac
      line=$(bench "$label" --ws-ports $((PORT_BASE + 2)),$((PORT_BASE + 4)) "${grpc_args[@]}" \
        --node-pids "$n1,$n2" --redis-pid "$REDIS_PID" --client-threads 2 "${load_args[@]}" "${user_args[@]}")
      cleanup
      echo "$line"; echo "$line" >>"$RESULTS"
    done
  done
done
