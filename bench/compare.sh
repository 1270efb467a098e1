#!/usr/bin/env bash
# Compares two commits in one run, measured from outside: builds both WARs, deploys each in the
# stock Jetty 12.1 distribution (java -Xmx1g -jar start.jar, nothing else) and the stock Tomcat 11
# distribution (catalina.sh run, -Xmx1g), and drives them with the shared Node.js load generator
# (fanout/connections), alternating the two WARs scenario by scenario so that noise from other
# work on the machine hits both alike. A fresh server for every run.
#
#   LOADGEN_DIR=/tmp/loadgen bench/compare.sh <commitA> <commitB>
#
# LOADGEN_DIR: a copy of the shared load generator (../shared/bench/loadgen, see its README) made
# OUTSIDE this repository, with `npm install` run in it; it is never copied into the project.
#
# Rows (ROWS, default all; names as in the output):
#   full     1,000 subscribers in one room, publishing as fast as the publisher can (FULL_MESSAGES)
#   r100     the same at 100 msg/s (R100_MESSAGES)
#   r20      the same at 20 msg/s (R20_MESSAGES)
#   idle     10,000 idle connections (IDLE_CLIENTS); RSS per connection right after connecting
#            and a 3 s hold, no forced GC (what an operator sees)
#   tomcat   `full` in stock Tomcat
#   wfull, wr100, wr20
#            `full`, `r100`, `r20` on a warm server: first WARM_MESSAGES (20000) publications at
#            full speed to the same server (a load generator run of its own, not recorded), then
#            the row as above. A long-running server's cost, without most of the young JVM's
#            compilation (not among the default rows)
# Environment: RUNS (3), JETTY_HOME / TOMCAT_HOME (default: the distributions the integration
# tests unpack under target/dist), SERVER_HEAP (1g), HTTP_PORT/GRPC_PORT (3003/9003),
# WAIT_QUIET_S (60: the load generator waits, bounded, for an idle machine before each run),
# OUT (default bench/results/compare-<A>-<B>-<UTC time>.jsonl), KEEP=1 keeps the build directory,
# WARM_MESSAGES (20000, the warm rows' warm-up).
# Server settings pass through the environment (e.g. HEAP_GIVE_BACK=true); by default the
# server's own defaults.
#
# Every result is one JSON line (the load generator's) with "label" = "<row>|<commit>|<run>" and,
# for fanout rows, "server_threads": the server's CPU seconds by thread kind (jit: the JIT
# compiler threads, gc: G1's, other) from the moment the generator starts publishing to its end;
# at the end a markdown table of medians [min-max] per row and commit (bench/compare-summary.js)
# goes to stdout and OUT.md. Runs with machine.other_cpu_s above NOISY_CPU_S (1.0) are listed
# as noisy there and left out of the medians.
set -euo pipefail
cd "$(dirname "$0")/.."
here=$PWD

[ $# -eq 2 ] || { sed -n 2,30p "$0" >&2; exit 2; }
: "${LOADGEN_DIR:?set LOADGEN_DIR to a copy of the shared load generator with npm install done (see bench/README.md)}"
LOADGEN_DIR=$(cd "$LOADGEN_DIR" && pwd)
[ -d "$LOADGEN_DIR/node_modules" ] || { echo "compare.sh: run npm install in $LOADGEN_DIR first" >&2; exit 1; }
A=$(git rev-parse --short "$1")
B=$(git rev-parse --short "$2")
RUNS=${RUNS:-3}
ROWS=${ROWS:-full r100 r20 idle tomcat}
FULL_MESSAGES=${FULL_MESSAGES:-3000}
R100_MESSAGES=${R100_MESSAGES:-1000}
R20_MESSAGES=${R20_MESSAGES:-200}
IDLE_CLIENTS=${IDLE_CLIENTS:-10000}
WARM_MESSAGES=${WARM_MESSAGES:-20000}
SERVER_HEAP=${SERVER_HEAP:-1g}
HTTP_PORT=${HTTP_PORT:-3003}
GRPC_PORT=${GRPC_PORT:-9003}
WAIT_QUIET_S=${WAIT_QUIET_S:-60}
NOISY_CPU_S=${NOISY_CPU_S:-1.0}
JETTY_HOME=$(cd "${JETTY_HOME:-$(ls -d target/dist/jetty-home-* 2>/dev/null | head -1)}" && pwd)
TOMCAT_HOME=$(cd "${TOMCAT_HOME:-$(ls -d target/dist/apache-tomcat-* 2>/dev/null | head -1)}" && pwd)
[ -f "$JETTY_HOME/start.jar" ] || { echo "compare.sh: set JETTY_HOME (stock Jetty 12.1 distribution)" >&2; exit 1; }
OUT=${OUT:-bench/results/compare-$A-$B-$(date -u +%Y%m%dT%H%M).jsonl}
mkdir -p "$(dirname "$OUT")"
OUT=$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")

export AUTH_JWT_SECRET=${AUTH_JWT_SECRET:-dev-secret-change-me-0123456789abcdef}
export API_INSECURE=${API_INSECURE:-true} # loopback benchmark only: the publisher sends no API key
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ]; then ulimit -n 1048576 2>/dev/null || true; else ulimit -n "$hard"; fi

work=$(mktemp -d /tmp/compare.XXXXXX)
SERVER_PID=""
cleanup() {
  stop_server
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT INT TERM

# Sources from git (not the working tree), so uncommitted changes never leak into a side.
build() {
  local c=$1 src=$work/src-$1
  mkdir -p "$src"
  git archive "$c" | tar -x -C "$src"
  echo "compare.sh: building $c" >&2
  (cd "$src" && { mvn -q -B -o -DskipTests package 2>/dev/null || mvn -q -B -DskipTests package; }) >&2
  cp "$src/target/socket-server.war" "$work/$c.war"
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
  fi
  [ -z "$SERVER_PID" ] || wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
  for _ in $(seq 1 50); do port_busy "$HTTP_PORT" || port_busy "$GRPC_PORT" || break; sleep 0.2; done
}

# start_jetty COMMIT: a fresh JETTY_BASE (the commit's own deploy/jetty/make-base.sh) with its WAR.
start_jetty() {
  local c=$1 base=$work/jetty-base-$1 log=$work/server.log
  rm -rf "$base"
  bash "$work/src-$c/deploy/jetty/make-base.sh" "$JETTY_HOME" "$base" "$work/$c.war" >/dev/null 2>&1
  (cd "$base" && exec java -Xmx"$SERVER_HEAP" -jar "$JETTY_HOME/start.jar" jetty.http.port="$HTTP_PORT" \
    socketserver.grpc.port="$GRPC_PORT") >"$log" 2>&1 &
  SERVER_PID=$!
  await_start "$log" "Started oejs.Server"
}

# start_tomcat COMMIT: a fresh CATALINA_BASE (the distribution's conf/, the commit's server.xml).
start_tomcat() {
  local c=$1 base=$work/tomcat-base log=$work/server.log
  rm -rf "$base"
  mkdir -p "$base"/{conf,logs,temp,webapps,work}
  cp "$TOMCAT_HOME"/conf/* "$base/conf/"
  cp "$work/src-$c/deploy/tomcat/server.xml" "$base/conf/server.xml"
  cp "$work/$c.war" "$base/webapps/ROOT.war"
  # catalina.sh run execs the JVM, so $! is the server's PID.
  env -u CATALINA_PID -u JRE_HOME CATALINA_HOME="$TOMCAT_HOME" CATALINA_BASE="$base" \
    CATALINA_OPTS="-Xmx$SERVER_HEAP -Dhttp.port=$HTTP_PORT -Dgrpc.port=$GRPC_PORT" \
    bash "$TOMCAT_HOME/bin/catalina.sh" run >"$log" 2>&1 &
  SERVER_PID=$!
  await_start "$log" "Server startup in"
}

await_start() {
  local log=$1 ready=$2
  for _ in $(seq 1 600); do
    grep -q "$ready" "$log" 2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.2
  done
  grep -q "$ready" "$log" || { echo "compare.sh: the server did not start:" >&2; tail -30 "$log" >&2; exit 1; }
  sleep 1
}

# thread_cpu PID: the process's CPU so far in clock ticks by thread kind, "jit gc other" (one
# awk over every thread's stat file; thread names may hold spaces and parentheses).
thread_cpu() {
  awk '{
    o = index($0, "("); c = o
    while ((k = index(substr($0, c + 1), ")")) > 0) c += k
    name = substr($0, o + 1, c - o - 1)
    split(substr($0, c + 2), f, " ")
    t = f[12] + f[13]
    if (name ~ /^C[12] Compiler/) jit += t; else if (name ~ /^(G1|GC Thread)/) gc += t; else other += t
  } END { print jit + 0, gc + 0, other + 0 }' /proc/"$1"/task/*/stat 2>/dev/null
}

# fanout_run FANOUT-ARGS...: one fanout run of the load generator; its JSON line with server_threads
# (the server's CPU by thread kind while the generator publishes and drains) added.
fanout_run() {
  local err=$work/loadgen.err lineout=$work/loadgen.out before after hz
  hz=$(getconf CLK_TCK)
  "$LOADGEN_DIR/run.sh" "$@" >"$lineout" 2>"$err" &
  local lp=$!
  while kill -0 "$lp" 2>/dev/null && ! grep -q "publishing" "$err"; do sleep 0.05; done
  before=$(thread_cpu "$SERVER_PID")
  wait "$lp" || true
  after=$(thread_cpu "$SERVER_PID")
  node -e '
    const [line, b, a, hz] = [process.argv[1], process.argv[2].split(" ").map(Number), process.argv[3].split(" ").map(Number), Number(process.argv[4])];
    const r = JSON.parse(line);
    const d = a.map((x, i) => (x - b[i]) / hz);
    const total = d[0] + d[1] + d[2];
    r.server_threads = { jit_cpu_s: d[0], gc_cpu_s: d[1], other_cpu_s: d[2], jit_share: total ? d[0] / total : null };
    console.log(JSON.stringify(r));' "$(grep "^{" "$lineout" | tail -1)" "$before" "$after" "$hz"
}

# run_row ROW COMMIT RUN: one fresh server, one load generator run, one JSON line into OUT.
run_row() {
  local row=$1 c=$2 run=$3 line
  for p in "$HTTP_PORT" "$GRPC_PORT"; do
    if port_busy "$p"; then echo "compare.sh: port $p is already in use" >&2; exit 1; fi
  done
  local server=(--ws-url "ws://127.0.0.1:$HTTP_PORT/ws" --grpc "127.0.0.1:$GRPC_PORT" --jwt-secret "$AUTH_JWT_SECRET" --jwt-claim sub)
  local common=("${server[@]}" --wait-quiet-s "$WAIT_QUIET_S" --label "$row|$c|$run")
  local fan=(fanout --clients 1000 --room bench --concurrency 32)
  case $row in
    tomcat) start_tomcat "$c" ;;
    *) start_jetty "$c" ;;
  esac
  common+=(--server-pid "$SERVER_PID")
  echo "compare.sh: $row $c run $run (server pid $SERVER_PID)" >&2
  case $row in
    w*)
      echo "compare.sh: warming the server up with $WARM_MESSAGES publications at full speed" >&2
      "$LOADGEN_DIR/run.sh" "${fan[@]}" --messages "$WARM_MESSAGES" --rate 0 "${server[@]}" \
        --label "warmup|$c|$run" >/dev/null ;;
  esac
  case ${row#w} in
    full | tomcat) line=$(fanout_run "${fan[@]}" --messages "$FULL_MESSAGES" --rate 0 "${common[@]}") ;;
    r100) line=$(fanout_run "${fan[@]}" --messages "$R100_MESSAGES" --rate 100 "${common[@]}") ;;
    r20) line=$(fanout_run "${fan[@]}" --messages "$R20_MESSAGES" --rate 20 "${common[@]}") ;;
    idle) line=$("$LOADGEN_DIR/run.sh" connections --clients "$IDLE_CLIENTS" --batch 200 --hold-ms 3000 "${common[@]}") ;;
    *) echo "compare.sh: unknown row $row" >&2; exit 2 ;;
  esac
  stop_server
  echo "$line" >>"$OUT"
  echo "$line" | cut -c1-200 >&2
}

build "$A"
build "$B"
echo "compare.sh: $A vs $B, rows: $ROWS, $RUNS runs each; results in $OUT" >&2
for ((run = 1; run <= RUNS; run++)); do
  for row in $ROWS; do
    # Alternate which side goes first, so neither always runs on a warmer (or busier) machine.
    if (( run % 2 == 1 )); then order="$A $B"; else order="$B $A"; fi
    for c in $order; do run_row "$row" "$c" "$run"; done
  done
done
node "$here/bench/compare-summary.js" "$OUT" "$A" "$B" "$NOISY_CPU_S" | tee "$OUT.md"
