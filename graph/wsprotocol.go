package graph

import (
	"encoding/json"
	"fmt"
	"sync"
)

// Close codes of graphql-transport-ws (the graphql-ws library's protocol).
const (
	closeBadMessage       = 4400
	closeUnauthorized     = 4401
	closeForbidden        = 4403
	closeInitTimeout      = 4408
	closeDuplicateID      = 4409
	closeTooManyInitCalls = 4429
)

// protocolError is a violation of graphql-transport-ws, closed with its code.
type protocolError struct {
	code   int
	reason string
}

func (e *protocolError) Error() string {
	return fmt.Sprintf("graphql-transport-ws %d: %s", e.code, e.reason)
}

// envelope is what every protocol message carries.
type envelope struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// transportWS tracks one graphql-transport-ws connection so that protocol
// errors close it with the codes the protocol defines. gqlgen closes with
// 1002 in several of these cases and lets a duplicate id run twice; every
// message passes through the connection adapter, so it is checked here.
type transportWS struct {
	strict bool // graphql-transport-ws; the legacy protocol only has its init timed
	maxOps int  // operations one connection may run at once
	mu     sync.Mutex
	inited bool
	acked  bool
	active map[string]bool // operations running, by id
}

// received checks a message from the client.
func (p *transportWS) received(raw []byte) *protocolError {
	var m envelope
	if err := json.Unmarshal(raw, &m); err != nil || m.Type == "" {
		if !p.strict {
			return nil // gqlgen answers the legacy protocol's errors itself
		}
		return &protocolError{closeBadMessage, "Invalid message received"}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.strict {
		p.inited = p.inited || m.Type == "connection_init"
		return nil
	}
	switch m.Type {
	case "connection_init":
		if p.inited {
			return &protocolError{closeTooManyInitCalls, "Too many initialisation requests"}
		}
		p.inited = true
	case "subscribe":
		switch {
		case !p.acked:
			return &protocolError{closeUnauthorized, "Unauthorized"}
		case m.ID == "":
			return &protocolError{closeBadMessage, "Invalid message received"}
		case p.active[m.ID]:
			return &protocolError{closeDuplicateID, fmt.Sprintf("Subscriber for %s already exists", m.ID)}
		case len(p.active) >= p.maxOps:
			return &protocolError{closeBadMessage, fmt.Sprintf("Too many operations on one connection (limit %d)", p.maxOps)}
		}
		p.active[m.ID] = true
	case "complete":
		delete(p.active, m.ID)
	}
	return nil
}

// sent notes a message to the client: the ack, and operations that ended.
func (p *transportWS) sent(raw []byte) {
	var m envelope
	if json.Unmarshal(raw, &m) != nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch m.Type {
	case "connection_ack":
		p.acked = true
	case "complete", "error":
		delete(p.active, m.ID)
	}
}

// initialised reports whether connection_init has arrived.
func (p *transportWS) initialised() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.inited
}
