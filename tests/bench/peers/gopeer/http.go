package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
)

// serveHTTP serves the endpoints of the HTTP benchmark on 127.0.0.1:port
// with net/http (a goroutine per connection), as the other HTTP peers do
// (tests/bench/peers/http_common.py):
//
//	POST /echo     the request body back
//	GET  /wait     held until a /release, then "released\r\n"
//	GET  /count    how many /wait requests are held now
//	GET  /release  answers every held /wait; the body says how many
//	anything else  "Hello, World!\r\n" (text/plain)
func serveHTTP(port int) {
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("listening on", ln.Addr())
	var w waiters
	w.reset()
	srv := &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/echo":
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(rw, err.Error(), http.StatusBadRequest)
				return
			}
			reply(rw, body, "application/octet-stream")
		case "/wait":
			select {
			case <-w.wait():
				reply(rw, released, "text/plain")
			case <-r.Context().Done():
			}
		case "/count":
			reply(rw, []byte(strconv.Itoa(w.count())), "text/plain")
		case "/release":
			reply(rw, []byte(strconv.Itoa(w.release())), "text/plain")
		default:
			reply(rw, hello, "text/plain")
		}
	})}
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

var (
	hello    = []byte("Hello, World!\r\n")
	released = []byte("released\r\n")
)

func reply(rw http.ResponseWriter, body []byte, contentType string) {
	h := rw.Header()
	h["Content-Type"] = []string{contentType}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	rw.Write(body)
}

// waiters are the held /wait requests: each generation waits for one
// channel to close.
type waiters struct {
	mu   sync.Mutex
	ch   chan struct{}
	held int
}

func (w *waiters) reset() { w.ch, w.held = make(chan struct{}), 0 }

func (w *waiters) wait() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.held++
	return w.ch
}

func (w *waiters) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.held
}

func (w *waiters) release() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := w.held
	close(w.ch)
	w.reset()
	return n
}
