#!/usr/bin/env bash
# Starts the whole platform locally in the foreground: PostgreSQL and Redis (scripts/services.sh),
# migrations, the sandbox partner, then the Partner API, the worker, the gateway, the mail
# catcher and the WhatsApp sandbox, supervised (scripts/supervise.ts: restarted with backoff when
# they die). Apps are built first when their build is missing or stale. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

state_dir=${LOCAL_STATE_DIR:-.local}
pid_file="$state_dir/supervisor.pid"
if [ -s "$pid_file" ] && grep -qs supervise.ts "/proc/$(cat "$pid_file")/cmdline"; then
  echo "start:local is already running (pid $(cat "$pid_file")); npm run stop:local stops it." >&2
  exit 1
fi

bash scripts/services.sh
node -r ts-node/register/transpile-only scripts/ensure-build.ts
node dist/apps/cli/main.js migrate >/dev/null

# The sandbox partner: created on first start (the signing secret is shown then, and only then).
# Its API key is kept in LOCAL_STATE_DIR (readable by the owner only; keys are stored hashed in the
# database and cannot be shown again), so every start prints the same key while it is not revoked.
key_file="$state_dir/sandbox-api-key"
mkdir -p "$state_dir"
json_field() { node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(JSON.parse(s)['$1'] ?? ''))"; }
saved_key_active() { # the saved key's prefix is among sandbox's unrevoked keys
  [ -s "$key_file" ] || return 1
  node dist/apps/cli/main.js partner:list 2>/dev/null | PREFIX="$(head -c 12 "$key_file")" node -e "
    let s=''; process.stdin.on('data',d=>s+=d).on('end',()=>{
      const p = JSON.parse(s).find((x) => x.partner_id === 'sandbox');
      process.exit(p && p.api_keys.some((k) => k.prefix === process.env.PREFIX && !k.revoked_at) ? 0 : 1);
    })"
}
signing_secret='(shown on the first start only)'
if sandbox=$(node dist/apps/cli/main.js partner:create sandbox 2>/dev/null); then
  signing_secret=$(echo "$sandbox" | json_field signing_secret)
  api_key=$(echo "$sandbox" | json_field api_key)
elif saved_key_active; then
  api_key=$(cat "$key_file")
else
  api_key=$(node dist/apps/cli/main.js key:issue sandbox | json_field api_key)
fi
(umask 077 && printf "%s" "$api_key" > "$key_file") && chmod 600 "$key_file"

port=${PORT:-3000}
gateway_port=${GATEWAY_PORT:-8080}
mail_port=${MAIL_CATCHER_HTTP_PORT:-1080}
sandbox_port=${WABA_SANDBOX_PORT:-1090}
export WABA_SANDBOX_URL=${WABA_SANDBOX_URL:-http://127.0.0.1:${sandbox_port}}
cat <<INFO

  Partner API      http://localhost:${port}/          (OpenAPI: http://localhost:${port}/docs)
  Instances        http://{subdomain}.localhost:${gateway_port}/
  Mail catcher     http://localhost:${mail_port}/          (activation e-mails land here)
  WhatsApp sandbox http://localhost:${sandbox_port}/          (play the customer: write to your instances)
  sandbox key      ${api_key}
  signing secret   ${signing_secret}

  curl -H "Authorization: Bearer ${api_key}" http://localhost:${port}/v1/partner_id

INFO

# Supervised: a component that dies is restarted with backoff, and the log says so.
export SUPERVISOR_GOODBYE="Stopped the control plane. Tenant instances keep running on purpose (each is its own process, as a pod would be); the next npm run start:local adopts them, npm run stop:local stops them too."
export SUPERVISOR_PID_FILE="$pid_file"
exec node -r ts-node/register/transpile-only scripts/supervise.ts \
  mail=dist/apps/mail-catcher/main.js \
  sandbox=dist/apps/waba-sandbox/main.js \
  gateway=dist/apps/gateway/main.js \
  api=dist/apps/partner-api/main.js \
  worker=dist/apps/worker/main.js
