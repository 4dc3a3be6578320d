//go:build unix

// This file defines the watch a backdoor console keeps on its client while
// a statement runs. A busy statement (while True: pass) holds the hub, so
// neither the hub's poller nor the console's green thread can see the
// client; a goroutine of its own polls the socket instead (poll(2), on
// every system; the end of a half-closed stream is seen where the system
// has POLLRDHUP, Linux, and a full hang-up everywhere), and
//
//   - when the client disconnects (end of stream, reset, hang-up), cancels
//     the statement with errClientGone;
//   - when the client sends Ctrl-C (a 0x03 byte, as nc sends it from a raw
//     terminal, or telnet's Interrupt Process, IAC IP: 0xFF 0xF4), raises
//     KeyboardInterrupt in the statement.
//
// It peeks (MSG_PEEK), so the bytes stay for the console to read (the
// line reader drops the Ctrl-C marks). A busy statement is stopped through
// Thread.Cancel, which is safe from any goroutine; a parked one is killed
// from the hub loop (Hub.Post), only if the same statement still runs.

package builtins

import (
	"bytes"
	"context"
	"errors"

	"github.com/evscript/evscript/hub"
	"golang.org/x/sys/unix"
)

// errClientGone ends the statement of a console whose client left.
var errClientGone = errors.New("backdoor client disconnected")

// peekSize bounds the bytes a watch looks at for Ctrl-C: a client that has
// typed more than this ahead of a running statement cannot interrupt it.
const peekSize = 4096

// A watchable console connection can be polled off the hub: watchFD
// returns its descriptor, and whether its bytes are the client's as typed
// (not TLS records, where a 0x03 byte means nothing).
type watchable interface {
	watchFD() (sysfd int, plain bool)
}

// What a watch saw.
const (
	sawNothing = iota
	sawInterrupt
	sawGone
)

// A consoleWatch watches one console's client. Its fields other than the
// goroutine's own are used on the console's green thread only.
type consoleWatch struct {
	rt    *Runtime
	g     *GreenThread
	sysfd int
	plain bool
	stopr int           // read end of the pipe that stops the goroutine
	stopw int           // its write end
	seq   uint64        // the statement being watched, counted
	live  bool          // a statement runs (read on the hub loop too)
	done  chan struct{} // closed when the goroutine ends
	saw   int           // what the goroutine saw (read after done)
}

// newConsoleWatch returns a watch of conn for the console run by g, or nil
// if conn cannot be watched. It must be called by g.
func newConsoleWatch(rt *Runtime, g *GreenThread, conn ConsoleConn) *consoleWatch {
	wc, ok := conn.(watchable)
	if !ok {
		return nil
	}
	fd, plain := wc.watchFD()
	if fd < 0 {
		return nil
	}
	r, w, err := hub.Pipe()
	if err != nil {
		return nil // the console works, without interruption
	}
	return &consoleWatch{rt: rt, g: g, sysfd: fd, plain: plain, stopr: r, stopw: w}
}

// start watches the client until stop. If pending, a Ctrl-C already read
// with the statement's lines interrupts it at once. It must be called by
// the console's green thread.
func (w *consoleWatch) start(pending bool) {
	w.seq++
	w.live = true
	w.saw = sawNothing
	w.done = make(chan struct{})
	seq, done := w.seq, w.done
	w.rt.Hub.Go(func() { w.watch(seq, done, pending) })
}

// stop ends the watch and returns what it saw. t (the console's task)
// parks meanwhile. It must be called by t.
func (w *consoleWatch) stop(t *hub.Task) int {
	w.live = false
	one := [1]byte{1}
	unix.Write(w.stopw, one[:])
	done := w.done
	err := t.Await(func(context.Context) error { <-done; return nil })
	if err != nil {
		<-done // killed: the goroutine is leaving at once anyway
	}
	var b [8]byte
	unix.Read(w.stopr, b[:]) // empty the pipe: one byte per stop
	return w.saw
}

// close releases the watch. It must be called by the console's green
// thread, after stop.
func (w *consoleWatch) close() {
	unix.Close(w.stopr)
	unix.Close(w.stopw)
}

// watch is the goroutine: it polls the client and the stop pipe until one
// of them says something, and touches no hub or script state but through
// GreenThread.Cancel and Hub.Post.
func (w *consoleWatch) watch(seq uint64, done chan struct{}, pending bool) {
	defer close(done)
	if pending {
		w.act(seq, sawInterrupt)
		return
	}
	events := int16(pollRDHUP)
	if w.plain {
		events |= unix.POLLIN
	}
	timeout := -1
	buf := make([]byte, peekSize)
	for {
		pfds := []unix.PollFd{{Fd: int32(w.sysfd), Events: events}, {Fd: int32(w.stopr), Events: unix.POLLIN}}
		_, err := unix.Poll(pfds, timeout)
		if err == unix.EINTR {
			continue
		}
		if err != nil || pfds[1].Revents != 0 {
			return
		}
		rev := pfds[0].Revents
		if rev&(pollRDHUP|unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) != 0 {
			w.act(seq, sawGone)
			return
		}
		if !w.plain {
			continue
		}
		n, _, err := unix.Recvfrom(w.sysfd, buf, unix.MSG_PEEK|unix.MSG_DONTWAIT)
		if n > 0 && hasInterrupt(buf[:n]) {
			w.act(seq, sawInterrupt)
			return
		}
		if n > 0 {
			// Bytes typed ahead keep the socket readable: wait for the
			// hang-up only, and look again for a Ctrl-C now and then.
			events, timeout = pollRDHUP, 50
		} else {
			events, timeout = pollRDHUP|unix.POLLIN, -1
		}
	}
}

// act stops the statement seq: cancelled if it is busy, killed if it is
// parked. It may be called from any goroutine.
func (w *consoleWatch) act(seq uint64, saw int) {
	w.saw = saw
	reason, err := KeyboardInterrupt.name, error(KeyboardInterrupt.New())
	if saw == sawGone {
		reason, err = errClientGone.Error(), errClientGone
	}
	w.g.Cancel(reason)
	w.rt.Hub.Post(func() {
		if w.live && w.seq == seq {
			w.g.task.Kill(err)
		}
	})
}

// hasInterrupt reports whether b holds a Ctrl-C: 0x03 or telnet's IAC IP.
func hasInterrupt(b []byte) bool {
	return bytes.IndexByte(b, 0x03) >= 0 || bytes.Contains(b, []byte{0xFF, 0xF4})
}

// nextMark finds the first Ctrl-C mark or telnet command in b. It returns
// its offset and length (0 if b ends inside it: more bytes are needed),
// and whether it is a Ctrl-C; i < 0 if there is none.
func nextMark(b []byte) (i, n int, ctrlC bool) {
	for i, c := range b {
		switch {
		case c == 0x03:
			return i, 1, true
		case c != 0xFF:
			continue
		case i+1 >= len(b):
			return i, 0, false
		case b[i+1] == 0xF4: // IP, Interrupt Process
			return i, 2, true
		case b[i+1] >= 0xFB && b[i+1] <= 0xFE: // WILL, WONT, DO, DONT option
			if i+2 >= len(b) {
				return i, 0, false
			}
			return i, 3, false
		default:
			return i, 2, false
		}
	}
	return -1, 0, false
}
