// This file defines the semaphore value of the coros module.
//
// release passes its count straight to the first waiting acquirer, so
// acquirers are served in the order they began to wait and a newcomer
// cannot overtake them. An acquirer interrupted after the count was passed
// to it passes it on in turn.

package coros

import (
	"errors"
	"fmt"
	"github.com/evscript/evscript/builtins"

	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
)

// A Semaphore is the value coros.semaphore() returns.
type Semaphore struct {
	rt      *builtins.Runtime
	bound   builtins.Bound // methods bound to this value
	count   int
	waiters hub.WaitQueue
	green   string // eventlet's Semaphore or BoundedSemaphore (green.go), or ""
	limit   int    // BoundedSemaphore: release past this is a ValueError
}

var _ starlark.HasAttrs = (*Semaphore)(nil)

// semaphore(count=1) -> semaphore. See docs/api/coros.md.
func newSemaphore(rt *builtins.Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := &Semaphore{rt: rt, count: 1}
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "count?", &s.count); err != nil {
		return nil, err
	}
	if s.count < 0 {
		return nil, fmt.Errorf("%s: count must be at least 0, got %d", b.Name(), s.count)
	}
	return s, nil
}

func (s *Semaphore) String() string {
	return fmt.Sprintf("<semaphore counter=%d waiters=%d>", s.count, s.waiters.Len())
}
func (s *Semaphore) Type() string {
	if s.green != "" {
		return s.green
	}
	return "semaphore"
}
func (s *Semaphore) Freeze()               {}
func (s *Semaphore) Truth() starlark.Bool  { return true }
func (s *Semaphore) Hash() (uint32, error) { return builtins.IdentityHash(s), nil }

var semaphoreMethods = builtins.NewMethods(
	starlark.NewBuiltin("acquire", semaphoreAcquire),
	starlark.NewBuiltin("release", semaphoreRelease),
	starlark.NewBuiltin("locked", semaphoreLocked),
)

// Attr returns the methods, counter and balance.
func (s *Semaphore) Attr(name string) (starlark.Value, error) {
	switch name {
	case "counter":
		return starlark.MakeInt(s.count), nil
	case "balance":
		return starlark.MakeInt(s.count - s.waiters.Len()), nil
	}
	if s.green != "" {
		return greenSemaphoreMethods.Attr(s, &s.bound, name), nil
	}
	return semaphoreMethods.Attr(s, &s.bound, name), nil
}

// AttrNames lists the attributes.
func (s *Semaphore) AttrNames() []string {
	if s.green != "" {
		return greenSemaphoreMethods.Names("balance", "counter")
	}
	return semaphoreMethods.Names("balance", "counter")
}

// acquire(timeout=None, blocking=True) -> True: take one count, waiting
// while there is none; TimeoutError if timeout seconds pass first. With
// blocking=False it returns False at once instead of waiting.
func semaphoreAcquire(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := b.Receiver().(*Semaphore)
	timeout := builtins.OptSeconds(-1)
	blocking := true
	if s.green != "" && (len(args) != 0 || !builtins.FastTimeout(args, kwargs, 0, &timeout)) {
		// eventlet's acquire(blocking, timeout)
		if err := unpackGreenAcquire(b, args, kwargs, &timeout, &blocking); err != nil {
			return nil, err
		}
	} else if s.green == "" && !builtins.FastTimeout(args, kwargs, 0, &timeout) {
		if err := unpackAcquire(b, args, kwargs, &timeout, &blocking); err != nil {
			return nil, err
		}
	}
	if s.count > 0 {
		s.count--
		return starlark.True, nil
	}
	if !blocking {
		return starlark.False, nil
	}
	t, err := s.rt.TaskFor(th, b)
	if err != nil {
		return nil, err
	}
	got, err := s.waiters.Wait(t, "semaphore.acquire", timeout.Duration(), nil)
	if err != nil {
		if got == builtins.Granted {
			s.put() // interrupted after the grant: pass it on
		}
		if s.green != "" && errors.Is(err, hub.ErrTimeout) {
			return starlark.False, nil
		}
		return nil, builtins.WaitErr(b, s, err)
	}
	return starlark.True, nil
}

// unpackAcquire is acquire's general argument path, out of line (see
// NoArgs).
//
//go:noinline
func unpackAcquire(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, timeout *builtins.OptSeconds, blocking *bool) error {
	return starlark.UnpackArgs(b.Name(), args, kwargs, "timeout?", timeout, "blocking?", blocking)
}

// put returns one count: to the first waiter, or to the counter.
func (s *Semaphore) put() {
	if wt := s.waiters.Front(); wt != nil {
		wt.Wake(builtins.Granted, nil)
		return
	}
	s.count++
}

// release(): return one count, waking the first waiting acquirer.
func semaphoreRelease(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := b.Receiver().(*Semaphore)
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	if s.limit > 0 && s.count >= s.limit {
		return nil, builtins.ValueError.New("Semaphore released too many times")
	}
	s.put()
	return starlark.None, nil
}

// locked() -> whether acquire would wait.
func semaphoreLocked(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := b.Receiver().(*Semaphore)
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	return starlark.Bool(s.count == 0), nil
}
