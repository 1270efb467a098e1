#!/usr/bin/env bash
# Runs the load generator against target/socket-server.war in a stock Tomcat 11 distribution
# (a fresh CATALINA_BASE: the distribution's conf/ with deploy/tomcat/server.xml, the WAR as
# webapps/ROOT.war, started with `catalina.sh run`; by default no JVM options but the ports),
# with the server's PID, then stops the server.
#
#   TOMCAT_HOME=/path/to/apache-tomcat-11.0.x bench/stock-tomcat.sh [Bench options...]
#   e.g. bench/stock-tomcat.sh --connections 1000 --mode room --messages 20000 --inflight 64
#
# TOMCAT_HOME defaults to the distribution the integration tests unpack (target/dist/apache-tomcat-*).
# Environment: TOMCAT_JAVA_OPTS (added to CATALINA_OPTS; e.g. the options of deploy/tomcat/setenv.sh),
# REPEAT (fresh server each), RESULTS (default target/bench/stock-tomcat.jsonl), HTTP_PORT/GRPC_PORT
# (default 3003/9003), server settings (WS_WRITE_PATH, HEAP_GIVE_BACK, ...) pass through.
# Needs a previous `bench/run.sh` or `mvn verify` (target/ with the WAR and the test classpath).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/stock-common.sh
TOMCAT_HOME=${TOMCAT_HOME:-$(ls -d target/dist/apache-tomcat-* 2>/dev/null | head -1)}
TOMCAT_HOME=$(cd "${TOMCAT_HOME:-.}" && pwd)
[ -f "$TOMCAT_HOME/bin/catalina.sh" ] || { echo "stock-tomcat.sh: set TOMCAT_HOME (no bin/catalina.sh in '$TOMCAT_HOME')" >&2; exit 1; }
RESULTS=${RESULTS:-target/bench/stock-tomcat.jsonl}
BASE=$PWD/target/bench/tomcat-base
for ((rep = 1; rep <= REPEAT; rep++)); do
  rm -rf "$BASE"
  mkdir -p "$BASE"/{conf,logs,temp,webapps,work}
  cp "$TOMCAT_HOME"/conf/* "$BASE/conf/"
  cp deploy/tomcat/server.xml "$BASE/conf/server.xml"
  cp target/socket-server.war "$BASE/webapps/ROOT.war"
  log=target/bench/stock-tomcat-$rep.log
  # catalina.sh run execs the JVM, so $! is the server's PID.
  env -u CATALINA_PID -u JRE_HOME CATALINA_HOME="$TOMCAT_HOME" CATALINA_BASE="$BASE" \
    CATALINA_OPTS="-Dhttp.port=$HTTP_PORT -Dgrpc.port=$GRPC_PORT ${TOMCAT_JAVA_OPTS:-}" \
    bash "$TOMCAT_HOME/bin/catalina.sh" run >"$log" 2>&1 &
  bench_stock stock-tomcat.sh "$!" "$log" "Server startup in" "$@"
done
