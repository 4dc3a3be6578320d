package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"

	"github.com/gorilla/websocket"
)

// wsMember is one participant of the WebSocket chat; mu serialises the
// writes to it (gorilla/websocket allows one writer at a time).
type wsMember struct {
	mu sync.Mutex
	c  *websocket.Conn
}

// serveWSChat serves the WebSocket chat on 127.0.0.1:port at any path,
// with net/http and gorilla/websocket: the goroutine that reads a message
// writes it to every other participant in turn, as the line chat does.
func serveWSChat(port int) {
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("listening on", ln.Addr())
	var (
		mu      sync.Mutex
		members []*wsMember
	)
	up := websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 4096}
	srv := &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(rw, r, nil)
		if err != nil {
			return
		}
		me := &wsMember{c: c}
		mu.Lock()
		members = append(members, me)
		mu.Unlock()
		defer func() {
			mu.Lock()
			members = slices.DeleteFunc(members, func(m *wsMember) bool { return m == me })
			mu.Unlock()
			c.Close()
		}()
		for {
			typ, p, err := c.ReadMessage()
			if err != nil {
				return
			}
			mu.Lock()
			room := slices.Clone(members)
			mu.Unlock()
			for _, m := range room {
				if m != me {
					m.mu.Lock()
					m.c.WriteMessage(typ, p) // a failed member's own reader sees the error and leaves
					m.mu.Unlock()
				}
			}
		}
	})}
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
