package hub

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestCanonicalPoller(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"epoll", "epoll"}, {"epolls", "epoll"}, {"poll", "poll"},
		{"select", "select"}, {"selects", "select"}, {"kqueue", "kqueue"},
	} {
		got, err := CanonicalPoller(tc.in)
		has := slices.Contains(Pollers(), tc.want)
		switch {
		case has && (err != nil || got != tc.want):
			t.Errorf("CanonicalPoller(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		case !has && !errors.Is(err, ErrNoPoller):
			t.Errorf("CanonicalPoller(%q) = %q, %v; want ErrNoPoller on this system", tc.in, got, err)
		}
	}
	for _, bad := range []string{"", "libevent", "EPOLL", "poll "} {
		if _, err := CanonicalPoller(bad); !errors.Is(err, ErrNoPoller) || !strings.Contains(err.Error(), "it has "+strings.Join(Pollers(), ", ")) {
			t.Errorf("CanonicalPoller(%q): %v; want ErrNoPoller listing %v", bad, err, Pollers())
		}
	}
	if d := DefaultPoller(); d != Pollers()[0] || d != "epoll" && d != "kqueue" {
		t.Errorf("DefaultPoller() = %q, Pollers() = %v", d, Pollers())
	}
}

// refused returns why the kernel refuses the poller name (io_uring in a
// sandbox), or nil: a hub asking for it then gets its fallback.
func refused(t *testing.T, name string) error {
	t.Helper()
	k, err := lookupPoller(name)
	if err != nil {
		t.Fatal(err)
	}
	w, err := openWakeup()
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	p, err := k.open(64, w)
	if err == nil {
		p.close()
		return nil
	}
	if !errors.Is(err, errRefused) {
		t.Fatalf("open %s: %v", name, err)
	}
	return err
}

func TestPollerEnv(t *testing.T) {
	for _, name := range Pollers() {
		if err := refused(t, name); err != nil {
			t.Logf("skipping %s: %v", name, err)
			continue
		}
		t.Setenv(PollerEnv, name)
		h, err := New(Config{})
		if err != nil {
			t.Fatal(err)
		}
		if h.PollerName() != name || EnvPoller() != name {
			t.Errorf("%s=%s: hub %q, EnvPoller %q", PollerEnv, name, h.PollerName(), EnvPoller())
		}
		h.Close()
		// An explicit Config.Poller wins over the environment.
		h, err = New(Config{Poller: "selects"})
		if err != nil {
			t.Fatal(err)
		}
		if h.PollerName() != "select" {
			t.Errorf("Config.Poller selects under %s=%s: hub %q", PollerEnv, name, h.PollerName())
		}
		h.Close()
	}
	t.Setenv(PollerEnv, "nope")
	if _, err := New(Config{}); !errors.Is(err, ErrNoPoller) || !strings.Contains(err.Error(), PollerEnv) {
		t.Errorf("%s=nope: New gave %v; want ErrNoPoller naming %s", PollerEnv, err, PollerEnv)
	}
}

func TestSetPoller(t *testing.T) {
	for _, used := range []string{"nothing", "fd", "timer"} {
		t.Run(used, func(t *testing.T) {
			h, err := New(Config{Poller: DefaultPoller()})
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			switch used {
			case "fd":
				a, b := socketpair(t, h)
				a.Close()
				b.Close()
			case "timer":
				h.After(time.Hour, func() {}).Stop()
			}
			for _, name := range Pollers() {
				if refused(t, name) != nil {
					continue // TestPollerFallback
				}
				err := h.SetPoller(name)
				switch {
				case name == h.PollerName() && err != nil:
					t.Errorf("SetPoller(%q) to the hub it is: %v", name, err)
				case used == "nothing" && (err != nil || h.PollerName() != name):
					t.Errorf("SetPoller(%q) on a fresh hub: %v, now %q", name, err, h.PollerName())
				case used != "nothing" && name != DefaultPoller() && !errors.Is(err, ErrPollerInUse):
					t.Errorf("SetPoller(%q) after a %s: %v; want ErrPollerInUse", name, used, err)
				}
			}
			if err := h.SetPoller("nope"); !errors.Is(err, ErrNoPoller) {
				t.Errorf("SetPoller(nope): %v", err)
			}
		})
	}
	// A hub whose poller changed runs: a read parks and wakes on it.
	h, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	last := Pollers()[len(Pollers())-1]
	if err := h.SetPoller(last); err != nil {
		t.Fatal(err)
	}
	if got := echoOnce(t, h); got != "ping" {
		t.Errorf("after SetPoller(%q): read %q", last, got)
	}
}

// TestPollerFallback: a poller the kernel refuses (io_uring under a
// seccomp filter) gives its fallback, which then runs; another error of
// its open is the hub's error.
func TestPollerFallback(t *testing.T) {
	w, err := openWakeup()
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	boom := errors.New("boom")
	for _, tc := range []struct {
		err      error
		fallback string
		want     string // the kind opened, or "" for an error
	}{
		{fmt.Errorf("io_uring_setup: %w", errRefused), "poll", "poll"},
		{fmt.Errorf("io_uring_setup: %w", errRefused), "", ""},
		{boom, "poll", ""},
	} {
		k := pollerKind{name: "test", fallback: tc.fallback,
			open: func(int, *wakeup) (poller, error) { return nil, tc.err }}
		p, got, err := openPoller(k, 64, w)
		switch {
		case tc.want == "" && !errors.Is(err, tc.err):
			t.Errorf("%v, fallback %q: %v; want %v", tc.err, tc.fallback, err, tc.err)
		case tc.want != "" && (err != nil || got.name != tc.want):
			t.Errorf("%v, fallback %q: %s, %v; want %s", tc.err, tc.fallback, got.name, err, tc.want)
		}
		if p != nil {
			p.close()
		}
	}
	for _, name := range Pollers() {
		if err := refused(t, name); err != nil {
			h, err := New(Config{Poller: name})
			if err != nil {
				t.Fatalf("%s refused: New gave %v; want its fallback", name, err)
			}
			if got := echoOnce(t, h); got != "ping" {
				t.Errorf("%s refused, on %s: read %q", name, h.PollerName(), got)
			}
			h.Close()
		}
	}
}

// echoOnce parks a reader on a socketpair of h, writes to it from
// another task and returns what the reader read.
func echoOnce(t *testing.T, h *Hub) string {
	t.Helper()
	var got string
	h.Spawn("main", func(tk *Task) error {
		a, b := socketpair(t, h)
		defer a.Close()
		defer b.Close()
		h.Spawn("writer", func(w *Task) error {
			_, err := b.Write(w, []byte("ping"))
			return err
		})
		buf := make([]byte, 8)
		n, err := a.Read(tk, buf)
		got = fmt.Sprint(string(buf[:n]), err)
		if err == nil {
			got = string(buf[:n])
		}
		h.Stop()
		return nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.Run(ctx); err != nil {
		t.Fatal(err)
	}
	return got
}

// TestPollersSameOrder runs one scenario of timers, yields, FD readiness,
// a send backlog, a wake from another goroutine and a hang-up on every
// poller of the system: the logs must be the same.
func TestPollersSameOrder(t *testing.T) {
	var logs []string
	for _, name := range Pollers() {
		h, err := New(Config{Poller: name})
		if err != nil {
			t.Fatal(err)
		}
		var log []string
		add := func(s string) { log = append(log, s) }
		h.Spawn("main", func(tk *Task) error {
			defer h.Stop()
			pairs := make([][2]*FD, 3)
			for i := range pairs {
				a, b := socketpair(t, h)
				pairs[i] = [2]*FD{a, b}
			}
			got := make([]int, len(pairs))
			var readers []*Task
			for i := range pairs {
				readers = append(readers, h.Spawn(fmt.Sprint("r", i), func(g *Task) error {
					buf := make([]byte, 64)
					for {
						n, err := pairs[i][0].Read(g, buf)
						if err != nil {
							add(fmt.Sprintf("r%d: %v", i, err))
							return nil
						}
						got[i] += n
						add(fmt.Sprintf("r%d: %q", i, buf[:n]))
					}
				}))
			}
			// Timers fire in deadline order, whatever order they were set
			// in. The wait for them is by condition, not by a sleep, so a
			// loaded machine cannot reorder the log.
			fired := 0
			h.After(2*time.Millisecond, func() { add("timer 2ms"); fired++ })
			h.After(time.Millisecond, func() { add("timer 1ms"); fired++ })
			for deadline := time.Now().Add(10 * time.Second); fired < 2 && time.Now().Before(deadline); {
				tk.Sleep(time.Millisecond)
			}
			// Three writes before the loop polls again wake the readers in
			// one round. The order within a round is the poller's own
			// (epoll's is the order the events came, poll's and select's
			// the descriptors'), so the writes come in descriptor order.
			for i := range pairs {
				pairs[i][1].Write(tk, []byte(fmt.Sprint("w", i)))
			}
			for deadline := time.Now().Add(10 * time.Second); (got[0] == 0 || got[1] == 0 || got[2] == 0) && time.Now().Before(deadline); {
				tk.Sleep(time.Millisecond)
			}
			// A big send backlog drains through write readiness, while a
			// goroutine's Post wakes the loop.
			big := make([]byte, 1<<20)
			pairs[1][1].Send(big)
			add(fmt.Sprint("backlog ", pairs[1][1].Backlog() > 0))
			if err := pairs[1][1].Drain(tk, 0, 5*time.Second); err != nil {
				add(fmt.Sprint("drain: ", err))
			}
			for deadline := time.Now().Add(10 * time.Second); got[1] < len(big)+2 && time.Now().Before(deadline); {
				tk.Sleep(time.Millisecond)
			}
			add("drained")
			posted := false
			go func() { h.Post(func() { add("posted"); posted = true }) }()
			for deadline := time.Now().Add(10 * time.Second); !posted && time.Now().Before(deadline); {
				tk.Sleep(time.Millisecond)
			}
			// Each close wakes its reader with EOF.
			for i, p := range pairs {
				p[1].Close()
				for !readers[i].Dead() {
					tk.Sleep(time.Millisecond)
				}
				p[0].Close()
			}
			return nil
		})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		err = h.Run(ctx)
		cancel()
		h.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// r1's reads of the 4 MiB come in pieces whose sizes depend on the
		// kernel: fold them.
		var folded []string
		for _, l := range log {
			if strings.HasPrefix(l, `r1: "\x00`) {
				if len(folded) > 0 && folded[len(folded)-1] == "r1: zeros" {
					continue
				}
				l = "r1: zeros"
			}
			folded = append(folded, l)
		}
		logs = append(logs, strings.Join(folded, "\n"))
		if i := len(logs) - 1; i > 0 && logs[i] != logs[0] {
			t.Errorf("%s gave\n%s\n%s gave\n%s", name, logs[i], Pollers()[0], logs[0])
		}
	}
	t.Logf("every poller:\n%s", logs[0])
}

// TestSelectFDTooLarge: the select poller refuses a descriptor of 1024 or
// more with ErrFDTooLarge, an EINVAL, and leaves it open for the caller.
func TestSelectFDTooLarge(t *testing.T) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil || uint64(lim.Cur) <= uint64(fdSetSize) {
		t.Skipf("open file limit %d: cannot make descriptor %d", lim.Cur, fdSetSize)
	}
	h, err := New(Config{Poller: "select"})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	r, w, err := newPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(r)
	defer unix.Close(w)
	high, err := unix.FcntlInt(uintptr(r), unix.F_DUPFD_CLOEXEC, fdSetSize)
	if err != nil {
		t.Fatal(err)
	}
	fd, err := h.NewFD(high)
	if !errors.Is(err, ErrFDTooLarge) || !errors.Is(err, unix.EINVAL) || fd != nil {
		t.Errorf("NewFD(%d) on select: %v, %v; want ErrFDTooLarge (EINVAL)", high, fd, err)
	}
	if err := unix.Close(high); err != nil {
		t.Errorf("the refused descriptor should stay the caller's, open: %v", err)
	}
	// Below the limit it works.
	if got := echoOnce(t, h); got != "ping" {
		t.Errorf("select hub: read %q", got)
	}
}
