#!/bin/sh
# Refresh static/vendor/ from the npm registry: the site's JavaScript ships with it, no CDN.
# Needs npm (only for maintainers; users get the committed files). Usage: sh scripts/vendor_js.sh 4.6.1
set -eu
version="${1:?usage: vendor_js.sh VERSION}"
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "chart.js@$version" >/dev/null && tar xzf chart.js-*.tgz)
cp "$work/package/dist/chart.umd.min.js" static/vendor/
cp "$work/package/LICENSE.md" static/vendor/chart.js.LICENSE.md
echo "Now update static/vendor/manifest.json: version $version, sha256 $(sha256sum static/vendor/chart.umd.min.js | cut -d' ' -f1)"
echo "and tarball_integrity $(npm view "chart.js@$version" dist.integrity)"
