#!/usr/bin/env bash
# Make sure `redis-server` is on PATH (the Redis event hub tests start their own on a free port).
# Quiet and idempotent: does nothing when it is already installed; needs root for apt-get.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-redis: redis-server is missing and apt-get is not available; install Redis" >&2
    exit 1
fi
as_root=()
if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "ensure-redis: redis-server is missing; install it (apt-get install redis-server) as root" >&2
        exit 1
    fi
    as_root=(sudo -n)
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq >/dev/null
"${as_root[@]}" apt-get install -y -qq --no-install-recommends redis-server >/dev/null
# Debian's package may start a system service on 6379; the tests never use it.
command -v redis-server >/dev/null 2>&1
