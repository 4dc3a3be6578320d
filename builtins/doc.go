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
// Unless a doc comment says otherwise, everything here must be called from
// the hub loop or the running green thread.
package builtins
