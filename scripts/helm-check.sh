#!/usr/bin/env bash
# Lints and renders the Helm chart with the default and a production-like values file, and
# validates every rendered object against the Kubernetes schemas. Installs helm (pinned) from the
# Go module proxy when missing; Go's module and build caches make later runs fast.
set -euo pipefail
cd "$(dirname "$0")/.."

HELM_VERSION=v3.16.3
CHART=helm/partner-platform
export PATH="$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin:$PATH"

# A go-installed helm reports only major.minor (no release ldflags), and defaults to Kubernetes
# v1.20 for rendering: check the minor version, and render for a supported Kubernetes explicitly.
KUBE_VERSION=1.30.0
if ! helm version --short 2>/dev/null | grep -q "^${HELM_VERSION%.*}"; then
  echo "installing helm ${HELM_VERSION} with go install (first time: a few minutes)"
  go install "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}"
fi

for values in "$CHART"/ci/*.yaml; do
  echo "== $(basename "$values")"
  helm lint --strict --kube-version "$KUBE_VERSION" "$CHART" -f "$values"
  helm template release "$CHART" -f "$values" --namespace partner-platform --kube-version "$KUBE_VERSION" \
    > /tmp/helm-rendered.yaml
  node scripts/validate-manifests.mjs < /tmp/helm-rendered.yaml
done

# The chart refuses to render without secrets (or existingSecret), with a clear message.
if helm template release "$CHART" --kube-version "$KUBE_VERSION" 2>/tmp/helm-error.txt >/dev/null; then
  echo "expected rendering without secrets to fail" >&2
  exit 1
fi
grep -q "set existingSecret" /tmp/helm-error.txt

# values.schema.json refuses a value outside its rules, naming it.
if helm template release "$CHART" -f "$CHART/ci/default-values.yaml" --set config.kubernetes.reconcile=sometimes \
  --kube-version "$KUBE_VERSION" 2>/tmp/helm-error.txt >/dev/null; then
  echo "expected values.schema.json to refuse config.kubernetes.reconcile=sometimes" >&2
  exit 1
fi
grep -q "reconcile" /tmp/helm-error.txt
echo "helm checks passed"
