#!/usr/bin/env bash
# build-lib.sh - the library build (`npm run build:lib`; `npm pack` runs it as prepack): compiles
# lib/, components/, config/ and planning/ with declarations into dist/ (tsconfig.lib.json), then
# copies beside the compiled code the files it reads relative to its own directory, in the same
# layout as the sources: templates/ (planning/templates.ts reads ../templates), the broker key
# lists (config/brokerKeys.ts reads ./brokerKeys) and tools/ when there is one. The copies are
# byte for byte, so what the package renders is what the stack renders.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf dist
node_modules/.bin/tsc -p tsconfig.lib.json
cp -R templates dist/templates
mkdir -p dist/config/brokerKeys
cp config/brokerKeys/*.json dist/config/brokerKeys/
if [ -d tools ]; then cp -R tools dist/tools; fi
echo "dist/: $(find dist -type f | wc -l) files" >&2
