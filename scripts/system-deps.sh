#!/usr/bin/env bash
# Installs the operating-system packages cxlens' tests and extras need (Debian/Ubuntu).
# Safe to run again: it installs only what is missing.
set -euo pipefail

need=()
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)      # Spark
command -v chromium >/dev/null 2>&1 || need+=(chromium)                   # PDF reports, browser tests
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)              # checking PDF pages in tests
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)  # collection store tests
command -v wrk >/dev/null 2>&1 || need+=(wrk)                             # load benchmark

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "Please install: ${need[*]} (no apt-get on this machine)" >&2
  exit 1
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing system packages: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
