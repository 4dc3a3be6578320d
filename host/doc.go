// Package host embeds the evscript runtime in Go programs: it runs
// eventlet-style Starlark scripts whose threads are green threads on one
// hub, and lets the program add its own modules and builtins.
//
// A Host is made by New from a Config whose zero value is ready to use.
// ExecFile runs a script until its main thread returns, as the evscript
// command does. Start and Call keep the hub running in the background so
// that Go code can call into scripts while their green threads serve.
//
// Methods of Host may be called from any goroutine unless their comment
// says otherwise, but ExecFile, Start and Close must not run at the same
// time.
package host
