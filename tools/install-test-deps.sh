#!/bin/sh
# Debian packages the test suite drives: Chromium for the browser-demo test (playwright-core points at
# /usr/bin/chromium; never a downloaded browser) and redis-server for the sweep-queue tests (each test starts its own
# server on a free loopback port and stops it). Needs root; skipped quietly when both are already there.
set -e
need=""
command -v chromium >/dev/null 2>&1 || need="$need chromium"
command -v redis-server >/dev/null 2>&1 || need="$need redis-server"
[ -z "$need" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "install-test-deps: missing$need; run 'sudo sh tools/install-test-deps.sh'" >&2
  exit 1
fi
apt-get update
apt-get install -y --no-install-recommends $need
# The Debian package starts a system-wide redis on port 6379; the tests never use it, so stop it where systemd runs.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now redis-server >/dev/null 2>&1 || true; fi
