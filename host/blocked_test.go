package host_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/evscript/evscript/builtins"
	"github.com/evscript/evscript/host"
	"go.starlark.net/starlark"
)

// A Go builtin that blocks the OS thread and then parks, without a
// Starlark step in between, is reported as it parks, with the backtrace
// of its park; once, however many ticks the episode spanned.
func TestBlockedReportedAtPark(t *testing.T) {
	hold := starlark.NewBuiltin("hold", func(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		time.Sleep(250 * time.Millisecond) // blocks the hub: what detection is for
		task, err := builtins.TaskOf(th, b)
		if err != nil {
			return nil, err
		}
		return starlark.None, task.Yield()
	})
	var reports []host.Blocked
	h, err := host.New(host.Config{
		Predeclared: starlark.StringDict{"hold": hold},
		Blocking:    50 * time.Millisecond,
		OnBlocked: func(b host.Blocked) {
			if b.Thread == "holder" { // main's slices are short, but the machine may pause any
				reports = append(reports, b)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	_, err = h.ExecFile(context.Background(), "hold.star", `
def holder():
    hold()
    return 1
g = api.spawn(holder)
g.name = "holder"
g.wait()
`)
	if err != nil {
		t.Fatal(err)
	}
	if len(reports) != 1 {
		t.Fatalf("%d reports, want 1: %+v", len(reports), reports)
	}
	r := reports[0]
	if r.Thread != "holder" || r.Held < 250*time.Millisecond || r.Resolution != 50*time.Millisecond ||
		!strings.Contains(r.Backtrace, "in hold") || !strings.Contains(r.Backtrace, "in holder") {
		t.Errorf("report %+v", r)
	}
}

// Without OnBlocked the report goes to Stderr, in the documented form.
func TestBlockedToStderr(t *testing.T) {
	var stderr bytes.Buffer
	h, err := host.New(host.Config{Stderr: &stderr, Blocking: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	_, err = h.ExecFile(context.Background(), "spin.star", `
def spin(limit):
    t0 = time.now()
    while (time.now() - t0) / time.second < limit:
        pass
spin(0.2)
`)
	if err != nil {
		t.Fatal(err)
	}
	h.FlushOutput()
	s := stderr.String()
	if strings.Count(s, "held the hub") != 1 || !strings.HasPrefix(s, `evscript: green thread "main" held the hub for `) ||
		!strings.Contains(s, "(blocking detection, resolution 0.05 s)\nTraceback (most recent call last):\n") || !strings.Contains(s, "in spin") {
		t.Errorf("stderr:\n%s", s)
	}
}

// Past MaxFDs an accepted connection is closed at once and the listener
// goes on accepting once descriptors are free; a call_after whose timer
// fires past MaxThreads is dropped, and stderr says so.
func TestLimitsOnAcceptAndTimers(t *testing.T) {
	var stderr bytes.Buffer
	h, err := host.New(host.Config{
		Stderr:  &stderr,
		Sandbox: &host.Sandbox{Grants: []string{"socket"}, MaxFDs: 3, MaxThreads: 3},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	_, err = h.ExecFile(context.Background(), "accept.star", `
srv = api.tcp_listener(("127.0.0.1", 0))
port = srv.getsockname()[1]
a = api.connect_tcp(("127.0.0.1", port))
b = api.connect_tcp(("127.0.0.1", port))  # srv, a, b: the limit
_, err = catch(srv.accept)                 # a's peer would be the 4th
if not isinstance(err, OSError) or "MaxFDs" not in err.message:
    fail("accept past the limit: %r" % err)
if a.recv(10) != "":
    fail("the connection refused at accept is not closed")
a.close()
conn, _ = srv.accept()                     # b's peer: srv, b, conn
conn.sendall("hi")
if b.recv(10) != "hi":
    fail("the listener does not go on")
conn.close()
b.close()
api.call_after(0, print, "dropped")   # fires while 3 threads are alive
t1 = api.spawn(api.sleep, 0.05)
t2 = api.spawn(api.sleep, 0.05)
api.sleep(0.01)
t1.wait()
t2.wait()
`)
	if err != nil {
		t.Fatal(err)
	}
	h.FlushOutput()
	if s := stderr.String(); !strings.Contains(s, "MaxThreads") || !strings.Contains(s, "the call was dropped") {
		t.Errorf("stderr %q, want the dropped call_after", s)
	}
}
