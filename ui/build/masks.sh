#!/usr/bin/env bash
# Draws the UI's icons and the NHS logo (images/src/*.svg, black on transparent) with librsvg as
# the reference images (test/masks/*.png, committed) that test/clip-paths.test.ts checks the
# page's outlines against, pixel by pixel. The page itself shows no image: build/clip-paths.mjs
# traces each drawing as a CSS polygon (README, Performance). Sizes: the icons at 128 px, the
# logo at 200 x 80 px. Run after changing a drawing; needs rsvg-convert (librsvg2-bin).
set -euo pipefail
cd "$(dirname "$0")/.."
for src in images/src/*.svg; do
  name=$(basename "$src" .svg)
  case "$name" in
    nhs-logo) size=(-w 200 -h 80) ;;
    *) size=(-w 128 -h 128) ;;
  esac
  rsvg-convert "${size[@]}" "$src" -o "test/masks/$name.png"
done
ls -l test/masks/*.png
