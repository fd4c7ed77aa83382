#!/bin/sh
# Reproduces the font files in this directory from Debian 12 (bookworm) packages.
# Needs: apt-get (download only, no root install), dpkg-deb, python3 with venv.
# Usage: fonts/build.sh [WORKDIR]   (default: a fresh temporary directory)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=${1:-$(mktemp -d)}
mkdir -p "$work" && work=$(cd "$work" && pwd)
mkdir -p "$work" && cd "$work"

# 1. Source packages
apt-get download fonts-noto-cjk fonts-lxgw-wenkai
mkdir -p pkg
for d in *.deb; do dpkg-deb -x "$d" pkg/; done
noto=pkg/usr/share/fonts/opentype/noto
kai=pkg/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf

# 2. fontTools
python3 -m venv .venv
.venv/bin/pip install --quiet 'fonttools==4.68.0'

# 3. Block-wide "min" subsets of Noto Sans CJK SC (TTC face 2 = SC) and the WenKai tail face
for w in Regular Bold; do
  .venv/bin/pyftsubset "$noto/NotoSansCJK-$w.ttc" --font-number=2 \
    --unicodes-file="$here/chars.txt" --layout-features='' --no-hinting \
    --output-file="subset-$w.otf"
done
.venv/bin/pyftsubset "$kai" --unicodes=U+9FC4-9FFF --layout-features='' --no-hinting --output-file=tail.ttf

# 4. Rename (OFL Reserved Font Names: subsets are Modified Versions)
.venv/bin/python "$here/rename_font.py" subset-Regular.otf "$here/DealbotSansSC-Regular.otf" "Dealbot Sans SC" DealbotSansSC-Regular
.venv/bin/python "$here/rename_font.py" subset-Bold.otf "$here/DealbotSansSC-Bold.otf" "Dealbot Sans SC" DealbotSansSC-Bold
.venv/bin/python "$here/rename_font.py" tail.ttf "$here/DealbotKaiTail-Regular.ttf" "Dealbot Kai Tail" DealbotKaiTail-Regular

# 5. Checksums (recorded in FONTS.md)
cd "$here" && sha256sum DealbotSansSC-Regular.otf DealbotSansSC-Bold.otf DealbotKaiTail-Regular.ttf
"$work/.venv/bin/pip" show fonttools | grep ^Version
