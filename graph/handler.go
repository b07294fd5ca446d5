package graph

import (
	"context"
	"errors"
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
	PingInterval     time.Duration            // keep-alive; finds half-open sockets
	CountError       func(code string)        // metrics
	SocketOpened     func()                   // metrics
	SocketClosed     func()                   // metrics
}

// queryCacheSize holds the parsed form of this many distinct queries;
// clients send few distinct documents, so hits are the rule.
const queryCacheSize = 1000

// NewHandler returns the GraphQL endpoint: POST and GET (queries only) over
// HTTP, and WebSocket with both graphql-transport-ws and the legacy graphql-ws.
func NewHandler(schema graphql.ExecutableSchema, o HandlerOptions) http.Handler {
	srv := handler.New(schema)
	sockets := &connLimit{max: o.MaxUserSockets, open: map[string]int{}}
	srv.AddTransport(transport.Websocket{
		// The adapter times connection_init and closes with 4408; gqlgen's own
		// timeout would close with 1002.
		Implementation: gorillaWebsocket{checkOrigin: o.CheckOrigin, initTimeout: o.InitTimeout,
			maxOps: o.MaxSocketOps, onOpen: o.SocketOpened, onClose: o.SocketClosed},
		InitFunc:              websocketInit(o.Authenticate, sockets),
		CloseFunc:             sockets.release,
		KeepAlivePingInterval: o.PingInterval,
		PingPongInterval:      o.PingInterval,
	})
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
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if r.Header.Get("Upgrade") != "" {
			ctx = withSocketRef(ctx)
		}
		if token, ok := bearer(r.Header.Get("Authorization")); ok {
			ctx = authenticate(ctx, token, o.Authenticate)
		}
		srv.ServeHTTP(w, r.WithContext(ctx))
	})
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
func websocketInit(auth Authenticator, sockets *connLimit) transport.WebsocketInitFunc {
	return func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		token, ok := bearer(payload.Authorization())
		if !ok {
			token = payload.GetString("token")
		}
		if token == "" {
			ctx = transport.WithWebsocketCloseCode(ctx, closeUnauthorized)
			return transport.AppendCloseReason(ctx, "Unauthorized"), nil, errors.New("send the access token in connection_init as Authorization: Bearer <token>")
		}
		v, err := auth(ctx, token)
		if err != nil {
			ctx = transport.WithWebsocketCloseCode(ctx, closeForbidden)
			return transport.AppendCloseReason(ctx, "Forbidden"), nil, err
		}
		ctx, held := sockets.acquire(ctx, v)
		if !held {
			ctx = transport.WithWebsocketCloseCode(ctx, closeForbidden)
			reason := fmt.Sprintf("Too many connections for this user (limit %d)", sockets.max)
			return transport.AppendCloseReason(ctx, reason), nil, errors.New(reason)
		}
		return viewer.NewContext(ctx, v), nil, nil
	}
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
