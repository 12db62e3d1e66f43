#!/usr/bin/env bash
# Installs the Debian packages the tests run for real (Prometheus + promtool, Redis, Chromium,
# openssl, Go)
# when they are missing. Needs root (as on CI); otherwise says what to install.
set -euo pipefail
need=()
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# openssl makes the throwaway certificates of the TLS tests against Prometheus.
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# Go's text/template renders the alerting templates as Grafana does (test/support/provisioning/go-template).
command -v go >/dev/null 2>&1 || need+=(golang-go)
if [ ${#need[@]} -eq 0 ]; then
  echo "system packages present: prometheus $(prometheus --version 2>&1 | head -n1 | awk '{print $3}'), redis-server, chromium, openssl, $(go version | awk '{print $3}')"
  exit 0
fi
mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
if [ "$(id -u)" != "0" ]; then
  echo "missing Debian packages: ${need[*]} — install them with: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# The Debian prometheus package starts a system service on :9090; the tests run their own.
if command -v systemctl >/dev/null 2>&1; then systemctl stop prometheus >/dev/null 2>&1 || true; fi
echo "installed: ${need[*]}"
