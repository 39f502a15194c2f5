#!/usr/bin/env bash
# Starts the whole platform locally in the foreground: PostgreSQL and Redis (scripts/services.sh),
# migrations, the sandbox partner, then the Partner API, the worker, the gateway and the mail
# catcher, supervised (scripts/supervise.ts: restarted with backoff when they die). Apps are built
# first when their build is missing or stale. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/services.sh
node -r ts-node/register/transpile-only scripts/ensure-build.ts
node dist/apps/cli/main.js migrate >/dev/null

# The sandbox partner: created on first start (the signing secret is shown then, and only then);
# later starts issue a fresh API key, since keys are stored hashed and cannot be shown again.
if sandbox=$(node dist/apps/cli/main.js partner:create sandbox 2>/dev/null); then :; else
  sandbox=$(node dist/apps/cli/main.js key:issue sandbox)
fi
field() { echo "$sandbox" | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(JSON.parse(s)['$1'] ?? '(shown on the first start only)'))"; }
api_key=$(field api_key)
signing_secret=$(field signing_secret)

port=${PORT:-3000}
gateway_port=${GATEWAY_PORT:-8080}
mail_port=${MAIL_CATCHER_HTTP_PORT:-1080}
cat <<INFO

  Partner API      http://localhost:${port}/          (OpenAPI: http://localhost:${port}/docs)
  Instances        http://{subdomain}.localhost:${gateway_port}/
  Mail catcher     http://localhost:${mail_port}/          (activation e-mails land here)
  sandbox key      ${api_key}
  signing secret   ${signing_secret}

  curl -H "Authorization: Bearer ${api_key}" http://localhost:${port}/v1/partner_id

INFO

# Supervised: a component that dies is restarted with backoff, and the log says so.
export SUPERVISOR_GOODBYE="Stopped the control plane. Tenant instances keep running on purpose (each is its own process, as a pod would be); the next npm run start:local adopts them."
exec node -r ts-node/register/transpile-only scripts/supervise.ts \
  mail=dist/apps/mail-catcher/main.js \
  gateway=dist/apps/gateway/main.js \
  api=dist/apps/partner-api/main.js \
  worker=dist/apps/worker/main.js
