#!/usr/bin/env bash
# Compiles specs/ into a temporary folder and has Prometheus's promtool and
# Alertmanager's amtool check the result, as they would before a deploy.
set -euo pipefail
slo=${1:-bin/slo}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$slo" compile --out "$out" specs >/dev/null
if command -v promtool >/dev/null; then
  promtool check rules "$out"/rules/*.yml "$(dirname "$0")"/../examples/checkout/rules/*.yml
else
  echo "check-output: promtool not installed; skipped (apt-get install prometheus)"
fi
if command -v amtool >/dev/null; then
  amtool check-config "$out"/alertmanager/alertmanager.yml
  # The base config's own route survives the merge: Watchdog still reaches
  # the dead-man's switch.
  amtool config routes test --config.file="$out"/alertmanager/alertmanager.yml \
    --verify.receivers=deadmansswitch alertname=Watchdog 2>/dev/null
  # examples/checkout as committed (slo check keeps it what its specs
  # compile to): its base config's own Watchdog route survives too.
  ex=$(dirname "$0")/../examples/checkout
  amtool check-config "$ex"/alertmanager/alertmanager.yml
  amtool config routes test --config.file="$ex"/alertmanager/alertmanager.yml \
    --verify.receivers=deadmansswitch alertname=Watchdog 2>/dev/null
else
  echo "check-output: amtool not installed; skipped (apt-get install prometheus-alertmanager)"
fi
