#!/usr/bin/env bash
# Draws the UI's icons and the NHS logo (images/src/*.svg, black on transparent) as the PNG masks
# the page shows (images/*.png, committed): each is painted in the text colour through
# `mask-image` (styles/app.css, [data-icon] and .vm-logo__mark), so the desk's screens draw no SVG —
# WebKit's SVG engine cost the web process 1.7 MB for two small drawings (README, Performance).
# Sizes: twice the largest size shown (64 px icons in the banner, the 100 x 40 px logo), so they
# stay sharp on a screen scaled 2x. Run after changing a source; needs rsvg-convert (librsvg2-bin).
set -euo pipefail
cd "$(dirname "$0")/../images"
for src in src/*.svg; do
  name=$(basename "$src" .svg)
  case "$name" in
    nhs-logo) size=(-w 200 -h 80) ;;
    *) size=(-w 128 -h 128) ;;
  esac
  rsvg-convert "${size[@]}" "$src" -o "$name.png"
done
ls -l ./*.png
