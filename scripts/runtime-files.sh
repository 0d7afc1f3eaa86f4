#!/bin/sh
# Copies what plain `node` needs to run the built services into DEST, keeping the workspace
# layout: the package.json files (exports, "type": "module"), every package's dist/, the
# console's public/ assets and node_modules (run `npm prune --omit=dev` first: production
# dependencies only). The Dockerfile's runtime stage is exactly this tree; running the script by
# hand reproduces it without Docker. Usage: scripts/runtime-files.sh DEST (from the repo root).
set -eu
dest=${1:?usage: scripts/runtime-files.sh DEST}
mkdir -p "$dest"
for path in package.json node_modules e2e/package.json bench/package.json \
  libs/*/package.json libs/*/dist libs/*/node_modules \
  infra/*/package.json infra/*/dist infra/*/node_modules \
  services/*/package.json services/*/dist services/*/public services/*/node_modules; do
  # An unmatched pattern stays literal and does not exist: nothing to copy.
  if [ -e "$path" ]; then cp -a --parents "$path" "$dest/"; fi
done
# Build bookkeeping (tsc -b's .tsbuildinfo) is not needed to run.
find "$dest" -name '.tsbuildinfo' -not -path '*/node_modules/*' -delete
