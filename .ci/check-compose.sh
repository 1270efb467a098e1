#!/usr/bin/env bash
# Validates docker-compose.yml without a Docker engine: Debian's docker-compose parses,
# interpolates and schema-checks the file with `config -q` and exits non-zero if it is invalid.
# Installs the docker-compose package first if it is missing (needs root or sudo).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v docker-compose >/dev/null 2>&1; then
  echo "docker-compose not found; installing the Debian package" >&2
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  install_compose() {
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker-compose
  }
  install_compose || { $sudo apt-get update -q && install_compose; }
fi

docker-compose -f docker-compose.yml config -q
echo "docker-compose.yml is valid ($(docker-compose version --short))"
