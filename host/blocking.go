// This file defines the helpers for an embedder's builtins: Blocking,
// which turns a blocking Go function into a builtin that runs off the hub,
// and NewBuiltin, a builtin under the panic guard.

package host

import (
	"github.com/evscript/evscript/builtins"
	"go.starlark.net/starlark"
)

// BlockingFunc is a Go function that may block (a file, DNS, a database
// driver). It runs on a goroutine of its own while the calling green
// thread is parked; it may read its arguments but must not mutate Starlark
// values or call Starlark functions. ctx is cancelled if the green thread
// is killed meanwhile.
type BlockingFunc = builtins.BlockingFunc

// Blocking returns a builtin named name that calls fn off the hub. Other
// green threads keep running while fn blocks.
func Blocking(name string, fn BlockingFunc) *starlark.Builtin {
	return builtins.NewBlocking(name, fn)
}

// NewBuiltin returns a builtin named name under the panic guard: a Go
// panic in fn becomes a RuntimeError of the calling green thread (a
// *hub.PanicError to Go), never a crash. Builtins given in
// Config.Predeclared and Config.Modules are guarded anyway; NewBuiltin is
// for builtins made elsewhere (values a builtin returns, say). fn runs on
// the hub, in the calling green thread: it must not block (use Blocking).
// NewBuiltin may be called from any goroutine.
func NewBuiltin(name string, fn func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)) *starlark.Builtin {
	return builtins.NewBuiltin(name, fn)
}
