#!/usr/bin/env bash
# Runs the load generator against target/socket-server.war in a stock Jetty 12 distribution
# (a JETTY_BASE from deploy/jetty/make-base.sh, started with `java $JETTY_JAVA_OPTS -jar start.jar`,
# by default no JVM options at all), with the server's PID, then stops the server.
#
#   JETTY_HOME=/path/to/jetty-home-12.1.x bench/stock-jetty.sh [Bench options...]
#   e.g. bench/stock-jetty.sh --connections 10000 --mode idle --gc-before-rss --settle-ms 3000
#
# JETTY_HOME defaults to the distribution the integration tests unpack (target/dist/jetty-home-*).
# Environment: JETTY_JAVA_OPTS, REPEAT (fresh server each), RESULTS (default
# target/bench/stock-jetty.jsonl), HTTP_PORT/GRPC_PORT (default 3003/9003), server settings
# (WS_WRITE_PATH, ...) pass through; HEAP_GIVE_BACK defaults to true here (bench/stock-common.sh).
# Needs a previous `bench/run.sh` or `mvn verify` (target/ with the WAR and the test classpath).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/stock-common.sh
JETTY_HOME=${JETTY_HOME:-$(ls -d target/dist/jetty-home-* 2>/dev/null | head -1)}
JETTY_HOME=$(cd "${JETTY_HOME:-.}" && pwd)
[ -f "$JETTY_HOME/start.jar" ] || { echo "stock-jetty.sh: set JETTY_HOME (no start.jar in '$JETTY_HOME')" >&2; exit 1; }
RESULTS=${RESULTS:-target/bench/stock-jetty.jsonl}
BASE=target/bench/jetty-base
rm -rf "$BASE"
bash deploy/jetty/make-base.sh "$JETTY_HOME" "$BASE" target/socket-server.war >/dev/null
for ((rep = 1; rep <= REPEAT; rep++)); do
  log=target/bench/stock-jetty-$rep.log
  # shellcheck disable=SC2086
  (cd "$BASE" && exec java ${JETTY_JAVA_OPTS:-} -jar "$JETTY_HOME/start.jar" jetty.http.port="$HTTP_PORT" \
    socketserver.grpc.port="$GRPC_PORT") >"$log" 2>&1 &
  bench_stock stock-jetty.sh "$!" "$log" "Started oejs.Server" "$@"
done
