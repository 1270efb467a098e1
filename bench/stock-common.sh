# Shared by bench/stock-jetty.sh and bench/stock-tomcat.sh (sourced from the project directory,
# not run): the common setup, and the load generator against a stock container that the caller
# started, then the container's stop and the result.
#
#   bench_stock NAME PID LOG READY_LINE [Bench options...]
# waits (60 s at most) for READY_LINE in LOG, runs the generator with --server-pid PID on
# HTTP_PORT/GRPC_PORT, stops PID, prints the JSON line and appends it to RESULTS.

# What both runners need before starting their server: the test classpath, the settings every
# run shares, and as many file descriptors as allowed (each side of a connection needs one).
[ -f target/bench/classpath.txt ] || { echo "$0: run bench/run.sh once first (test classpath)" >&2; exit 1; }
CP="target/test-classes:target/classes:$(cat target/bench/classpath.txt)"
REPEAT=${REPEAT:-1}
HTTP_PORT=${HTTP_PORT:-3003}
GRPC_PORT=${GRPC_PORT:-9003}
export AUTH_JWT_SECRET=${AUTH_JWT_SECRET:-dev-secret-change-me-0123456789abcdef}
# The publisher sends no API key unless given --api-key: loopback benchmark only.
export API_INSECURE=${API_INSECURE:-true}
# HEAP_GIVE_BACK is off by default in the server; on here, so that stock runs with no JVM options
# stay comparable with the recorded ones (G1 heap give-back was part of them).
# HEAP_GIVE_BACK=false measures G1's defaults.
export HEAP_GIVE_BACK=${HEAP_GIVE_BACK:-true}
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ]; then ulimit -n 1048576 2>/dev/null || true; else ulimit -n "$hard"; fi

bench_stock() {
  local name=$1 pid=$2 log=$3 ready=$4
  shift 4
  for _ in $(seq 1 300); do grep -q "$ready" "$log" 2>/dev/null && break; sleep 0.2; done
  grep -q "$ready" "$log" || { echo "$name: the server did not start; see $log" >&2; kill "$pid"; exit 1; }
  sleep 1
  local line rc
  set +e
  line=$(java -Xmx3g -XX:+UseParallelGC -cp "$CP" dev.socketserver.bench.Bench --ws-port "$HTTP_PORT" \
    --grpc-port "$GRPC_PORT" --server-pid "$pid" "$@")
  rc=$?
  set -e
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  [ $rc -eq 0 ] || { echo "$name: load generator failed ($rc)" >&2; exit $rc; }
  echo "$line"
  echo "$line" >>"$RESULTS"
}
