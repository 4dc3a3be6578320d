// This file defines the chat handler: every line a client sends goes to
// every other client, never back to the sender.

package goserver

import (
	"bufio"
	"net"
	"slices"
	"sync"
	"sync/atomic"
)

// Chat returns a Handler that serves a line chat room shared by all the
// connections it handles. The goroutine that reads a line writes it to each
// other participant in turn; net.Conn.Write writes the whole line before
// another Write to the same connection starts, so lines never interleave.
func Chat() Handler {
	room := new(chatRoom)
	room.members.Store(&[]net.Conn{})
	return room.serve
}

// chatRoom is the set of participants of one chat server. The member list
// is copied on join and leave, so that a broadcast reads it without a lock.
type chatRoom struct {
	mu      sync.Mutex // serialises join and leave
	members atomic.Pointer[[]net.Conn]
}

// serve registers c, relays its lines until it ends, then unregisters it.
func (room *chatRoom) serve(_ *Server, c net.Conn) {
	room.update(func(m []net.Conn) []net.Conn { return append(m, c) })
	defer room.update(func(m []net.Conn) []net.Conn {
		return slices.DeleteFunc(m, func(x net.Conn) bool { return x == c })
	})
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return
		}
		for _, m := range *room.members.Load() {
			if m != c {
				m.Write(line) // a failed member's own reader sees the error and leaves
			}
		}
	}
}

// update replaces the member list with f applied to a copy of it.
func (room *chatRoom) update(f func([]net.Conn) []net.Conn) {
	room.mu.Lock()
	defer room.mu.Unlock()
	m := slices.Clone(*room.members.Load())
	m = f(m)
	room.members.Store(&m)
}
