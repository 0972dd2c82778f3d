#!/usr/bin/env bash
# Add OCR Studio to the desktop's application menu for the current user (~/.local/share): the .desktop entry,
# the icon (48/128/256 px + SVG) and the AppStream metadata. Works from the bundle (dist/ocr-studio/linux/)
# and from a source checkout (packaging/linux/, with `ocr-studio` on PATH after `pip install`).
#   bash install-desktop-entry.sh [PATH/TO/ocr-studio]      # --uninstall removes the files again
set -eu
here=$(cd "$(dirname "$0")" && pwd)
app_id=io.ocrstudio.OcrStudio
data=${XDG_DATA_HOME:-$HOME/.local/share}
files=("$data/applications/$app_id.desktop" "$data/metainfo/$app_id.metainfo.xml"
       "$data/icons/hicolor/scalable/apps/$app_id.svg")
for size in 48 128 256; do files+=("$data/icons/hicolor/${size}x${size}/apps/$app_id.png"); done

if [ "${1:-}" = "--uninstall" ]; then
  rm -f "${files[@]}"; echo "removed OCR Studio's desktop entry from $data"; exit 0
fi
exe=${1:-}
if [ -z "$exe" ]; then
  if [ -x "$here/../ocr-studio" ]; then exe="$here/../ocr-studio"; else exe=$(command -v ocr-studio || true); fi
fi
if [ -z "$exe" ] || [ ! -x "$exe" ]; then
  echo "install-desktop-entry: cannot find the ocr-studio executable; pass its path as the first argument" >&2
  exit 1
fi
exe=$(cd "$(dirname "$exe")" && pwd)/$(basename "$exe")
if [ -d "$here/icons" ]; then icons="$here/icons"; else icons="$here/../../resources/icons"; fi

mkdir -p "$data/applications" "$data/metainfo" "$data/icons/hicolor/scalable/apps"
sed -e "s|^Exec=ocr-studio |Exec=\"$exe\" |" -e "s|^TryExec=.*|TryExec=$exe|" \
  "$here/$app_id.desktop" > "$data/applications/$app_id.desktop"
cp "$here/$app_id.metainfo.xml" "$data/metainfo/"
cp "$icons/ocr-studio.svg" "$data/icons/hicolor/scalable/apps/$app_id.svg"
for size in 48 128 256; do
  mkdir -p "$data/icons/hicolor/${size}x${size}/apps"
  cp "$icons/ocr-studio-$size.png" "$data/icons/hicolor/${size}x${size}/apps/$app_id.png"
done
command -v update-desktop-database >/dev/null && update-desktop-database -q "$data/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$data/icons/hicolor" || true
echo "installed OCR Studio's desktop entry ($exe) into $data"
