#!/usr/bin/env bash
# Installs Mesa's lavapipe (Vulkan on the CPU) from bookworm-backports: Dawn needs a newer Mesa than
# bookworm ships. Idempotent; does nothing when a Vulkan driver is already present.
set -euo pipefail
if ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1 && [ "${FORCE:-0}" != 1 ]; then
  echo "install-lavapipe: lavapipe already installed"; exit 0
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
