#!/usr/bin/env bash
# Sets up a fresh Debian machine: system packages, a virtual environment, stand-in images.
set -euo pipefail
cd "$(dirname "$0")/.."

# What the renderer needs: Pango (WeasyPrint's text layout), HarfBuzz subsetting (fast font
# embedding), the house fonts of fonts/fonts.yaml (Noto CJK, DejaVu for symbols, Noto Color
# Emoji), fontconfig to find them; poppler for looking at pages and qpdf for the tests'
# structural check of each profile's PDF; scribus-data for the print profile's output intent, the
# ICC profile ISO Coated v2 300% (FOGRA39, zlib licence: embeddable; layouts/base/layout.yaml).
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-noto-cjk fonts-dejavu-core
          fonts-noto-color-emoji poppler-utils qpdf scribus-data)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Chromium, for the preview's browser test only: best effort, the test skips (saying why) without it.
if ! command -v chromium >/dev/null; then
  { [ ${#missing[@]} -gt 0 ] || $sudo apt-get update -qq; } &&
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium ||
    echo "setup: Chromium could not be installed; the browser test will be skipped" >&2
fi

# Debian's python3 needs python3-venv for `-m venv`; a python.org or pyenv build has it built in.
python3 -m venv .venv 2>/dev/null || {
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv
  python3 -m venv .venv
}
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e '.[test]'
.venv/bin/python scripts/make_standins.py
