package graph

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/graph/socket"
	"github.com/convene/convene/viewer"
)

// Authenticator turns a bearer token into a viewer.
type Authenticator func(ctx context.Context, token string) (viewer.Viewer, error)

// HandlerOptions configure the /query endpoint.
type HandlerOptions struct {
	Log              *slog.Logger
	Authenticate     Authenticator
	Introspection    bool                     // GraphiQL needs it; on by default
	Suggestions      bool                     // "did you mean" hints; development only
	ComplexityLimit  int                      // counts every field, aliases included
	Shape            ShapeLimit               // depth and alias limits
	ParserTokenLimit int                      // CVE-2023-49559: bounds parse work
	CheckOrigin      func(*http.Request) bool // WebSocket origin check
	InitTimeout      time.Duration            // time to send connection_init
	MaxSocketOps     int                      // operations one WebSocket may run at once
	MaxUserSockets   int                      // WebSockets one user or token may keep open
	MaxMessageBytes  int64                    // largest WebSocket message from a client
	PingInterval     time.Duration            // keep-alive; finds half-open sockets
	CountError       func(code string)        // metrics
	SocketOpened     func()                   // metrics
	SocketClosed     func()                   // metrics
}

// queryCacheSize holds the parsed form of this many distinct queries;
// clients send few distinct documents, so hits are the rule.
const queryCacheSize = 1000

// Handler is the GraphQL endpoint.
type Handler struct {
	http.Handler
	sockets *socket.Transport
}

// CloseSockets closes every WebSocket, for a server that shuts down.
func (h *Handler) CloseSockets() { h.sockets.Close() }

// NewHandler returns the GraphQL endpoint: POST and GET (queries only) over
// HTTP, and WebSocket with both graphql-transport-ws and the legacy graphql-ws.
func NewHandler(schema graphql.ExecutableSchema, o HandlerOptions) *Handler {
	srv := handler.New(schema)
	sockets := &connLimit{max: o.MaxUserSockets, open: map[string]int{}}
	ws := socket.New(socket.Options{
		CheckOrigin:  o.CheckOrigin,
		Init:         websocketInit(o.Authenticate, sockets),
		InitTimeout:  o.InitTimeout,
		PingInterval: o.PingInterval,
		MaxOps:       o.MaxSocketOps,
		ReadLimit:    o.MaxMessageBytes,
		Opened:       o.SocketOpened,
		Closed:       o.SocketClosed,
	})
	srv.AddTransport(ws)
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](queryCacheSize))
	srv.SetParserTokenLimit(o.ParserTokenLimit)
	srv.SetDisableSuggestion(!o.Suggestions)
	if o.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](queryCacheSize)})
	srv.Use(extension.FixedComplexityLimit(o.ComplexityLimit))
	srv.Use(o.Shape)
	present := presentError(o.Log, o.CountError)
	srv.AroundOperations(requireSignIn(present))
	srv.SetErrorPresenter(present)
	srv.SetRecoverFunc(recoverPanic(o.Log))
	return &Handler{sockets: ws, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if token, ok := bearer(r.Header.Get("Authorization")); ok {
			ctx = authenticate(ctx, token, o.Authenticate)
		}
		srv.ServeHTTP(w, r.WithContext(ctx))
	})}
}

func bearer(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return strings.TrimSpace(token), true
}

type authErrorKey struct{}

// authenticate adds the viewer to ctx, or remembers why the token failed so
// an operation that needs a viewer can say so. A stale token must not stop
// login itself.
func authenticate(ctx context.Context, token string, auth Authenticator) context.Context {
	v, err := auth(ctx, token)
	if err != nil {
		return context.WithValue(ctx, authErrorKey{}, err)
	}
	return viewer.NewContext(ctx, v)
}

// websocketInit authenticates a socket from its connection_init payload:
// no token closes it with 4401, a bad token with 4403, and so does one
// socket more than a user may keep open.
func websocketInit(auth Authenticator, sockets *connLimit) socket.InitFunc {
	return func(ctx context.Context, payload map[string]any) (context.Context, func(), error) {
		token, ok := bearer(stringIn(payload, "Authorization"))
		if !ok {
			token = stringIn(payload, "token")
		}
		if token == "" {
			return nil, nil, &socket.CloseError{Code: socket.CloseUnauthorized,
				Reason: "Unauthorized: send the access token in connection_init as Authorization: Bearer <token>"}
		}
		v, err := auth(ctx, token)
		if err != nil {
			return nil, nil, &socket.CloseError{Code: socket.CloseForbidden, Reason: "Forbidden: " + err.Error()}
		}
		release, held := sockets.acquire(v)
		if !held {
			return nil, nil, &socket.CloseError{Code: socket.CloseForbidden,
				Reason: fmt.Sprintf("Too many connections for this user (limit %d)", sockets.max)}
		}
		return viewer.NewContext(ctx, v), release, nil
	}
}

// stringIn is payload[key] when it is a string, matching the key's case
// loosely: clients send "Authorization" and "authorization" alike.
func stringIn(payload map[string]any, key string) string {
	for k, v := range payload {
		if s, ok := v.(string); ok && strings.EqualFold(k, key) {
			return s
		}
	}
	return ""
}

// publicFields may be used without signing in.
var publicFields = map[string]bool{"login": true, "refresh": true, "logout": true, "__typename": true, "__schema": true, "__type": true}

// requireSignIn refuses an operation that needs a viewer when there is none,
// and any mutation by a read-only integrator token, before anything runs.
func requireSignIn(present graphql.ErrorPresenterFunc) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		oc := graphql.GetOperationContext(ctx)
		if allPublic(oc.Operation.SelectionSet) {
			return next(ctx)
		}
		var refusal error
		switch v, ok := viewer.FromContext(ctx); {
		case !ok:
			refusal, _ = ctx.Value(authErrorKey{}).(error)
			if _, known := apperr.As(refusal); !known {
				refusal = apperr.New(apperr.Unauthenticated, "sign in first: send Authorization: Bearer <accessToken> from login")
			}
		case oc.Operation.Operation == ast.Mutation && !v.CanWrite():
			refusal = apperr.New(apperr.Forbidden, "integrator tokens can read and subscribe, not change data")
		default:
			return next(ctx)
		}
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{present(ctx, refusal)}})
	}
}

func allPublic(set ast.SelectionSet) bool {
	for _, sel := range set {
		f, ok := sel.(*ast.Field)
		if !ok || !publicFields[f.Name] {
			return false
		}
	}
	return true
}
