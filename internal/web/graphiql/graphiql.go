// Package graphiql serves the GraphiQL IDE at the server's root, entirely
// from the binary: the official graphiql browser build and the React it
// needs are embedded (assets/, refreshed by refresh.sh), so the page works
// on an intranet with no internet access.
package graphiql

//go:generate ./refresh.sh

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed assets
var assets embed.FS

// AssetPrefix is where Assets is mounted; the page loads its scripts and
// styles from there.
const AssetPrefix = "/graphiql/"

// Assets serves the embedded scripts, styles and licences under AssetPrefix.
func Assets() http.Handler {
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	files := http.StripPrefix(AssetPrefix, http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") { // no directory listings
			http.NotFound(w, r)
			return
		}
		// Embedded files have no modification time; they change only with
		// the binary, and the page asks for them with its version.
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})
}

// Versions returns the embedded packages and their versions, one a line.
func Versions() string {
	b, _ := assets.ReadFile("assets/VERSIONS")
	return string(b)
}

// SeedSlug is the demo article the example query opens.
const SeedSlug = "the-exchange-of-weapons-between-putin-and-kim-jong-un-alarms-the-west"

// Example is the query the page opens with: the homepage's latest articles
// and the demo's seed article. The fields under @include(if: $editor) need
// an editor's token; the page sets $editor when the token in the Headers
// pane is an editor's or admin's (a reader's token runs the reader's part).
const Example = `# Broadsheet: an article page and the homepage.
# Run it with the ▶ button (or Ctrl-Enter).
#
# Editors: put your token in Headers (below),
#   {"Authorization": "Bearer bst_…"}
# and run it again: with an editor's token it then
# also shows drafts, versions and revisions. The
# token is kept in this browser; $editor is set
# for you.
query Homepage($editor: Boolean = false) {
  article(slug: "` + SeedSlug + `") {
    title
    subtitle
    readingTimeMinutes
    authors { name jobTitle }
    category { name slug }
    tags { name }
    status @include(if: $editor)
    version @include(if: $editor)
    revisions(first: 3) @include(if: $editor) {
      version actor action createdAt
    }
  }
  latest: articles(first: 5) {
    edges { node { title slug publishedAt } }
    totalCount
  }
  drafts: articles(first: 5, filter: { status: [DRAFT] })
    @include(if: $editor) {
    edges { node { title status updatedAt } }
  }
}
`

var page = template.Must(template.New("graphiql").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<link rel="stylesheet" href="{{.Assets}}graphiql.min.css?v={{.Version}}">
<style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="{{.Assets}}react.production.min.js?v={{.Version}}"></script>
<script src="{{.Assets}}react-dom.production.min.js?v={{.Version}}"></script>
<script src="{{.Assets}}graphiql.min.js?v={{.Version}}"></script>
<script>
(function () {
  var endpoint = new URL({{.Endpoint}}, location.href);
  var ws = new URL(endpoint);
  ws.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  var base = GraphiQL.createFetcher({ url: endpoint.href, subscriptionUrl: ws.href });
  // probe asks plainly (no multipart answer), for the role check below.
  var probe = GraphiQL.createFetcher({ url: endpoint.href, enableIncrementalDelivery: false });
  function authorization(headers) {
    var v = "";
    Object.keys(headers || {}).forEach(function (k) {
      if (k.toLowerCase() === "authorization") v = String(headers[k]).trim();
    });
    return v;
  }
  // Whether the token in the Headers pane is an editor's: asking for
  // drafts succeeds for an editor, is FORBIDDEN for a reader's token; a
  // contributor also sees drafts, but its account (me) says CONTRIBUTOR
  // (tokens without an account are never a contributor's). A definite
  // answer is kept per token; anything else counts as no.
  var editors = {};
  function isEditor(auth, opts) {
    if (!auth) return Promise.resolve(false);
    if (auth in editors) return Promise.resolve(editors[auth]);
    return Promise.resolve(probe({ query: "{ articles(first: 1, filter: {status: [DRAFT]}) { nodes { id } } me { role } }" }, opts))
      .then(function (res) {
        var errors = (res && res.errors) || [];
        var forbidden = errors.some(function (e) { return e.extensions && e.extensions.code === "FORBIDDEN"; });
        var me = res && res.data && res.data.me;
        var editor = errors.length === 0 && !!(res && res.data) && (!me || me.role === "EDITOR" || me.role === "ADMIN");
        if (editor || forbidden || (res && res.data && errors.length === 0)) editors[auth] = editor;
        return editor;
      }, function () { return false; });
  }
  // An operation that declares $editor and leaves it unset gets it from
  // the token in the Headers pane: true for an editor's or admin's token.
  function fetcher(params, opts) {
    if (params && typeof params.query === "string" && /\$editor\b/.test(params.query)) {
      var vars = Object.assign({}, params.variables || {});
      if (!("editor" in vars)) {
        return isEditor(authorization(opts && opts.headers), opts).then(function (editor) {
          vars.editor = editor;
          return base(Object.assign({}, params, { variables: vars }), opts);
        });
      }
    }
    return base(params, opts);
  }
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: {{.Example}},
      defaultEditorToolsVisibility: true,
      shouldPersistHeaders: true,
    })
  );
})();
</script>
</body>
</html>
`))

// Page serves the GraphiQL page for the GraphQL endpoint (a path or URL).
func Page(title, endpoint string) http.Handler {
	version := strings.NewReplacer("\n", ",", " ", "-").Replace(strings.TrimSpace(Versions()))
	var b strings.Builder
	if err := page.Execute(&b, map[string]string{"Title": title, "Assets": AssetPrefix, "Version": version, "Endpoint": endpoint, "Example": Example}); err != nil {
		panic(err) // a fixed template and strings
	}
	body := []byte(b.String())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(body)
	})
}
