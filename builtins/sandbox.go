// This file defines the runtime's side of a sandbox: the budgets a host
// sets (Limits) and the stand-in for a module the host did not grant
// (Ungranted). Which modules are granted is the host's choice; the host
// puts an Ungranted value in the place of each module it withholds.

package builtins

import (
	"fmt"
	"sort"
	"syscall"

	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
)

// Limits are the budgets of a runtime; zero means no limit.
type Limits struct {
	// MaxSteps bounds the Starlark steps a green thread takes in one
	// slice, from a switch in to its next wait: past it, that thread gets
	// a RuntimeError at its next step (and again after as many steps if
	// it catches the error and goes on without waiting).
	MaxSteps uint64
	// MaxThreads bounds the live green threads: spawn and call_after
	// raise RuntimeError when that many are alive.
	MaxThreads int
	// MaxFDs bounds the open descriptors (sockets, pipes, files): making
	// one more raises OSError (EMFILE); an accepted connection past it is
	// closed at once.
	MaxFDs int
	// MaxQueued bounds the bytes queued for sending on every connection
	// together: a write that would pass it raises OSError and queues
	// nothing.
	MaxQueued int
}

// Limits returns the runtime's budgets.
// It must be called from the hub loop or the running green thread.
func (rt *Runtime) Limits() Limits { return rt.limits }

// SetLimits sets the runtime's budgets.
// It must be called from the hub loop or the running green thread, or
// before the hub runs.
func (rt *Runtime) SetLimits(l Limits) {
	rt.limits = l
	rt.updateHook()
}

// PermissionError is raised by a sandboxed script that reaches past what
// its host granted: an ungranted module, sys.exit, a file outside the
// load root.
var PermissionError = &Class{"PermissionError", OSError}

// stepsError is the error of a thread past its step budget.
//
//go:noinline
func stepsError(g *GreenThread, max uint64) error {
	return RuntimeError.New(fmt.Sprintf("green thread %q ran %d Starlark steps without waiting: the host's step budget (sandbox MaxSteps)", g.name, max))
}

// checkSpawn returns the error of a spawn past MaxThreads.
func (rt *Runtime) checkSpawn(fname string) error {
	if m := rt.limits.MaxThreads; m > 0 && rt.Hub.Live() >= m {
		return RuntimeError.New(fmt.Sprintf("%s: %d green threads are alive: the host's limit (sandbox MaxThreads)", fname, rt.Hub.Live()))
	}
	return nil
}

// errFDLimit is the error of a descriptor past MaxFDs.
type errFDLimit struct{ n int }

func (e errFDLimit) Error() string {
	return fmt.Sprintf("%d descriptors are open: the host's limit (sandbox MaxFDs)", e.n)
}
func (e errFDLimit) Unwrap() error { return syscall.EMFILE }

// checkFDs returns the error of opening n more descriptors past MaxFDs.
func (rt *Runtime) checkFDs(n int) error {
	if m := rt.limits.MaxFDs; m > 0 && rt.Hub.OpenFDs()+n > m {
		return errFDLimit{rt.Hub.OpenFDs()}
	}
	return nil
}

// checkQueued returns the error of queueing n more bytes past MaxQueued.
// Out of line: the write path calls it only when the limit is set.
//
//go:noinline
func (rt *Runtime) checkQueued(n int) error {
	if q := rt.Hub.Queued(); q+n > rt.limits.MaxQueued {
		return OSError.New(fmt.Sprintf("%d bytes are queued for sending and this write adds %d: the host's limit (sandbox MaxQueued)", q, n))
	}
	return nil
}

// An Ungranted is what a sandboxed script sees in the place of a module
// its host did not grant: any use of it raises PermissionError naming
// the grant that is missing.
type Ungranted struct {
	name, grant string
	names       []string
}

var _ starlark.HasAttrs = (*Ungranted)(nil)

// NewUngranted returns the stand-in for module, a module value (or nil),
// whose use needs grant. Its attribute names are the module's, so that a
// console completes them, but every access fails. It may be called from
// any goroutine; the value is immutable.
func NewUngranted(module, grant string, v starlark.Value) *Ungranted {
	u := &Ungranted{name: module, grant: grant}
	if m, ok := v.(starlark.HasAttrs); ok {
		u.names = m.AttrNames()
		sort.Strings(u.names)
	}
	return u
}

// Err returns the error of using u's member attr ("" for u itself).
func (u *Ungranted) Err(attr string) error {
	what := u.name
	if attr != "" {
		what += "." + attr
	}
	return PermissionError.New(fmt.Sprintf("%s: not granted by the host's sandbox (grant %q)", what, u.grant))
}

func (u *Ungranted) String() string        { return "<module " + u.name + " (not granted)>" }
func (u *Ungranted) Type() string          { return "module" }
func (u *Ungranted) Freeze()               {}
func (u *Ungranted) Truth() starlark.Bool  { return true }
func (u *Ungranted) Hash() (uint32, error) { return starlark.String(u.name).Hash() }

// Attr fails for every name.
func (u *Ungranted) Attr(name string) (starlark.Value, error) { return nil, u.Err(name) }

// AttrNames returns the names of the module it stands for.
func (u *Ungranted) AttrNames() []string { return u.names }

// NewUngrantedFunc returns a builtin named name that raises
// PermissionError naming grant when called: sys.exit, or api.connect_tcp
// without the socket grant. It may be called from any goroutine.
func NewUngrantedFunc(name, grant string) *starlark.Builtin {
	return starlark.NewBuiltin(name, func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
		return nil, PermissionError.New(fmt.Sprintf("%s: not granted by the host's sandbox (grant %q)", name, grant))
	})
}

// newFD registers sysfd with the hub, within MaxFDs. On error the caller
// closes sysfd.
func (rt *Runtime) newFD(sysfd int) (*hub.FD, error) {
	if rt.limits.MaxFDs > 0 {
		if err := rt.checkFDs(1); err != nil {
			return nil, err
		}
	}
	return rt.Hub.NewFD(sysfd)
}

// newAcceptedFD is newFD for a socket accept4 made non-blocking: the hub
// registers it only when a call must wait (hub.NewSocketFD). On error
// sysfd is closed.
func (rt *Runtime) newAcceptedFD(sysfd int) (*hub.FD, error) {
	if rt.limits.MaxFDs > 0 {
		if err := rt.checkFDs(1); err != nil {
			closeFD(sysfd)
			return nil, err
		}
	}
	fd, err := rt.Hub.NewSocketFD(sysfd)
	if err != nil {
		closeFD(sysfd) // refused by the poller (select: descriptor 1024 or more)
	}
	return fd, err
}

// spawnLater is call_after's spawn when its timer fires: past MaxThreads
// the call is dropped, and stderr says so (no green thread is there to
// raise in).
func (rt *Runtime) spawnLater(fname string, fn starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) {
	if err := rt.checkSpawn(fname); err != nil {
		fmt.Fprintf(rt.stderr(), "evscript: %s; the call was dropped\n", errorText(err))
		return
	}
	rt.Spawn("", fn, args, kwargs)
}
