#!/usr/bin/env bash
# Offline checks of infra/ and docs/operations.md: Prometheus configs and alert rules (promtool, with unit
# tests), the metric contract, Kubernetes manifests (kustomize-rendered, then JSON schemas, field names and
# tq's rules), compose.yaml (compose-spec schema and rules: loopback bindings, Redis maxmemory under its
# memory limit), the Dockerfile (Node 24, tini, turbo once), the Node range against every locked
# dependency's engines, and the Grafana dashboard.
# No Docker engine, cluster or network beyond the package registries is needed. Runs every check, prints
# each, and exits non-zero if any failed. Safe to run again: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=()

# run NAME COMMAND...: runs one check, shows its output, remembers a failure and goes on.
run() {
  local name=$1
  shift
  echo "-- $name"
  if ! "$@"; then
    failed+=("$name")
    echo "   FAILED: $name"
  fi
}

apt_install() {
  local sudo=
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get install -y --no-install-recommends "$@" >/dev/null ||
    { $sudo apt-get update >/dev/null && $sudo apt-get install -y --no-install-recommends "$@" >/dev/null; }
}

echo "== tools"
command -v promtool >/dev/null || apt_install prometheus
promtool --version 2>&1 | head -1
# kustomize: kubectl's built-in (the machine image ships kubectl), else a standalone kustomize. Debian's
# kubernetes-client (1.20) is too old for components, and Debian has no kustomize package.
if command -v kubectl >/dev/null; then
  kustomize_build=(kubectl kustomize)
elif command -v kustomize >/dev/null; then
  kustomize_build=(kustomize build)
else
  kustomize_build=()
fi
echo "kustomize: ${kustomize_build[*]:-none}"
# The validators' packages, with npm outside the pnpm workspace; reinstalled only when the lockfile changes.
lock_sum=$(sha256sum infra/validate/package-lock.json | cut -d' ' -f1)
if [ "$(cat infra/validate/node_modules/.lock-sha256 2>/dev/null || true)" != "$lock_sum" ]; then
  npm ci --prefix infra/validate --no-audit --no-fund --loglevel=error
  echo "$lock_sum" >infra/validate/node_modules/.lock-sha256
fi
echo "validators: infra/validate ($(node --version))"

echo
echo "== prometheus"
run "promtool check config (local, compose)" \
  promtool check config infra/prometheus/prometheus.yml infra/prometheus/prometheus.compose.yml
# Debian builds Prometheus without Kubernetes discovery; then the relabelling is checked with the pod
# discovery swapped for an empty static target list, which is all promtool cannot read.
check_k8s_prometheus_config() {
  if promtool check config infra/prometheus/prometheus.k8s.yml >"$work/k8s-config.log" 2>&1; then
    cat "$work/k8s-config.log"
  elif grep -q 'field kubernetes_sd_configs not found' "$work/k8s-config.log"; then
    echo "   (this promtool has no Kubernetes discovery: checking with it replaced by static_configs)"
    mkdir -p "$work/prom-k8s"
    cp -r infra/prometheus/rules "$work/prom-k8s/"
    sed -e 's/^    kubernetes_sd_configs:$/    static_configs:/' -e 's/^      - role: pod$/      - targets: []/' \
      infra/prometheus/prometheus.k8s.yml >"$work/prom-k8s/prometheus.k8s.yml"
    grep -q 'targets: \[\]' "$work/prom-k8s/prometheus.k8s.yml" && promtool check config "$work/prom-k8s/prometheus.k8s.yml"
  else
    cat "$work/k8s-config.log"
    return 1
  fi
}
run "promtool check config (kubernetes)" check_k8s_prometheus_config
run "promtool check rules" promtool check rules infra/prometheus/rules/tq-alerts.yml
run "promtool test rules" promtool test rules infra/prometheus/rules/tq-alerts.test.yml
run "alert annotations and runbooks" node infra/validate/rules.mjs infra/prometheus/rules/tq-alerts.yml docs/operations.md
run "metric contract vs service sources" node infra/validate/contract.mjs
run "scrape-test.sh syntax" bash -n infra/prometheus/scrape-test.sh

echo
echo "== kubernetes"
check_kubernetes() {
  if [ ${#kustomize_build[@]} -eq 0 ]; then
    # Without kustomize every manifest file is validated as written, all together so that references
    # between files resolve; generated ConfigMaps, labels and patches cannot be checked then.
    echo "   no kustomize available: validating the manifest files as written, not rendered"
    find infra/k8s -name '*.yaml' ! -name kustomization.yaml | sort | while read -r f; do
      cat "$f"
      printf '\n---\n'
    done >"$work/unrendered.yaml"
    node infra/validate/k8s.mjs --unrendered "$work/unrendered.yaml"
    return
  fi
  "${kustomize_build[@]}" infra/k8s/base >"$work/base.yaml"
  "${kustomize_build[@]}" infra/k8s/overlays/example >"$work/example.yaml"
  "${kustomize_build[@]}" infra/k8s/overlays/two-pools >"$work/two-pools.yaml"
  # Components are rendered through an overlay made here; kustomize wants relative paths.
  mkdir -p "$work/hpa"
  local k8s
  k8s=$(realpath --relative-to="$work/hpa" infra/k8s)
  printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [%s/base]\ncomponents: [%s/components/hpa]\n' \
    "$k8s" "$k8s" >"$work/hpa/kustomization.yaml"
  "${kustomize_build[@]}" "$work/hpa" >"$work/base-with-hpa.yaml"
  mkdir -p "$work/history"
  printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [%s/base]\ncomponents: [%s/components/history]\n' \
    "$(realpath --relative-to="$work/history" infra/k8s)" "$(realpath --relative-to="$work/history" infra/k8s)" >"$work/history/kustomization.yaml"
  "${kustomize_build[@]}" "$work/history" >"$work/base-with-history.yaml"
  mkdir -p "$work/netpol"
  printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: tq\nresources: [%s/overlays/two-pools]\ncomponents: [%s/components/network-policy]\n' \
    "$(realpath --relative-to="$work/netpol" infra/k8s)" "$(realpath --relative-to="$work/netpol" infra/k8s)" >"$work/netpol/kustomization.yaml"
  "${kustomize_build[@]}" "$work/netpol" >"$work/with-network-policy.yaml"
  echo "   rendered: base, overlays/example, overlays/two-pools (+ components/network-policy), base + components/hpa, base + components/history"
  node infra/validate/k8s.mjs --promql-out "$work/k8s-promql.yml" \
    "$work/base.yaml" --complete "$work/example.yaml" --complete "$work/two-pools.yaml" \
    --complete "$work/with-network-policy.yaml" "$work/base-with-hpa.yaml" "$work/base-with-history.yaml" &&
    promtool check rules "$work/k8s-promql.yml" >/dev/null &&
    echo "   KEDA queries: parsed by promtool"
}
run "kustomize build + schemas + fields + rules" check_kubernetes

echo
echo "== compose"
run "compose.yaml" node infra/validate/compose.mjs infra/compose.yaml

echo
echo "== docker"
run "Dockerfile and .dockerignore" node infra/validate/dockerfile.mjs infra/docker/Dockerfile .dockerignore
run "Node versions (engines) vs every locked dependency" node infra/validate/engines.mjs

echo
echo "== grafana"
check_grafana() {
  node infra/validate/grafana.mjs --promql-out "$work/grafana-promql.yml" infra/grafana || return 1
  if promtool check rules "$work/grafana-promql.yml" >"$work/grafana-promtool.log" 2>&1; then
    echo "   dashboard queries: parsed by promtool"
  else
    cat "$work/grafana-promtool.log" "$work/grafana-promql.yml"
    return 1
  fi
}
run "dashboard and provisioning" check_grafana

echo
if [ ${#failed[@]} -gt 0 ]; then
  (IFS=';' && echo "infra-check: ${#failed[@]} check(s) failed in ${SECONDS} s: ${failed[*]}")
  exit 1
fi
echo "infra-check: all checks passed in ${SECONDS} s"
