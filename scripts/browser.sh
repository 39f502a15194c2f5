#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed (browser tests drive it with playwright-core).
# Idempotent; prints the executable's path.
set -euo pipefail
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v chromium >/dev/null 2>&1; then
  echo "[browser] installing chromium" >&2
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >/dev/null
fi
command -v chromium
