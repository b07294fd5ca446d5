#!/usr/bin/env bash
# Refreshes the GraphiQL page's scripts from the npm registry at the pinned
# versions below. The files are committed so the server needs no network, no
# CDN and no npm at run time; `go build` embeds them.
set -euo pipefail
cd "$(dirname "$0")"
GRAPHIQL=3.8.3 GRAPHQL_WS=5.16.2 REACT=18.3.1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for pkg in "graphiql@$GRAPHIQL" "graphql-ws@$GRAPHQL_WS" "react@$REACT" "react-dom@$REACT"; do
  (cd "$tmp" && npm pack --silent "$pkg" >/dev/null && mkdir -p "${pkg%@*}" && tar xzf "${pkg%@*}"-*.tgz -C "${pkg%@*}")
done
cp "$tmp/graphiql/package/graphiql.min.js" "$tmp/graphiql/package/graphiql.min.css" assets/
cp "$tmp/graphql-ws/package/umd/graphql-ws.min.js" assets/
cp "$tmp/react/package/umd/react.production.min.js" "$tmp/react-dom/package/umd/react-dom.production.min.js" assets/
{
  for pkg in graphiql graphql-ws react react-dom; do
    echo "=== $pkg ($(node -p "require('$tmp/$pkg/package/package.json').version"))"
    cat "$tmp/$pkg/package/LICENSE"*
    echo
  done
} > assets/LICENSES.txt
