#!/usr/bin/env bash
# Benchmark socket-server on this machine: build once, start the server under test as its own
# JVM (embedded Jetty serving target/socket-server.war, via dev.socketserver.DevServer), run the
# load generator (dev.socketserver.bench.Bench) against it with the server's PID, stop the server.
# Every repetition gets a fresh server. Loopback only (127.0.0.x).
#
#   bench/run.sh [Bench options...]          e.g. bench/run.sh --connections 1000 --mode room --messages 20000
#
# Environment:
#   REPEAT=N            repetitions, each with a fresh server (default 1)
#   SKIP_BUILD=1        reuse target/ from a previous build
#   SERVER_HEAP=1g      server -Xmx;  SERVER_JAVA_OPTS: extra server JVM options
#   SERVER_GC_OPTS      server heap sizing, default (as docs/DEPLOYING.md recommends):
#                       -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:G1PeriodicGCInterval=60000
#                       G1 gives back heap it grew into (e.g. for a burst of handshakes) when at most
#                       20% of it is free after a GC, instead of 70%; at 10,000 idle connections that
#                       took RSS from ~34 to ~19 KB per connection. SERVER_GC_OPTS= for the JVM defaults.
#   JETTY_MAX_THREADS=32  Jetty's thread pool (see DevServer)
#   BENCH_HEAP=3g       load generator -Xmx;  BENCH_JAVA_OPTS: extra load generator JVM options
#   HTTP_PORT=3003 GRPC_PORT=9003
#   WAR=target/socket-server.war   the WAR the server deploys (e.g. another commit's, to compare)
#   RESULTS=target/bench/results.jsonl   every JSON line is appended here too
#   QUIET_IDLE_PCT=80   before each repetition wait (at most QUIET_WAIT_S=300 s) until the machine
#                       was at least this % idle over 2 s (other builds on a shared box skew results)
# Server settings (CLIENT_QUEUE_MAX_BYTES, PING_INTERVAL, ...) pass through the environment
# (the 250df7e baseline in docs/PERFORMANCE.md was measured with PING_INTERVAL=1h).
# Bench options: bench/run.sh --help. With --jfr FILE, FILE.txt gets the profile summary.
set -euo pipefail
cd "$(dirname "$0")/.."

REPEAT=${REPEAT:-1}
SERVER_HEAP=${SERVER_HEAP:-1g}
SERVER_GC_OPTS=${SERVER_GC_OPTS--XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:G1PeriodicGCInterval=60000}
BENCH_HEAP=${BENCH_HEAP:-3g}
export HTTP_PORT=${HTTP_PORT:-3003}
export GRPC_PORT=${GRPC_PORT:-9003}
OUT=target/bench
RESULTS=${RESULTS:-$OUT/results.jsonl}
mkdir -p "$OUT"

# Each side of a connection needs a descriptor: raise the soft limit as far as allowed.
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ]; then ulimit -n 1048576 2>/dev/null || true; else ulimit -n "$hard"; fi
echo "run.sh: open files limit $(ulimit -n) per process" >&2

if [ "${SKIP_BUILD:-}" != 1 ] || [ ! -f "$OUT/classpath.txt" ]; then
  echo "run.sh: building (mvn package, test classpath)" >&2
  mvn -q -B -DskipTests package
  mvn -q -B dependency:build-classpath -Dmdep.outputFile="$OUT/classpath.txt" -Dmdep.includeScope=test
fi
CP="target/test-classes:target/classes:$(cat "$OUT/classpath.txt")"

jfr_file=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  if [ "${args[$i]}" = "--jfr" ] && [ $((i + 1)) -lt ${#args[@]} ]; then jfr_file=${args[$((i + 1))]}; fi
  if [ "${args[$i]}" = "--help" ]; then exec java -cp "$CP" dev.socketserver.bench.Bench --help; fi
done

# Percent of CPU time idle over two seconds (from /proc/stat).
idle_pct() {
  local a b
  read -r -a a < <(head -1 /proc/stat); sleep 2; read -r -a b < <(head -1 /proc/stat)
  local total=0 i
  for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
  echo $(( total > 0 ? 100 * (b[4] - a[4] + b[5] - a[5]) / total : 100 ))
}

wait_quiet() {
  [ -n "${QUIET_IDLE_PCT:-}" ] || return 0
  local deadline=$((SECONDS + ${QUIET_WAIT_S:-300})) idle
  while :; do
    idle=$(idle_pct)
    if [ "$idle" -ge "$QUIET_IDLE_PCT" ]; then echo "run.sh: machine ${idle}% idle" >&2; return 0; fi
    if [ $SECONDS -ge $deadline ]; then echo "run.sh: machine only ${idle}% idle; running anyway" >&2; return 0; fi
  done
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
trap stop_server EXIT INT TERM

for ((rep = 1; rep <= REPEAT; rep++)); do
  for p in "$HTTP_PORT" "$GRPC_PORT"; do
    if port_busy "$p"; then echo "run.sh: port $p is already in use" >&2; exit 1; fi
  done
  wait_quiet
  log="$OUT/server-$rep.log"
  # shellcheck disable=SC2086
  java -Xmx"$SERVER_HEAP" ${SERVER_GC_OPTS} ${SERVER_JAVA_OPTS:-} -cp "$CP" -Dsocketserver.war="${WAR:-target/socket-server.war}" \
    dev.socketserver.DevServer >"$log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 600); do
    grep -q "is up" "$log" 2>/dev/null && break
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then echo "run.sh: server died:" >&2; tail -30 "$log" >&2; exit 1; fi
    sleep 0.2
  done
  grep -q "is up" "$log" || { echo "run.sh: server did not start in 120 s" >&2; tail -30 "$log" >&2; exit 1; }
  sleep 1
  echo "run.sh: [$rep/$REPEAT] server pid $SERVER_PID up; running the load generator" >&2
  set +e
  # shellcheck disable=SC2086
  line=$(java -Xmx"$BENCH_HEAP" -XX:+UseParallelGC ${BENCH_JAVA_OPTS:-} -cp "$CP" dev.socketserver.bench.Bench \
    --ws-port "$HTTP_PORT" --grpc-port "$GRPC_PORT" --server-pid "$SERVER_PID" "$@")
  rc=$?
  set -e
  stop_server
  if [ $rc -ne 0 ]; then echo "run.sh: load generator failed ($rc)" >&2; exit $rc; fi
  echo "$line"
  echo "$line" >>"$RESULTS"
  if [ -n "$jfr_file" ] && [ -f "$jfr_file" ]; then
    java -cp "$CP" dev.socketserver.bench.JfrTop "$jfr_file" 25 >"$jfr_file.txt"
    echo "run.sh: profile summary in $jfr_file.txt" >&2
  fi
done
