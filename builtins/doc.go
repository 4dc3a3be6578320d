// Package builtins is the Starlark surface of evscript: the api, sys,
// coros and channel modules, green threads, timers and exceptions, built on
// package hub. Channels, events, pools, actors, queues and semaphores
// (coros.go and one file per value) park on hub.WaitQueue.
//
// Every script thread is a green thread (GreenThread): a hub task running a
// *starlark.Thread. A Runtime ties a hub to the output streams, the module
// table and the error reporter; Predeclared returns the names every script
// sees.
//
// Starlark has no try/except, so exceptions are values. The predeclared
// classes follow Python's tree (BaseException > Exception, KeyboardInterrupt,
// GreenletExit; Exception > Error, TimeoutError, OSError > ConnectionError >
// ...). Scripts raise with raise_(exc) and catch with catch(fn) and
// try_except(fn, {Class: handler}, else_=, finally_=). Any Starlark runtime
// error or fail() is caught as Error.
//
// The shallow-stack rule. A green thread is a goroutine, and a parked one
// keeps the stack its deepest call ever reached: 4 KiB for a thread that
// parks in the common waits (sleep, channels, events, queues, semaphores,
// readline), 8 KiB once any chain of frames on the way went past that.
// That is most of what an idle connection or a parked thread costs, so the
// functions between a builtin's entry and its park keep their frames
// small: error paths and argument unpacking that is not the common case
// go out of line (//go:noinline), and nothing wraps a park-path builtin
// (not even the panic guard, guard.go). TestParkedStack fails when a park
// path grows.
//
// Unless a doc comment says otherwise, everything here must be called from
// the hub loop or the running green thread.
package builtins
