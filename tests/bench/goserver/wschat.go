// This file defines the WebSocket chat handler (net/http and
// gorilla/websocket): every message a client sends goes to every other
// client, never back to the sender.

package goserver

import (
	"net/http"
	"slices"
	"sync"

	"github.com/gorilla/websocket"
)

// WSChat returns an http.Handler that upgrades every request to a
// WebSocket in one shared room. The goroutine that reads a message writes
// it to each other participant in turn, as Chat does with lines; a
// participant's mutex serialises the writes to it (gorilla/websocket
// allows one writer at a time).
func WSChat() http.Handler {
	room := &wsRoom{up: websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 4096}}
	return room
}

type wsRoom struct {
	up      websocket.Upgrader
	mu      sync.Mutex
	members []*wsMember
}

type wsMember struct {
	mu sync.Mutex
	c  *websocket.Conn
}

// ServeHTTP registers the upgraded connection, relays its messages until
// it ends, then unregisters it.
func (room *wsRoom) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	c, err := room.up.Upgrade(rw, r, nil)
	if err != nil {
		return
	}
	me := &wsMember{c: c}
	room.mu.Lock()
	room.members = append(room.members, me)
	room.mu.Unlock()
	defer func() {
		room.mu.Lock()
		room.members = slices.DeleteFunc(room.members, func(m *wsMember) bool { return m == me })
		room.mu.Unlock()
		c.Close()
	}()
	for {
		typ, p, err := c.ReadMessage()
		if err != nil {
			return
		}
		room.mu.Lock()
		others := slices.Clone(room.members)
		room.mu.Unlock()
		for _, m := range others {
			if m != me {
				m.mu.Lock()
				m.c.WriteMessage(typ, p) // a failed member's own reader sees the error and leaves
				m.mu.Unlock()
			}
		}
	}
}
