package socket

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
)

// Close codes of graphql-transport-ws (the graphql-ws library's protocol).
const (
	CloseBadMessage       = 4400
	CloseUnauthorized     = 4401
	CloseForbidden        = 4403
	CloseInitTimeout      = 4408
	CloseDuplicateID      = 4409
	CloseTooManyInitCalls = 4429
	// CloseTryAgainLater (RFC 6455 1013) tells a client that fell behind, or
	// whose notices were lost, to reconnect and catch up from stored state.
	CloseTryAgainLater = 1013
)

// CloseError ends a socket with a close code and a reason.
type CloseError struct {
	Code   int
	Reason string
}

func (e *CloseError) Error() string { return fmt.Sprintf("websocket close %d: %s", e.Code, e.Reason) }

// The two subprotocols. A client that names neither speaks the legacy one.
const (
	transportWS = "graphql-transport-ws" // the graphql-ws library
	legacyWS    = "graphql-ws"           // subscriptions-transport-ws
)

// message is what both protocols send each way.
type message struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// dialect names one protocol's message types.
type dialect struct {
	subscribe, complete, next string // client starts, client stops, server's result
	legacy                    bool
}

var (
	transportWSDialect = dialect{subscribe: "subscribe", complete: "complete", next: "next"}
	legacyDialect      = dialect{subscribe: "start", complete: "stop", next: "data", legacy: true}
)

// rules holds a connection to its protocol: what may come when, and how many
// operations run. Every message from the client passes received before it
// is acted on, so a violation closes the socket with the protocol's code.
type rules struct {
	dialect
	maxOps int
	mu     sync.Mutex
	inited bool
	acked  bool
	active []string // ids of the operations running: few, and a slice is smaller than a map
}

func newRules(d dialect, maxOps int) *rules {
	return &rules{dialect: d, maxOps: maxOps}
}

// received checks a message from the client.
func (r *rules) received(m message) *CloseError {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch m.Type {
	case "":
		return &CloseError{CloseBadMessage, "Invalid message received"}
	case "connection_init":
		if r.inited {
			return &CloseError{CloseTooManyInitCalls, "Too many initialisation requests"}
		}
		r.inited = true
	case r.subscribe:
		switch {
		case !r.acked:
			return &CloseError{CloseUnauthorized, "Unauthorized"}
		case m.ID == "":
			return &CloseError{CloseBadMessage, "Invalid message received"}
		case slices.Contains(r.active, m.ID):
			return &CloseError{CloseDuplicateID, fmt.Sprintf("Subscriber for %s already exists", m.ID)}
		case len(r.active) >= r.maxOps:
			return &CloseError{CloseBadMessage, fmt.Sprintf("Too many operations on one connection (limit %d)", r.maxOps)}
		}
		r.active = append(r.active, m.ID)
	case r.complete:
		r.active = slices.DeleteFunc(r.active, func(id string) bool { return id == m.ID })
	case "ping", "pong", "connection_terminate":
	default:
		return &CloseError{CloseBadMessage, fmt.Sprintf("Unknown message type %q", m.Type)}
	}
	return nil
}

// ack notes that the connection was accepted.
func (r *rules) ack() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.acked = true
}

// ended frees an operation's id once the server completed it.
func (r *rules) ended(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.active = slices.DeleteFunc(r.active, func(active string) bool { return active == id })
}

// initialised reports whether connection_init has arrived.
func (r *rules) initialised() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.inited
}
