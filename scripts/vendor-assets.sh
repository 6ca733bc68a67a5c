#!/usr/bin/env bash
# Refresh static/vendor/ from the npm packages pinned in assets/package-lock.json.
# The copied files are committed, so running the app needs neither npm nor a CDN.
set -euo pipefail
cd "$(dirname "$0")/.."
(cd assets && npm ci --no-audit --no-fund)
out=static/vendor
rm -rf "$out"
mkdir -p "$out/leaflet" "$out/leaflet-draw" "$out/jquery" "$out/leaflet-markercluster"
m=assets/node_modules
cp "$m/leaflet/dist/leaflet.js" "$m/leaflet/dist/leaflet.css" "$m/leaflet/LICENSE" "$out/leaflet/"
cp -r "$m/leaflet/dist/images" "$out/leaflet/"
cp "$m/leaflet-draw/dist/leaflet.draw.js" "$m/leaflet-draw/dist/leaflet.draw.css" "$out/leaflet-draw/"
echo "Leaflet.draw 1.0.4, MIT licence (see its package.json)." > "$out/leaflet-draw/LICENSE"
cp -r "$m/leaflet-draw/dist/images" "$out/leaflet-draw/"
cp "$m/jquery/dist/jquery.min.js" "$m/jquery/LICENSE.txt" "$out/jquery/"
cp "$m/leaflet.markercluster/dist/leaflet.markercluster.js" "$m/leaflet.markercluster/dist/MarkerCluster.css" \
   "$m/leaflet.markercluster/dist/MarkerCluster.Default.css" "$m/leaflet.markercluster/MIT-LICENCE.txt" \
   "$out/leaflet-markercluster/"
# Material Design Icons (Apache-2.0) that categories.csv and bidgeo/focus.py name; the map
# builders inline them, so they live in the package.
icons=bidgeo/data/icons
rm -rf "$icons" && mkdir -p "$icons"
for name in cart basket pill gas-station ev-station cash bank email glass-wine bus hospital-box school \
    teddy-bear book-open-variant silverware-fork-knife bed shopping drama-masks toilet \
    tag-heart storefront tree wheelchair-accessibility shield-check thumb-up alert lightbulb-on map-marker; do
  cp "$m/@mdi/svg/svg/$name.svg" "$icons/"
done
cp "$m/@mdi/svg/LICENSE" "$icons/LICENSE"
# Source maps are not shipped; drop the comments that point at them.
sed -i '/sourceMappingURL=/d' "$out/leaflet/leaflet.js" "$out/jquery/jquery.min.js" \
  "$out/leaflet-markercluster/leaflet.markercluster.js"
echo "static/vendor refreshed"
