#!/usr/bin/env bash
# Installs Mesa's lavapipe (Vulkan on the CPU) from bookworm-backports: Dawn needs a newer Mesa than
# bookworm ships. Idempotent; does nothing when a Vulkan driver is already present.
set -euo pipefail
# bookworm's own Mesa (22.x) has lavapipe too, but Dawn rejects it: only a Mesa ≥ 24 counts as installed.
have=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
if [ -n "$have" ] && dpkg --compare-versions "$have" ge 24 && [ "${FORCE:-0}" != 1 ]; then
  echo "install-lavapipe: mesa-vulkan-drivers $have already installed"; exit 0
fi
if [ "$(id -u)" != 0 ]; then echo "install-lavapipe: needs root (apt-get)" >&2; exit 1; fi
. /etc/os-release
codename=${VERSION_CODENAME:-bookworm}
list=/etc/apt/sources.list.d/${codename}-backports.list
if ! grep -rqs "${codename}-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "deb http://deb.debian.org/debian ${codename}-backports main" > "$list"
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q -t "${codename}-backports" mesa-vulkan-drivers libvulkan1
echo "install-lavapipe: installed $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
