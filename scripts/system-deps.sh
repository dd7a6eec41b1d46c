#!/usr/bin/env bash
# Installs the operating-system packages cxlens' tests and extras need (Debian/Ubuntu).
# Safe to run again: it installs only what is missing. When another installation holds
# the package manager, it waits for it (up to APT_WAIT seconds, default 600).
#
# Without --strict, packages that cannot be installed are named with the features that
# need them, and setup goes on: the command line, the dashboard and the demo need none
# of them. With --strict (what `make test` uses) they are an error, since tests need them.
set -euo pipefail

strict=0
[ "${1:-}" = "--strict" ] && strict=1
wait_s="${APT_WAIT:-600}"

need=()
declare -A why=(
  [openjdk-17-jre-headless]="running on Spark"
  [chromium]="PDF reports, digest chart images and browser tests"
  [poppler-utils]="checking PDF report pages in tests"
  [fonts-dejavu-core]="PDF reports in Bulgarian (Cyrillic glyphs)"
  [postgresql]="the PostgreSQL collection store tests"
  [wrk]="the web load benchmark"
)
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v wrk >/dev/null 2>&1 || need+=(wrk)

[ ${#need[@]} -eq 0 ] && exit 0

missing() {
  echo "cxlens: could not install these system packages: $1" >&2
  for p in "${need[@]}"; do echo "  - $p: needed for ${why[$p]}" >&2; done
  if [ "$strict" -eq 1 ]; then
    echo "The tests need them; install them and run this again." >&2
    exit 1
  fi
  echo "Setup goes on without them; install them later for those features." >&2
  exit 0
}

command -v apt-get >/dev/null 2>&1 || missing "(no apt-get on this machine)"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || missing "(not root and no sudo)"
  SUDO="sudo"
fi
echo "Installing system packages: ${need[*]}"
lock=(-o "DPkg::Lock::Timeout=${wait_s}")
# apt-get update does not wait for the package lists' lock by itself: try again for a while
deadline=$(( $(date +%s) + wait_s ))
until $SUDO apt-get "${lock[@]}" update -qq; do
  if [ "$(date +%s)" -ge "$deadline" ]; then missing "(apt-get update failed)"; fi
  echo "apt-get update failed (another installation running?); trying again in 10 s" >&2
  sleep 10
done
DEBIAN_FRONTEND=noninteractive $SUDO apt-get "${lock[@]}" install -y -qq \
  --no-install-recommends "${need[@]}" >/dev/null || missing "(apt-get install failed)"
