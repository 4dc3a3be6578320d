// Package goserver holds the Go peer servers of the comparison harness:
// a line echo server and a line chat server, each with one goroutine per
// connection, the way an idiomatic Go program serves sockets. They are the
// ceiling a Go host can reach with the standard library, and the load
// generator's unit test runs them in-process.
package goserver

// This file defines Server, the shared accept loop and connection registry.

import (
	"bufio"
	"errors"
	"net"
	"sync"
)

// Handler serves one connection; it returns when the connection ends.
type Handler func(s *Server, c net.Conn)

// Server accepts connections on a listener and runs a Handler for each in
// its own goroutine. It remembers the open connections so that Close can
// end them.
type Server struct {
	ln      net.Listener
	handler Handler

	mu    sync.Mutex
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

// New returns a Server that will serve ln with h once Serve is called.
func New(ln net.Listener, h Handler) *Server {
	return &Server{ln: ln, handler: h, conns: make(map[net.Conn]bool)}
}

// Addr returns the listening address. It is safe to call from any goroutine.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Serve accepts connections until the listener is closed; it returns nil
// after Close and the accept error otherwise. Call it once, from any
// goroutine.
func (s *Server) Serve() error {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		if !s.add(c) {
			c.Close()
			return nil
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.remove(c)
			s.handler(s, c)
		}()
	}
}

// Close closes the listener and every open connection, then waits for the
// handlers to return. It is safe to call from any goroutine, once.
func (s *Server) Close() error {
	err := s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.conns = nil
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

// add registers c; it reports false once the server is closed.
func (s *Server) add(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns == nil {
		return false
	}
	s.conns[c] = true
	return true
}

// remove forgets and closes c.
func (s *Server) remove(c net.Conn) {
	s.mu.Lock()
	if s.conns != nil {
		delete(s.conns, c)
	}
	s.mu.Unlock()
	c.Close()
}

// Echo writes every line it reads back to the same connection, line by line.
func Echo(_ *Server, c net.Conn) {
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return
		}
		if _, err := c.Write(line); err != nil {
			return
		}
	}
}
