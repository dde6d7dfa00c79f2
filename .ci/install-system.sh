#!/usr/bin/env bash
# Installs what a fresh Debian bookworm machine lacks for Fanout's tests (idempotent):
#   Mesa 25 lavapipe (Vulkan on the CPU) from bookworm-backports for WebGPU via Dawn,
#   Debian's Chromium for the Playwright e2e suite.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
src=/etc/apt/sources.list.d/bookworm-backports.sources
if [ ! -f "$src" ]; then
  # Same mirror as the machine's own Debian sources.
  mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$mirror" ] || mirror=http://deb.debian.org/debian
  printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$mirror" | $SUDO tee "$src" >/dev/null
fi
need=0
mesa=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
case "$mesa" in 25.*|26.*) ;; *) need=1 ;; esac
for p in libvulkan1 chromium; do dpkg -s "$p" >/dev/null 2>&1 || need=1; done
if [ "$need" = 1 ]; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
  $SUDO apt-get install -y -qq chromium >/dev/null
fi
echo "system: mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers), chromium $(dpkg-query -W -f='${Version}' chromium)"
