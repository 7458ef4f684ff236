#!/bin/sh
# Refresh static/vendor/ from the npm registry: the site's JavaScript and the world map ship with
# it, no CDN. Also tests/vendor/: axe-core, which the browser tests inject into the pages they check
# (a test tool, so not served with the site). Needs npm (only for maintainers; users and CI get the
# committed files).
# Usage: sh scripts/vendor_js.sh   (the versions are pinned below; change one, rerun, commit)
# Then update static/vendor/manifest.json and tests/vendor/manifest.json with the sha256 and
# tarball integrity it prints.
set -eu
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# package@version  file-in-package  license-file-in-package  name-in-folder  [folder, static/vendor]
vendor() {
  dir=${5:-static/vendor}
  (cd "$work" && rm -rf package && npm pack --silent "$1" >/dev/null && tar xzf ./*.tgz && rm ./*.tgz)
  cp "$work/package/$2" "$dir/$4"
  cp "$work/package/$3" "$dir/${1%@*}.$(basename "$3")"
  echo "$dir/$4: $1 sha256 $(sha256sum "$dir/$4" | cut -d' ' -f1) integrity $(npm view "$1" dist.integrity)"
}

vendor chart.js@4.6.1 dist/chart.umd.min.js LICENSE.md chart.umd.min.js
# The Telegram map: world-atlas (Natural Earth 1:50m, keyed by ISO 3166 numeric codes),
# topojson-client to unpack it and d3-geo (which needs d3-array) to project it.
vendor world-atlas@2.0.2 countries-50m.json LICENSE countries-50m.json
vendor topojson-client@3.1.0 dist/topojson-client.min.js LICENSE topojson-client.min.js
vendor d3-array@3.2.4 dist/d3-array.min.js LICENSE d3-array.min.js
vendor d3-geo@3.1.1 dist/d3-geo.min.js LICENSE d3-geo.min.js
# The accessibility checks of tests/test_browser_a11y.py (MPL-2.0, used unmodified).
vendor axe-core@4.14.1 axe.min.js LICENSE axe.min.js tests/vendor
# axe.min.js bundles other projects' code; their licences are in this file of the package.
cp "$work/package/LICENSE-3RD-PARTY.txt" tests/vendor/axe-core.LICENSE-3RD-PARTY.txt
