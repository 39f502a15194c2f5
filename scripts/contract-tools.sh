#!/usr/bin/env bash
# Installs the contract-test tools (schemathesis, pinned) into .tools/schemathesis, a virtualenv of
# the project's own. Idempotent: a second run with the same pins does nothing. Used by .ci/run and
# by test/contract/openapi-contract.e2e-spec.ts (which says to run this when the tool is missing).
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
HYPOTHESIS_VERSION=6.170.17
VENV=.tools/schemathesis

if [ -x "$VENV/bin/schemathesis" ] && "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  echo "[contract-tools] schemathesis $SCHEMATHESIS_VERSION is installed"
  exit 0
fi
echo "[contract-tools] installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check \
  "schemathesis==$SCHEMATHESIS_VERSION" "hypothesis==$HYPOTHESIS_VERSION"
"$VENV/bin/schemathesis" --version
