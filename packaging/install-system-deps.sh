#!/usr/bin/env bash
# System packages OCR Studio needs on Debian/Ubuntu: Qt's runtime libraries, a virtual screen for headless
# screenshots and tests, word lists (English and five other languages written in Latin letters) and a broad set
# of fonts for synthetic training data.
# Idempotent. Skips (with a note) when apt-get is unavailable or we cannot become root.
set -u
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-system-deps: apt-get not found; install Qt 6 runtime libraries and fonts with your package manager." >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-system-deps: not root and no sudo; skipping system packages." >&2; exit 0; fi
fi
packages=(
  python3-venv python3-pip
  libegl1 libgl1 libglib2.0-0 libfontconfig1 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0
  libxcb-render-util0 libxcb-image0 libxcb-xkb1
  xvfb xauth wamerican wngerman wfrench wspanish witalian wportuguese fonts-dejavu-core
)
if [ -f "$here/debian-fonts.txt" ]; then
  while read -r pkg; do
    pkg=${pkg%%#*}; pkg=$(echo "$pkg" | tr -d '[:space:]')
    [ -n "$pkg" ] && packages+=("$pkg")
  done < "$here/debian-fonts.txt"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || echo "install-system-deps: apt-get update failed; trying to install anyway" >&2
known=$(apt-cache pkgnames 2>/dev/null | sort -u)
available=()
for pkg in "${packages[@]}"; do
  if grep -qxF "$pkg" <<<"$known"; then available+=("$pkg"); else
    echo "install-system-deps: package $pkg not available here, skipped" >&2; fi
done
$SUDO apt-get install -y -qq --no-install-recommends "${available[@]}" >/dev/null
echo "install-system-deps: ${#available[@]} packages installed or already present"
