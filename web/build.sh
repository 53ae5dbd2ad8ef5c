#!/usr/bin/env bash
# Rebuilds the web interface's shipped assets in ledger/web/static/ from the pinned npm packages.
#
# Run it after changing web/src/*.scss or a version in web/package.json, then commit ledger/web/static/.
# pip installs never run this: the compiled files ship inside the Python package (no Node.js needed).
set -euo pipefail
cd "$(dirname "$0")"
STATIC=../ledger/web/static

npm ci --no-audit --no-fund --silent
mkdir -p "$STATIC/css" "$STATIC/js" "$STATIC/licences"

# Compressed CSS with no source map, so the file is small and byte-for-byte reproducible.
npx sass --pkg-importer=node --style=compressed --no-source-map --quiet-deps \
    src/ledger.scss "$STATIC/css/ledger.css"

# Without the source map comment: the map is not shipped, so a browser would ask for it and get a 404.
sed 's|//# sourceMappingURL=.*$||' node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js > "$STATIC/js/govuk-frontend.min.js"
cp node_modules/htmx.org/dist/htmx.min.js "$STATIC/js/htmx.min.js"
cp src/init.js "$STATIC/js/init.js"

# govuk-frontend's npm package has no licence file; licences/ keeps a copy of its repository's LICENSE.txt.
cp licences/govuk-frontend-LICENSE.txt "$STATIC/licences/govuk-frontend-LICENSE.txt"
cp node_modules/htmx.org/LICENSE "$STATIC/licences/htmx-LICENSE.txt"

# The versions shipped, for the accessibility statement and bug reports.
node -e '
const v = (p) => require(`./node_modules/${p}/package.json`).version;
console.log(JSON.stringify({"govuk-frontend": v("govuk-frontend"), "htmx.org": v("htmx.org")}, null, 2));
' > "$STATIC/versions.json"

# axe-core for the browser tests only (never shipped in the Python package).
AXE=../tests/web/browser/vendor
mkdir -p "$AXE"
cp node_modules/axe-core/axe.min.js "$AXE/axe.min.js"
cp node_modules/axe-core/LICENSE "$AXE/axe-core-LICENSE.txt"
cp node_modules/axe-core/LICENSE-3RD-PARTY.txt "$AXE/axe-core-LICENSE-3RD-PARTY.txt"
node -e 'console.log(require("./node_modules/axe-core/package.json").version)' > "$AXE/axe-core-VERSION.txt"

echo "built: $(cd "$STATIC" && find . -type f | sort | tr '\n' ' ')"
