// Package builtins is the core of evscript's Starlark surface, built on
// package hub: the Runtime, green threads, exceptions with catch and
// try_except, timers and the api module, script output, the console core,
// and the net layer (green sockets, files, pipes, TLS, waitables). The
// script modules are packages of their own under stdlib/, listed in
// stdlib.Modules; each is data (a Module) made of this package's API.
//
// Every script thread is a green thread (GreenThread): a hub task running a
// *starlark.Thread. A Runtime ties a hub to the output streams, the module
// table and the error reporter; Predeclared returns the names every script
// sees.
//
// The API for modules (all of it must be called from the hub loop or the
// running green thread unless its comment says otherwise):
//
//   - registering a module: Module and Func (a module is data; the host
//     makes the modules of its list with Runtime.Predeclared);
//   - finding the current task: TaskOf, Runtime.TaskFor, Current;
//   - spawning: Runtime.Spawn, Runtime.SpawnFunc (a Go body), Runtime.Run;
//     NewBlocking for a builtin that runs off the hub while its green
//     thread parks;
//   - parking on a waitable: hub.WaitQueue with Delivery, Settle, WaitErr,
//     Taken and Granted (waiting.go), FastTimeout, Seconds and OptSeconds;
//   - raising script exceptions: the classes (ValueError, OSError, ...),
//     Class.New, OptException, Runtime.ToException, Runtime.Fatal,
//     Runtime.Report;
//   - values with methods: Methods and Bound, NoArgs, OneArg, IdentityHash;
//   - making a green socket or file from a descriptor: Runtime.NewSocket,
//     Runtime.NewStreamFile;
//   - a green net.Conn over a socket, for Go libraries: Socket.NetConn;
//   - connecting from Go (a client's connection pool): DialTCP, DialTLS,
//     and Socket.Idle to check a kept-alive connection before reuse;
//   - an exception that carries data (httpc.HTTPError): Class.NewAttrs;
//   - guarding a builtin against Go panics: NewBuiltin, Guard.
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
// readline and recv before they have read), 8 KiB once any chain of frames
// on the way went past that (a read itself goes deeper than its park).
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
