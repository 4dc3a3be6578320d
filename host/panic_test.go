package host_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/evscript/evscript/host"
	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
)

// boom is an embedder's builtin that panics, as a buggy Go function would.
var boom = starlark.NewBuiltin("boom", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	var m map[string]int
	m["x"] = 1 // a nil-map write: a runtime.Error panic
	return starlark.None, nil
})

// brokenValue has a method made outside the guard (a value's Attr), so only
// the green thread's safety net sees its panic.
type brokenValue struct{}

func (brokenValue) String() string        { return "broken" }
func (brokenValue) Type() string          { return "broken" }
func (brokenValue) Freeze()               {}
func (brokenValue) Truth() starlark.Bool  { return true }
func (brokenValue) Hash() (uint32, error) { return 0, nil }
func (brokenValue) AttrNames() []string   { return []string{"go"} }
func (brokenValue) Attr(name string) (starlark.Value, error) {
	if name != "go" {
		return nil, nil
	}
	return starlark.NewBuiltin("go", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
		panic("broken method")
	}), nil
}

func runPanic(t *testing.T, src string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	h, err := host.New(host.Config{
		Stdout: &out, Stderr: &out,
		Predeclared: starlark.StringDict{"boom": boom, "broken": brokenValue{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = h.ExecFile(ctx, "panic.star", src)
	h.Close()
	return out.String(), err
}

// A panicking builtin in main ends main with an error that names it: never
// a silent success, never a crash of the test process.
func TestPanicInBuiltinEndsMain(t *testing.T) {
	out, err := runPanic(t, "print('before')\nboom()\nprint('after')\n")
	var pe *hub.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want a *hub.PanicError", err)
	}
	var ee *starlark.EvalError
	if !errors.As(err, &ee) || !strings.Contains(ee.Backtrace(), "in boom") {
		t.Errorf("want a Starlark backtrace naming boom, got %v", err)
	}
	if strings.Contains(out, "after") || !strings.Contains(out, "before") {
		t.Errorf("output %q: the script must stop at the panic", out)
	}
	if !strings.Contains(out, "Go panic in builtin boom") || !strings.Contains(out, "goroutine") {
		t.Errorf("the Go stack was not printed: %q", out)
	}
	var buf bytes.Buffer
	host.PrintError(&buf, err)
	if !strings.Contains(buf.String(), "RuntimeError") || !strings.Contains(buf.String(), "boom") {
		t.Errorf("PrintError = %q, want RuntimeError naming boom", buf.String())
	}
}

// In another green thread, the panic ends that thread only; main and the
// others go on, and the thread's wait re-raises it as RuntimeError.
func TestPanicInBuiltinEndsOnlyItsThread(t *testing.T) {
	out, err := runPanic(t, `
def bad():
    boom()
def good():
    api.sleep(0.01)
    return "ok"
g1 = api.spawn(bad)
g2 = api.spawn(good)
_, e = catch(g1.wait)
print("bad:", isinstance(e, RuntimeError))
print("good:", g2.wait())
`)
	if err != nil {
		t.Fatalf("main failed: %v\n%s", err, out)
	}
	for _, want := range []string{"bad: True", "good: ok", `Uncaught exception in green thread "greenthread-`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// catch sees the panic as RuntimeError, and the stack is printed anyway.
func TestPanicIsCatchable(t *testing.T) {
	out, err := runPanic(t, `
r, e = catch(boom)
print(isinstance(e, RuntimeError), "boom" in e.message)
`)
	if err != nil {
		t.Fatalf("main failed: %v\n%s", err, out)
	}
	if !strings.Contains(out, "True True") || !strings.Contains(out, "Go panic in builtin boom") {
		t.Errorf("output:\n%s", out)
	}
}

// A panic in a method the guard never wrapped still ends the thread with
// an error, through the green thread's safety net.
func TestPanicOutsideGuardIsNotSilent(t *testing.T) {
	out, err := runPanic(t, "broken.go()\nprint('after')\n")
	var pe *hub.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want a *hub.PanicError\n%s", err, out)
	}
	if !strings.Contains(pe.Where, "brokenValue).Attr") {
		t.Errorf("Where = %q, want the Go function that panicked", pe.Where)
	}
	if strings.Contains(out, "after") || !strings.Contains(out, "broken method") {
		t.Errorf("output:\n%s", out)
	}
}
