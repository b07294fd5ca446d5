// Package graphiql serves the GraphiQL page and its scripts from the binary,
// so it works without internet access (the scripts come from the npm
// packages named in update-assets.sh; their licences are in assets/).
package graphiql

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed assets
var assets embed.FS

// Handler serves the page at / and its files under /graphiql/.
func Handler() http.Handler {
	files, _ := fs.Sub(assets, "assets") // the folder is embedded above, so it exists
	static := http.StripPrefix("/graphiql/", http.FileServer(http.FS(files)))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'; "+
			"style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self' ws: wss:")
		http.ServeFileFS(w, r, files, "index.html")
	})
	mux.HandleFunc("GET /graphiql/", func(w http.ResponseWriter, r *http.Request) {
		// The page names each file with its package version, so it can be kept.
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		static.ServeHTTP(w, r)
	})
	return mux
}
