#!/usr/bin/env bash
# Creates (or updates) a JETTY_BASE that runs socket-server on a stock Jetty 12 distribution.
#
#   deploy/jetty/make-base.sh [--single-port] <jetty-home> <jetty-base> <war>
#
# Then run it with:  cd <jetty-base> && java -jar <jetty-home>/start.jar
# (env AUTH_JWT_SECRET / API_KEYS etc. as for any deployment; see docs/DEPLOYING.md).
#
# Modules: server, http, http2c (HTTP/1.1 + WebSocket + gRPC h2c on one port), graceful (on
# stop, finish in-flight requests and close WebSockets with 1001 before the connectors close),
# ee10-deploy, ee10-annotations, ee10-websocket-jakarta, ee10-cdi (needed: without it the
# webapp sees Jetty's CDI API instead of Weld's and answers 503), plus socket-server-grpc (a
# second connector on socketserver.grpc.port, default 9003) unless --single-port is given.
# Set JAVA to choose the java binary (default: java on the PATH).
set -euo pipefail

single_port=false
if [[ "${1:-}" == "--single-port" ]]; then
  single_port=true
  shift
fi
if [[ $# -ne 3 ]]; then
  echo "usage: $0 [--single-port] <jetty-home> <jetty-base> <war>" >&2
  exit 2
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
jetty_home=$(cd "$1" && pwd)
[[ -f "$jetty_home/start.jar" ]] || { echo "$jetty_home has no start.jar" >&2; exit 1; }
[[ -f "$3" ]] || { echo "no WAR at $3" >&2; exit 1; }
war=$(cd "$(dirname "$3")" && pwd)/$(basename "$3")
mkdir -p "$2"
jetty_base=$(cd "$2" && pwd)

modules=server,http,http2c,graceful,ee10-deploy,ee10-annotations,ee10-websocket-jakarta,ee10-cdi
if [[ $single_port == false ]]; then
  mkdir -p "$jetty_base/modules" "$jetty_base/etc"
  cp "$here/modules/socket-server-grpc.mod" "$jetty_base/modules/"
  cp "$here/etc/socket-server-grpc.xml" "$jetty_base/etc/"
  modules=$modules,socket-server-grpc
fi

cd "$jetty_base"
"${JAVA:-java}" -jar "$jetty_home/start.jar" jetty.home="$jetty_home" jetty.base="$jetty_base" \
  --add-modules="$modules"

mkdir -p start.d webapps
cp "$here/start.d/socket-server.ini" start.d/
cp "$war" webapps/ROOT.war
echo "JETTY_BASE ready: $jetty_base (modules: $modules)"
