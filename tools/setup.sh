#!/usr/bin/env bash
# One-time setup: a WebGPU driver (lavapipe when there is no GPU driver), npm packages, the bundles.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ]; then
  bash tools/install-lavapipe.sh
elif ! ls /usr/share/vulkan/icd.d/*.json >/dev/null 2>&1; then
  echo "setup: no Vulkan driver found; run 'sudo bash tools/install-lavapipe.sh' (or install your GPU's Vulkan driver)" >&2
fi
npm ci --no-audit --no-fund
node tools/build.mjs
