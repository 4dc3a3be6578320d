package hub

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func socketpair(t testing.TB, h *Hub) (*FD, *FD) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	a, err := h.NewFD(fds[0])
	if err != nil {
		t.Fatal(err)
	}
	b, err := h.NewFD(fds[1])
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

func TestFDReadParksUntilWrite(t *testing.T) {
	var log []string
	_, err := run(t, func(tk *Task) error {
		a, b := socketpair(t, tk.h)
		tk.h.Spawn("reader", func(g *Task) error {
			buf := make([]byte, 16)
			n, err := a.Read(g, buf)
			log = append(log, fmt.Sprintf("read %q %v", buf[:n], err))
			_, err = a.Read(g, buf)
			log = append(log, fmt.Sprintf("eof %v", err))
			return nil
		})
		tk.Yield()
		log = append(log, "write")
		b.Write(tk, []byte("hello"))
		tk.Sleep(time.Millisecond)
		b.Close()
		return tk.Sleep(time.Millisecond)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("[write read \"hello\" <nil> eof %v]", io.EOF)
	if got := fmt.Sprint(log); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestFDBigWriteParks(t *testing.T) {
	_, err := run(t, func(tk *Task) error {
		a, b := socketpair(t, tk.h)
		data := bytes.Repeat([]byte("0123456789"), 500_000) // 5 MB, beyond socket buffers
		var got bytes.Buffer
		done := false
		tk.h.Spawn("reader", func(g *Task) error {
			buf := make([]byte, 64<<10)
			for {
				n, err := a.Read(g, buf)
				got.Write(buf[:n])
				if err != nil {
					done = true
					return nil
				}
			}
		})
		if n, err := b.Write(tk, data); n != len(data) || err != nil {
			return fmt.Errorf("Write = %d, %v", n, err)
		}
		b.Close()
		for i := 0; !done && i < 1000; i++ {
			tk.Yield()
		}
		if !bytes.Equal(got.Bytes(), data) {
			return fmt.Errorf("received %d bytes, want %d", got.Len(), len(data))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestFDCloseWakesReaderAndSecondReaderBusy(t *testing.T) {
	var r1, r2 error
	_, err := run(t, func(tk *Task) error {
		a, _ := socketpair(t, tk.h)
		for _, r := range []*error{&r1, &r2} {
			tk.h.Spawn("reader", func(g *Task) error {
				_, *r = a.Read(g, make([]byte, 8))
				return nil
			})
		}
		tk.Yield()
		a.Close()
		return tk.Yield()
	})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(r1, ErrClosed) || !errors.Is(r2, ErrBusy) {
		t.Errorf("r1=%v r2=%v, want ErrClosed, ErrBusy", r1, r2)
	}
}

func TestFDTimeoutAndWaitRead(t *testing.T) {
	_, err := run(t, func(tk *Task) error {
		a, b := socketpair(t, tk.h)
		if err := a.WaitRead(tk, time.Millisecond); err != ErrTimeout {
			return fmt.Errorf("WaitRead = %v, want ErrTimeout", err)
		}
		a.SetTimeout(time.Millisecond)
		if _, err := a.Read(tk, make([]byte, 1)); err != ErrTimeout {
			return fmt.Errorf("Read = %v, want ErrTimeout", err)
		}
		b.Write(tk, []byte("x"))
		if err := a.WaitRead(tk, time.Second); err != nil {
			return fmt.Errorf("WaitRead after write = %v", err)
		}
		if err := a.WaitWrite(tk, time.Second); err != nil {
			return fmt.Errorf("WaitWrite = %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestFDPipe(t *testing.T) {
	_, err := run(t, func(tk *Task) error {
		pr, pw, err := newPipe()
		if err != nil {
			return err
		}
		r, _ := tk.h.NewFD(pr)
		w, _ := tk.h.NewFD(pw)
		var got string
		tk.h.Spawn("r", func(g *Task) error {
			b, _ := io.ReadAll(readerFunc(func(p []byte) (int, error) { return r.Read(g, p) }))
			got = string(b)
			return nil
		})
		w.Write(tk, []byte("piped"))
		w.Close()
		for i := 0; got == "" && i < 100; i++ {
			tk.Yield()
		}
		if got != "piped" {
			return fmt.Errorf("got %q", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// TestFDShortReadThenEOF checks the short-read inference of stream FDs:
// data and the end of stream that arrive together are both seen, though
// epoll reports them with one edge.
func TestFDShortReadThenEOF(t *testing.T) {
	_, err := run(t, func(tk *Task) error {
		a, b := socketpair(t, tk.h)
		a.SetStream(true)
		if _, err := b.Write(tk, []byte("abc")); err != nil {
			return err
		}
		b.Close()
		buf := make([]byte, 16)
		n, err := a.Read(tk, buf)
		if err != nil || string(buf[:n]) != "abc" {
			return fmt.Errorf("first read %q, %v", buf[:n], err)
		}
		a.SetTimeout(2 * time.Second)
		if _, err := a.Read(tk, buf); err != io.EOF {
			return fmt.Errorf("second read: %v, want EOF", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestFDShortReadWaitsForEdge checks that after a short read a stream FD
// waits for epoll and still sees data that arrives later.
func TestFDShortReadWaitsForEdge(t *testing.T) {
	_, err := run(t, func(tk *Task) error {
		a, b := socketpair(t, tk.h)
		a.SetStream(true)
		a.SetTimeout(2 * time.Second)
		var got []string
		tk.h.Spawn("reader", func(g *Task) error {
			buf := make([]byte, 16)
			for range 2 {
				n, err := a.Read(g, buf)
				if err != nil {
					return err
				}
				got = append(got, string(buf[:n]))
			}
			return nil
		})
		b.Write(tk, []byte("one"))
		for i := 0; len(got) < 1 && i < 100; i++ {
			tk.Yield()
		}
		b.Write(tk, []byte("two"))
		for i := 0; len(got) < 2 && i < 1000; i++ {
			tk.Sleep(time.Millisecond)
		}
		if fmt.Sprint(got) != "[one two]" {
			return fmt.Errorf("got %v", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
