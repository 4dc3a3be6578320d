package coros_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/evscript/evscript/host"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarktest"
)

// newTestHost returns a host whose output goes to out, with assert.star
// loadable, assertion failures reported to t, and interrupt(), which does
// what Ctrl-C does.
func newTestHost(t *testing.T, out *bytes.Buffer) *host.Host {
	t.Helper()
	assert, err := starlarktest.LoadAssertModule()
	if err != nil {
		t.Fatal(err)
	}
	var h *host.Host
	interrupt := starlark.NewBuiltin("interrupt", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
		h.Interrupt()
		return starlark.None, nil
	})
	h, err = host.New(host.Config{
		Stdout:      out,
		Stderr:      out,
		Modules:     map[string]starlark.StringDict{"assert.star": assert},
		Predeclared: starlark.StringDict{"interrupt": interrupt},
		ThreadInit:  func(th *starlark.Thread) { starlarktest.SetReporter(th, t) },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// execScript runs src on a fresh test host and returns its output and error.
func execScript(t *testing.T, src string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	h := newTestHost(t, &out)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := h.ExecFile(ctx, t.Name()+".star", src)
	return out.String(), err
}

// TestInterruptCoros checks that Ctrl-C wakes the main thread parked in
// every blocking call of channel and coros with KeyboardInterrupt, and that
// the call leaves no waiter behind.
func TestInterruptCoros(t *testing.T) {
	out, err := execScript(t, `
load("assert.star", "assert")

def interrupted(fn, *args):
    api.spawn(interrupt)  # runs once main is parked
    _, err = catch(fn, *args)
    assert.true(isinstance(err, KeyboardInterrupt), "want KeyboardInterrupt, got %r" % err)

ch = channel.channel()
interrupted(ch.receive)
assert.eq(ch.balance, 0)
interrupted(ch.send, "lost")
assert.eq(ch.balance, 0)
interrupted(ch.send_exception, ValueError)
assert.eq(ch.balance, 0)

e = coros.event()
interrupted(e.wait)
assert.eq(str(e), "<event fresh waiters=0>")

gate = coros.event()
pool = coros.CoroutinePool(max_size=1)
pool.execute_async(gate.wait)
interrupted(pool.execute, print, "never")
interrupted(pool.execute_async, print, "never")
assert.eq(pool.waiting(), 0)
interrupted(pool.waitall)
actor = coros.Actor(lambda msg: gate.wait())
actor.cast("m")
interrupted(actor.waitall)
gate.send()
pool.waitall()
assert.eq(pool.free(), 1)
actor.waitall()

q = coros.queue(1)
interrupted(q.get)
assert.eq(q.getting(), 0)
q.put(1)
interrupted(q.put, 2)
assert.eq(q.putting(), 0)
assert.eq(q.get(), 1)
assert.eq(q.qsize(), 0)

s = coros.semaphore(0)
interrupted(s.acquire)
assert.eq(s.balance, 0)

# Ctrl-C that arrives after a value was handed to main, before main ran
# again, is raised at once rather than at main's next wait.
def interrupt_and_send():
    interrupt()
    ch.send("dropped")
api.spawn(interrupt_and_send)
_, err = catch(ch.receive)
assert.true(isinstance(err, KeyboardInterrupt), "want KeyboardInterrupt, got %r" % err)
assert.eq(ch.balance, 0)
`)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if strings.Contains(out, "never") {
		t.Errorf("an interrupted execute ran its job:\n%s", out)
	}
}

// TestPoolJobErrorPrinted checks that a job's exception is printed with the
// job's backtrace, headed by its green thread's name, and raised again by
// the event's wait: caught, and uncaught in main.
func TestPoolJobErrorPrinted(t *testing.T) {
	out, err := execScript(t, `
def failing(x):
    return x // 0

pool = coros.CoroutinePool()
pool.execute_async(failing, 1)
evt = pool.execute(failing, 2)
_, err = catch(evt.wait)
print("caught:", err)
evt.wait()
`)
	if err == nil {
		t.Fatalf("main did not fail:\n%s", out)
	}
	if n := strings.Count(out, `Uncaught exception in green thread "greenthread-`); n != 2 {
		t.Errorf("want 2 job reports, got %d:\n%s", n, out)
	}
	if n := strings.Count(out, ": in failing\nZeroDivisionError: floored division by zero"); n != 2 {
		t.Errorf("want 2 job backtraces ending in failing, got %d:\n%s", n, out)
	}
	if !strings.Contains(out, "caught: floored division by zero") {
		t.Errorf("wait did not re-raise the job's exception:\n%s", out)
	}
	var ee *starlark.EvalError
	if !errors.As(err, &ee) || !strings.Contains(ee.Backtrace(), "in failing") {
		t.Errorf("main's error should carry the job's backtrace, got %v", err)
	}
}

// TestActorErrorPrinted checks that an exception in received is printed
// with its backtrace, headed by the actor thread's name, and that the
// actor goes on with the next message.
func TestActorErrorPrinted(t *testing.T) {
	out, err := execScript(t, `
def fragile(msg):
    if msg == "bad":
        fail("cannot handle " + msg)
    print("handled", msg)

actor = coros.Actor(fragile)
for m in ["a", "bad", "b"]:
    actor.cast(m)
actor.waitall()
`)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := "handled a\nUncaught exception in green thread \"actor:fragile\":\nTraceback (most recent call last):\n"
	if !strings.HasPrefix(out, want) {
		t.Errorf("output does not start with %q:\n%s", want, out)
	}
	if !strings.Contains(out, ": in fragile\nError in fail: cannot handle bad\n") || !strings.HasSuffix(out, "handled b\n") {
		t.Errorf("unexpected output:\n%s", out)
	}
}

// TestCorosOutsideGreenThread checks that blocking calls made from Go code
// that is not a green thread fail with an error instead of hanging.
func TestCorosOutsideGreenThread(t *testing.T) {
	var out bytes.Buffer
	h := newTestHost(t, &out)
	th := &starlark.Thread{Name: "plain Go"}
	call := func(recv starlark.Value, name string, args ...starlark.Value) error {
		m, err := recv.(starlark.HasAttrs).Attr(name)
		if err != nil || m == nil {
			t.Fatalf("%s has no %s", recv.Type(), name)
		}
		_, err = starlark.Call(th, m, args, nil)
		return err
	}
	newValue := func(module, name string, args ...starlark.Value) starlark.Value {
		mod := h.Predeclared()[module].(starlark.HasAttrs)
		fn, _ := mod.Attr(name)
		v, err := starlark.Call(th, fn, args, nil)
		if err != nil {
			t.Fatalf("%s.%s: %v", module, name, err)
		}
		return v
	}
	ch := newValue("channel", "channel")
	evt := newValue("coros", "event")
	pool := newValue("coros", "CoroutinePool")
	q := newValue("coros", "queue")
	sem := newValue("coros", "semaphore", starlark.MakeInt(0))
	for _, c := range []struct {
		recv starlark.Value
		name string
		args []starlark.Value
	}{
		{ch, "send", []starlark.Value{starlark.None}},
		{ch, "receive", nil},
		{evt, "wait", nil},
		{pool, "execute", []starlark.Value{starlark.NewBuiltin("f", nil)}},
		{pool, "waitall", nil},
		{q, "get", nil},
		{sem, "acquire", nil},
	} {
		err := call(c.recv, c.name, c.args...)
		if err == nil || !strings.Contains(err.Error(), "not called from an evscript green thread") {
			t.Errorf("%s.%s: got %v, want a not-a-green-thread error", c.recv.Type(), c.name, err)
		}
	}
}

// TestCorosDeadlock checks that main waiting on a channel nobody sends to
// is reported as a deadlock naming what each thread waits on.
func TestCorosDeadlock(t *testing.T) {
	_, err := execScript(t, `
ch = channel.channel()
q = coros.queue()
api.spawn(q.get)
ch.receive()
`)
	var de *host.DeadlockError
	if !errors.As(err, &de) {
		t.Fatalf("got %v, want a deadlock", err)
	}
	msg := de.Error()
	for _, want := range []string{"main: channel.receive", "greenthread-2: queue.get"} {
		if !strings.Contains(msg, want) {
			t.Errorf("deadlock report lacks %q:\n%s", want, msg)
		}
	}
}
