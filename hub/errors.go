// This file defines the hub's sentinel errors. Their text never changes.

package hub

import (
	"errors"
	"fmt"
	"strings"
)

// timeoutError is the type of ErrTimeout.
type timeoutError struct{}

func (timeoutError) Error() string   { return "timed out" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

var (
	// ErrTimeout is returned by waits whose timeout elapsed.
	// It has a Timeout method that reports true.
	ErrTimeout error = timeoutError{}

	// ErrClosed is returned by operations on a closed FD, and raised in a task
	// parked on an FD that another task closes.
	ErrClosed = errors.New("use of closed file descriptor")

	// ErrHubClosed is raised in every task still parked when the hub closes.
	ErrHubClosed = errors.New("hub closed")

	// ErrNotTask is returned by blocking calls made from a goroutine that is
	// not the running task of a hub.
	ErrNotTask = errors.New("not called from a running hub task")

	// ErrBusy is returned when a second task tries to wait on the same FD in
	// the same direction.
	ErrBusy = errors.New("another task is already waiting on this file descriptor")
)

// DeadlockError is returned by Run when live tasks remain but nothing can
// ever wake them: no timer, no FD waiter, no Await and no Hold.
type DeadlockError struct {
	// Tasks describes each live task, one "name: state (reason)" line each.
	Tasks []string
}

func (e *DeadlockError) Error() string {
	return fmt.Sprintf("all green threads are asleep - deadlock!\n\n%s", strings.Join(e.Tasks, "\n"))
}

// A PanicError is a Go panic recovered in a task (or, by the layer above,
// in one of its calls): Run never lets a panic end the process. Where says
// what panicked ("task NAME", "builtin NAME").
type PanicError struct {
	Where   string
	Value   any    // the value passed to panic
	Stack   []byte // the Go stack at the panic
	Printed bool   // the stack has been reported (set by the layer above)
}

func (e *PanicError) Error() string { return fmt.Sprintf("Go panic in %s: %v", e.Where, e.Value) }

// Unwrap returns the panic value if it is an error (a runtime.Error).
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}
