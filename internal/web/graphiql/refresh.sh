#!/usr/bin/env bash
# Refreshes the GraphiQL assets embedded in the binary (assets/) from the npm
# registry, at the versions pinned below: the official graphiql package's
# browser build and the React it needs, with their licences. Run it with
# `go generate ./internal/web/graphiql` after changing a version; commit assets/.
set -euo pipefail
cd "$(dirname "$0")"

GRAPHIQL=3.8.3 # the last line whose package ships a browser (UMD) build
REACT=18.3.1   # react and react-dom: GraphiQL 3 wants React 18

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "graphiql@$GRAPHIQL" "react@$REACT" "react-dom@$REACT" >/dev/null)
unpack() { mkdir -p "$work/$1" && tar -xzf "$work/$1-$2.tgz" -C "$work/$1" --strip-components=1; }
unpack graphiql "$GRAPHIQL"
unpack react "$REACT"
unpack react-dom "$REACT"

rm -rf assets && mkdir assets
cp "$work/graphiql/graphiql.min.js" "$work/graphiql/graphiql.min.css" assets/
cp "$work/graphiql/LICENSE" assets/LICENSE.graphiql
cp "$work/react/umd/react.production.min.js" assets/
cp "$work/react/LICENSE" assets/LICENSE.react
cp "$work/react-dom/umd/react-dom.production.min.js" assets/
cp "$work/react-dom/LICENSE" assets/LICENSE.react-dom
# The bundles point at source maps that are not shipped: drop the comment
# so browsers do not ask for them.
sed -i -e 's|//# sourceMappingURL=[^ ]*$||' assets/*.js
sed -i -e 's|/\*# sourceMappingURL=[^*]*\*/||' assets/*.css
{
  echo "graphiql $GRAPHIQL"
  echo "react $REACT"
  echo "react-dom $REACT"
} > assets/VERSIONS
echo "GraphiQL assets refreshed: graphiql $GRAPHIQL, react $REACT" >&2
