#!/usr/bin/env bash
# Starts the platform locally in the foreground: services, migrations, the sandbox partner, then
# the Partner API and the worker. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/services.sh
TS="node -r ts-node/register/transpile-only -r tsconfig-paths/register"
$TS apps/cli/src/main.ts migrate >/dev/null

# The sandbox partner: created on first start; later starts issue a fresh key (keys are stored hashed).
if sandbox=$($TS apps/cli/src/main.ts partner:create sandbox 2>/dev/null); then :; else
  sandbox=$($TS apps/cli/src/main.ts key:issue sandbox)
fi
api_key=$(echo "$sandbox" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).api_key))')

port=${PORT:-3000}
cat <<INFO

  Partner API    http://localhost:${port}/          (OpenAPI: http://localhost:${port}/docs)
  sandbox key    ${api_key}

  curl -H "Authorization: Bearer ${api_key}" http://localhost:${port}/v1/partner_id

INFO

trap 'kill 0' EXIT INT TERM
$TS apps/partner-api/src/main.ts &
$TS apps/worker/src/main.ts &
wait
