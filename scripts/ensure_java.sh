#!/usr/bin/env bash
# Java 17+ for the Spark tests (`--engine spark`), from Debian's packages when missing.
set -euo pipefail
if ! command -v java >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless
  else
    echo "missing: java; install with: sudo apt-get install default-jre-headless" >&2
    exit 1
  fi
fi
