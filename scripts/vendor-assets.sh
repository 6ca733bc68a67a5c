#!/usr/bin/env bash
# Refresh static/vendor/ from the npm packages pinned in assets/package-lock.json.
# The copied files are committed, so running the app needs neither npm nor a CDN.
set -euo pipefail
cd "$(dirname "$0")/.."
(cd assets && npm ci --no-audit --no-fund)
out=static/vendor
rm -rf "$out"
mkdir -p "$out/leaflet" "$out/leaflet-draw" "$out/jquery"
m=assets/node_modules
cp "$m/leaflet/dist/leaflet.js" "$m/leaflet/dist/leaflet.css" "$m/leaflet/LICENSE" "$out/leaflet/"
cp -r "$m/leaflet/dist/images" "$out/leaflet/"
cp "$m/leaflet-draw/dist/leaflet.draw.js" "$m/leaflet-draw/dist/leaflet.draw.css" "$out/leaflet-draw/"
echo "Leaflet.draw 1.0.4, MIT licence (see its package.json)." > "$out/leaflet-draw/LICENSE"
cp -r "$m/leaflet-draw/dist/images" "$out/leaflet-draw/"
cp "$m/jquery/dist/jquery.min.js" "$m/jquery/LICENSE.txt" "$out/jquery/"
# Source maps are not shipped; drop the comments that point at them.
sed -i '/sourceMappingURL=/d' "$out/leaflet/leaflet.js" "$out/jquery/jquery.min.js"
echo "static/vendor refreshed"
