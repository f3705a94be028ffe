#!/usr/bin/env bash
# The home-screen icons (static/img/icon-*.png) drawn from static/img/favicon.svg with
# Debian's rsvg-convert (package librsvg2-bin). The PNGs are committed; run this again
# after changing the favicon: `scripts/icons.sh`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
img="$root/static/img"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
command -v rsvg-convert >/dev/null || { echo "needs rsvg-convert (apt-get install librsvg2-bin)" >&2; exit 1; }

# The favicon's shapes, without its <svg> wrapper.
shapes="$(sed -e 's/<svg[^>]*>//' -e 's#</svg>##' "$img/favicon.svg")"
ink="#0b5394"

# "any": the pin on white, with a margin (launchers put it on their own background).
cat > "$work/any.svg" <<SVG
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#fff"/><g transform="translate(3.2 3.2) scale(0.8)">$shapes</g></svg>
SVG
# "maskable": full-bleed colour, the pin inverted inside the safe zone (the middle 80 %).
inverted="$(printf '%s' "$shapes" | sed -e "s/fill=\"$ink\"/fill=\"@W\"/g" -e 's/fill="#fff"/fill="@B"/g' -e "s/@W/#fff/g" -e "s/@B/$ink/g")"
cat > "$work/maskable.svg" <<SVG
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" fill="$ink"/><g transform="translate(6.4 6.4) scale(0.6)">$inverted</g></svg>
SVG

rsvg-convert -w 192 -h 192 "$work/any.svg" -o "$img/icon-192.png"
rsvg-convert -w 512 -h 512 "$work/any.svg" -o "$img/icon-512.png"
rsvg-convert -w 512 -h 512 "$work/maskable.svg" -o "$img/icon-maskable-512.png"
rsvg-convert -w 180 -h 180 "$work/any.svg" -o "$img/apple-touch-icon.png"
ls -l "$img"/*.png | awk '{print "  " $5 "\t" $9}'
