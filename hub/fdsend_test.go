package hub

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// readAll reads a until end of stream on a task of its own and reports
// the bytes through done.
func readAll(h *Hub, a *FD, done func([]byte, error)) {
	h.Spawn("reader", func(g *Task) error {
		var got bytes.Buffer
		buf := make([]byte, 64<<10)
		for {
			n, err := a.Read(g, buf)
			got.Write(buf[:n])
			if err != nil {
				if err == io.EOF {
					err = nil
				}
				done(got.Bytes(), err)
				return nil
			}
		}
	})
}

func TestSendNeverParksAndKeepsOrder(t *testing.T) {
	_, err := run(t, func(tk *Task) error {
		a, b := socketpair(t, tk.h)
		var want bytes.Buffer
		for i := range 200 {
			chunk := bytes.Repeat([]byte{byte('a' + i%26)}, 50_000)
			want.Write(chunk)
			if err := b.Send(chunk); err != nil {
				return fmt.Errorf("Send %d: %v", i, err)
			}
		}
		// 10 MB cannot fit in the socket buffers: most is queued.
		if b.Backlog() == 0 {
			return fmt.Errorf("Backlog() = 0 after 10 MB, want queued bytes")
		}
		var got []byte
		var rerr error
		readAll(tk.h, a, func(p []byte, err error) { got, rerr = p, err })
		if err := b.Drain(tk, 0, 5*time.Second); err != nil {
			return fmt.Errorf("Drain: %v", err)
		}
		if b.Backlog() != 0 {
			return fmt.Errorf("Backlog() = %d after Drain", b.Backlog())
		}
		b.Close()
		for i := 0; got == nil && i < 1000; i++ {
			tk.Yield()
		}
		if rerr != nil || !bytes.Equal(got, want.Bytes()) {
			return fmt.Errorf("reader got %d bytes (err %v), want %d in order", len(got), rerr, want.Len())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCloseFlushedSendsBacklog(t *testing.T) {
	_, err := run(t, func(tk *Task) error {
		a, b := socketpair(t, tk.h)
		data := bytes.Repeat([]byte("0123456789"), 1_000_000)
		if err := b.Send(data); err != nil {
			return err
		}
		if b.Backlog() == 0 {
			return fmt.Errorf("no backlog")
		}
		if err := b.CloseFlushed(); err != nil {
			return err
		}
		if err := b.Send([]byte("x")); err != ErrClosed {
			return fmt.Errorf("Send after CloseFlushed = %v, want ErrClosed", err)
		}
		var got []byte
		done := false
		readAll(tk.h, a, func(p []byte, err error) { got, done = p, true })
		for i := 0; !done && i < 10000; i++ {
			tk.Sleep(time.Millisecond)
		}
		if !bytes.Equal(got, data) {
			return fmt.Errorf("got %d bytes, want %d", len(got), len(data))
		}
		if tk.h.backlogs != 0 || len(tk.h.fds) != 1 || b.send != nil {
			return fmt.Errorf("backlogs=%d fds=%d after the flush, want 0 and 1", tk.h.backlogs, len(tk.h.fds))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A background write that fails closes the FD (fdabort.go): Send then
// returns ErrClosed, Failed says why, and the descriptor is released.
func TestSendToClosedPeerFails(t *testing.T) {
	_, err := run(t, func(tk *Task) error {
		a, b := socketpair(t, tk.h)
		a.Close()
		var err error
		for i := 0; i < 100 && err == nil; i++ {
			err = b.Send([]byte("hello"))
			if err == nil {
				err = tk.Yield() // the turn's flush meets the closed peer
			}
		}
		if err != ErrClosed {
			return fmt.Errorf("Send to a failed FD = %v, want ErrClosed", err)
		}
		if ferr := b.Failed(); !errors.Is(ferr, syscall.EPIPE) && !errors.Is(ferr, syscall.ECONNRESET) {
			return fmt.Errorf("Failed() = %v, want EPIPE or ECONNRESET", ferr)
		}
		if len(tk.h.fds) != 0 {
			return fmt.Errorf("%d FDs registered after the failure, want the descriptor released", len(tk.h.fds))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestBackgroundWriteErrorIsSticky(t *testing.T) {
	_, err := run(t, func(tk *Task) error {
		a, b := socketpair(t, tk.h)
		if err := b.Send(make([]byte, 8<<20)); err != nil {
			return err
		}
		var derr error
		tk.h.Spawn("drainer", func(g *Task) error {
			derr = b.Drain(g, 0, 5*time.Second)
			return nil
		})
		tk.Yield()
		a.Close() // the next flush fails
		for i := 0; derr == nil && i < 1000; i++ {
			tk.Sleep(time.Millisecond)
		}
		if !errors.Is(derr, syscall.EPIPE) && !errors.Is(derr, syscall.ECONNRESET) {
			return fmt.Errorf("Drain = %v, want EPIPE or ECONNRESET", derr)
		}
		if err := b.Send([]byte("x")); err != ErrClosed || b.Failed() != derr {
			return fmt.Errorf("Send after a failed flush = %v, Failed() = %v; want ErrClosed, %v", err, b.Failed(), derr)
		}
		if b.Backlog() != 0 {
			return fmt.Errorf("backlog kept after the error")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCloseFlushedAfterFailedFlushCloses(t *testing.T) {
	_, err := run(t, func(tk *Task) error {
		a, b := socketpair(t, tk.h)
		if err := b.Send(make([]byte, 8<<20)); err != nil {
			return err
		}
		b.CloseFlushed()
		a.Close() // the next flush fails: the lingering descriptor goes
		for i := 0; len(tk.h.fds) > 0 && i < 1000; i++ {
			tk.Sleep(time.Millisecond)
		}
		if len(tk.h.fds) != 0 || tk.h.backlogs != 0 {
			return fmt.Errorf("fds=%d backlogs=%d, want none left", len(tk.h.fds), tk.h.backlogs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDrainTimeoutAndClose(t *testing.T) {
	_, err := run(t, func(tk *Task) error {
		_, b := socketpair(t, tk.h)
		if err := b.Send(make([]byte, 8<<20)); err != nil {
			return err
		}
		if err := b.Drain(tk, 0, 5*time.Millisecond); err != ErrTimeout {
			return fmt.Errorf("Drain with no reader = %v, want ErrTimeout", err)
		}
		var errs [2]error
		for i := range errs {
			tk.h.Spawn("drainer", func(g *Task) error {
				errs[i] = b.Drain(g, 1<<20, -1)
				return nil
			})
		}
		tk.Yield()
		b.Close()
		tk.Yield()
		if errs[0] != ErrClosed || errs[1] != ErrClosed {
			return fmt.Errorf("drainers woke with %v, want ErrClosed twice", errs)
		}
		if tk.h.backlogs != 0 {
			return fmt.Errorf("backlogs = %d after Close", tk.h.backlogs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDatagrams(t *testing.T) {
	_, err := run(t, func(tk *Task) error {
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_DGRAM, 0)
		if err != nil {
			return err
		}
		a, _ := tk.h.NewFD(fds[0])
		b, _ := tk.h.NewFD(fds[1])
		var got []string
		tk.h.Spawn("receiver", func(g *Task) error {
			buf := make([]byte, 100)
			for range 2 {
				n, _, err := a.Recvfrom(g, buf)
				if err != nil {
					return err
				}
				got = append(got, string(buf[:n]))
			}
			return nil
		})
		tk.Yield() // the receiver parks
		for _, m := range []string{"one", "two"} {
			if err := b.Sendto(tk, []byte(m), nil); err != nil {
				return err
			}
		}
		for i := 0; len(got) < 2 && i < 100; i++ {
			tk.Yield()
		}
		if fmt.Sprint(got) != "[one two]" {
			return fmt.Errorf("received %q, want two datagrams one, two", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestShutdownWrite(t *testing.T) {
	_, err := run(t, func(tk *Task) error {
		a, b := socketpair(t, tk.h)
		b.Send([]byte("last"))
		if err := b.Drain(tk, 0, -1); err != nil { // Shutdown does not wait for the backlog
			return err
		}
		if err := b.Shutdown(unix.SHUT_WR); err != nil {
			return err
		}
		buf := make([]byte, 16)
		n, err := a.Read(tk, buf)
		if string(buf[:n]) != "last" || err != nil {
			return fmt.Errorf("Read = %q, %v", buf[:n], err)
		}
		if _, err := a.Read(tk, buf); err != io.EOF {
			return fmt.Errorf("Read after shutdown = %v, want EOF", err)
		}
		if err := a.Send([]byte("back")); err != nil {
			return fmt.Errorf("the other direction still works: %v", err)
		}
		n, err = b.Read(tk, buf)
		if string(buf[:n]) != "back" {
			return fmt.Errorf("Read back = %q, %v", buf[:n], err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSelect(t *testing.T) {
	_, err := run(t, func(tk *Task) error {
		a, b := socketpair(t, tk.h)
		c, d := socketpair(t, tk.h)
		r, w, err := tk.h.Select(tk, []*FD{a, c}, nil, 5*time.Millisecond)
		if err != nil || r[0] || r[1] || len(w) != 0 {
			return fmt.Errorf("Select with nothing to read = %v %v %v, want a timeout", r, w, err)
		}
		tk.h.Spawn("writer", func(g *Task) error {
			return d.Send([]byte("x"))
		})
		r, _, err = tk.h.Select(tk, []*FD{a, c}, nil, -1)
		if err != nil || r[0] || !r[1] {
			return fmt.Errorf("Select = %v %v, want only c readable", r, err)
		}
		wk := tk.Waker()
		tk.h.Spawn("waker", func(g *Task) error {
			wk.Wake(nil)
			return nil
		})
		r, _, err = tk.h.Select(tk, []*FD{a}, nil, -1)
		if err != nil || r[0] {
			return fmt.Errorf("Select woken by a waker = %v %v, want nothing ready", r, err)
		}
		_, w, err = tk.h.Select(tk, nil, []*FD{b}, 0)
		if err != nil || !w[0] {
			return fmt.Errorf("Select for writing = %v %v, want b writable", w, err)
		}
		var busy error
		tk.h.Spawn("second", func(g *Task) error {
			_, _, busy = tk.h.Select(g, []*FD{a}, nil, -1)
			return nil
		})
		tk.h.Spawn("closer", func(g *Task) error {
			a.Close()
			return nil
		})
		if _, err := a.Read(tk, make([]byte, 1)); err != ErrClosed {
			return fmt.Errorf("Read of a closed FD = %v", err)
		}
		if busy != ErrBusy {
			return fmt.Errorf("second waiter on a = %v, want ErrBusy", busy)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSendCoalescesUntilPark checks that Send only queues while the sender
// runs, and that everything leaves when it parks: several writes to one
// connection between two parks go out together.
func TestSendCoalescesUntilPark(t *testing.T) {
	_, err := run(t, func(tk *Task) error {
		a, b := socketpair(t, tk.h)
		for _, s := range []string{"one ", "two ", "three"} {
			if err := a.Send([]byte(s)); err != nil {
				return err
			}
		}
		buf := make([]byte, 64)
		if n, err := b.TryRead(buf); n != 0 || err == nil {
			return fmt.Errorf("before the park the peer read %q, %v; want nothing yet", buf[:n], err)
		}
		if a.Backlog() != len("one two three") {
			return fmt.Errorf("Backlog = %d", a.Backlog())
		}
		if err := tk.Yield(); err != nil {
			return err
		}
		n, err := b.TryRead(buf)
		if err != nil || string(buf[:n]) != "one two three" {
			return fmt.Errorf("after the park the peer read %q, %v", buf[:n], err)
		}
		if a.Backlog() != 0 {
			return fmt.Errorf("Backlog after flush = %d", a.Backlog())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSendQueuesAreReused checks that a drained backlog's queue and buffer
// serve the next Send on any FD, and that an idle loop lets them go.
func TestSendQueuesAreReused(t *testing.T) {
	_, err := run(t, func(tk *Task) error {
		h := tk.h
		h.idleAfter = 20 * time.Millisecond
		const n = 40
		var fds []*FD
		for range n {
			a, b := socketpair(t, h)
			defer a.Close()
			fds = append(fds, b)
		}
		first := make(map[*sendQueue]bool)
		for _, b := range fds {
			if err := b.SendString("line\n"); err != nil {
				return err
			}
			first[b.send] = true
		}
		if err := tk.Yield(); err != nil { // the turn ends: every backlog is written
			return err
		}
		if len(h.freeQueues) != n || h.freeBytes != n*firstBufCap || h.backlogs != 0 {
			return fmt.Errorf("after the flush: %d free queues of %d bytes, %d backlogs; want %d, %d, 0",
				len(h.freeQueues), h.freeBytes, h.backlogs, n, n*firstBufCap)
		}
		for i, b := range fds {
			if err := b.SendString("again\n"); err != nil {
				return err
			}
			if !first[b.send] {
				return fmt.Errorf("send %d of the second round allocated a new queue", i)
			}
		}
		if err := tk.Yield(); err != nil {
			return err
		}
		// Idle for longer than idleAfter: the free list is dropped.
		if err := tk.Sleep(10 * h.idleAfter); err != nil {
			return err
		}
		if len(h.freeQueues) != 0 || h.freeBytes != 0 {
			return fmt.Errorf("after an idle spell: %d free queues of %d bytes, want none", len(h.freeQueues), h.freeBytes)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestFreeQueuesBounded checks that the free list keeps at most
// maxFreeBytes of buffers, and no buffer above maxFreeBufCap.
func TestFreeQueuesBounded(t *testing.T) {
	h := &Hub{}
	for range 2 * maxFreeBytes / firstBufCap {
		h.putQueue(&sendQueue{buf: make([]byte, 0, firstBufCap)})
	}
	h.putQueue(&sendQueue{buf: make([]byte, 0, 2*maxFreeBufCap)})
	if h.freeBytes > maxFreeBytes || len(h.freeQueues) != maxFreeBytes/firstBufCap {
		t.Fatalf("free list holds %d queues of %d bytes, want %d of at most %d",
			len(h.freeQueues), h.freeBytes, maxFreeBytes/firstBufCap, maxFreeBytes)
	}
}

// TestTurnGathersFanOut checks that a turn that fans out takes in the
// input that arrived while it ran, so that both lines leave in one write
// per connection, while a turn whose task wrote only to its own connection
// flushes at once.
func TestTurnGathersFanOut(t *testing.T) {
	for _, tc := range []struct {
		name       string
		outs       int
		wantWrites int
	}{
		{"fan-out", 8, 8}, // "a\nb\n" in one write to each of 8
		{"echo", 1, 2},    // "a\n", then "b\n"
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := run(t, func(tk *Task) error {
				h := tk.h
				in, inPeer := socketpair(t, h)
				in.SetStream(true) // after a short read, wait for epoll's edge
				var outs, peers []*FD
				for range tc.outs {
					o, p := socketpair(t, h)
					outs, peers = append(outs, o), append(peers, p)
				}
				main := tk.Waker()
				h.Spawn("relay", func(g *Task) error {
					buf := make([]byte, 64)
					for i := range 2 {
						n, err := in.Read(g, buf)
						if err != nil {
							main.Wake(err)
							return nil
						}
						for _, o := range outs {
							o.Send(buf[:n])
						}
						if i == 0 { // the next line arrives while the turn runs
							unix.Write(inPeer.Sysfd(), []byte("b\n"))
						}
					}
					main.Wake(nil)
					return nil
				})
				if _, err := unix.Write(inPeer.Sysfd(), []byte("a\n")); err != nil {
					return err
				}
				start := h.flushes
				if err := tk.Park("relay"); err != nil {
					return err
				}
				if err := tk.Yield(); err != nil {
					return err
				}
				if got := h.flushes - start; got != tc.wantWrites {
					return fmt.Errorf("%d writes to %d connections, want %d", got, tc.outs, tc.wantWrites)
				}
				buf := make([]byte, 64)
				for i, p := range peers {
					n, err := p.Read(tk, buf)
					if err != nil || string(buf[:n]) != "a\nb\n" {
						return fmt.Errorf("connection %d got %q, %v; want \"a\\nb\\n\"", i, buf[:n], err)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// AbortOutput closes the FD at once: a parked reader wakes with
// ErrClosed, Failed is ErrOutputLimit, and the peer sees a reset.
func TestAbortOutput(t *testing.T) {
	_, err := run(t, func(tk *Task) error {
		a, b := socketpair(t, tk.h)
		if err := b.Send(make([]byte, 8<<20)); err != nil {
			return err
		}
		var rerr error
		done := false
		tk.h.Spawn("reader", func(g *Task) error {
			_, rerr = b.Read(g, make([]byte, 10))
			done = true
			return nil
		})
		tk.Yield()
		b.AbortOutput()
		for i := 0; !done && i < 1000; i++ {
			tk.Yield()
		}
		if rerr != ErrClosed || b.Failed() != ErrOutputLimit {
			return fmt.Errorf("reader got %v, Failed() = %v; want ErrClosed, ErrOutputLimit", rerr, b.Failed())
		}
		if b.Backlog() != 0 || tk.h.backlogs != 0 || len(tk.h.fds) != 1 {
			return fmt.Errorf("backlog %d, backlogs %d, fds %d after the abort", b.Backlog(), tk.h.backlogs, len(tk.h.fds))
		}
		a.Close()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A big string is queued by reference and still sent whole, in order
// with the bytes queued after it.
func TestSendStringBigInOrder(t *testing.T) {
	_, err := run(t, func(tk *Task) error {
		a, b := socketpair(t, tk.h)
		big := strings.Repeat("x", 4*bigSend)
		if err := b.SendString(big); err != nil {
			return err
		}
		if err := b.SendString("tail"); err != nil {
			return err
		}
		want := big + "tail"
		var got []byte
		buf := make([]byte, 64<<10)
		for len(got) < len(want) {
			n, err := a.Read(tk, buf)
			if err != nil {
				return err
			}
			got = append(got, buf[:n]...)
		}
		if string(got) != want {
			return fmt.Errorf("got %d bytes, not the %d sent in order", len(got), len(want))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// FlushNow writes though the last write found the kernel's buffer full:
// after the peer has read, though the poller has not said so yet, Flush
// leaves the backlog as it is and FlushNow hands the kernel what it takes.
func TestFlushNowAfterPeerRead(t *testing.T) {
	_, err := run(t, func(tk *Task) error {
		a, b := socketpair(t, tk.h)
		if err := b.Send(make([]byte, 8<<20)); err != nil {
			return err
		}
		b.Flush() // fills the kernel's buffer: the write meets EAGAIN
		full := b.Backlog()
		if full == 0 || b.wready {
			return fmt.Errorf("backlog %d, wready %v after filling the buffer", full, b.wready)
		}
		buf := make([]byte, 64<<10)
		read := 0
		for range 10000 { // the peer reads all it can, without the loop's turn ending
			n, err := unix.Read(a.Sysfd(), buf)
			if err == unix.EAGAIN {
				break
			}
			if err != nil {
				return err
			}
			read += n
		}
		if read == 0 {
			return fmt.Errorf("the peer read nothing")
		}
		b.Flush()
		if b.Backlog() != full {
			return fmt.Errorf("Flush wrote with the buffer last seen full: backlog %d -> %d", full, b.Backlog())
		}
		b.FlushNow()
		if b.Backlog() >= full {
			return fmt.Errorf("FlushNow: backlog %d, was %d, after the peer read %d bytes", b.Backlog(), full, read)
		}
		b.AbortOutput()
		a.Close()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
