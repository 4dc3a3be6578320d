// This file defines the poller: the part of the hub that waits for file
// descriptors, behind one interface with an implementation per system call
// (epoll, io_uring, kqueue, poll, select), each in its own file. Everything else —
// the run queue, timers, turns, the readiness latches of FD — is shared,
// so every poller gives the same scheduling order.
//
// The contract the loop relies on:
//
//	open(n, wake)       create the poller; wake's descriptor is watched
//	                    for reading, and wake.drain called when it fires
//	register(fd)        add fd once, when it is created
//	unregister(fd)      remove fd before it is closed
//	wait(h, timeout)    block up to timeout (<0: forever), calling
//	                    h.fdEvent or fd.event once per ready FD
//	close()             release the poller's own descriptors
//
// Edge-triggered pollers (epoll, kqueue) report each FD's transitions.
// Level-triggered ones (poll, select) emulate them: they watch a direction
// only while the FD's latch for it is down (FD.wants), so an FD that is
// ready and latched costs nothing and never wakes the loop again.

package hub

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"sync"
	"time"
)

// Event bits passed to FD.event, whatever the poller.
const (
	evRead  = 1 << iota // readable, or at end of stream, or in error
	evWrite             // writable, or in error
	evHup               // hang-up or error: reads must not infer emptiness
)

// A poller waits for the hub's file descriptors. It is used on the loop
// only; the wake-up, which any goroutine may use, is the hub's wakeup.
type poller interface {
	register(fd *FD) error
	unregister(fd *FD) error
	wait(h *Hub, timeout time.Duration) error
	close() error
}

// A pollerKind names a poller and opens one. An edge poller reports, when
// an FD is registered, the readiness it already has, so an FD may be
// registered late, only once a call must wait (NewSocketFD); the others
// take every FD at once, so that select refuses one past its set there.
//
// A poller the kernel may refuse (io_uring: a seccomp filter, the sysctl
// kernel.io_uring_disabled, an old kernel) names a fallback: when its
// open fails with an error wrapping errRefused, the hub gets the fallback
// instead, and the reason is printed once to standard error.
type pollerKind struct {
	name     string
	open     func(maxEvents int, w *wakeup) (poller, error)
	edge     bool
	fallback string
}

// errRefused is wrapped by a poller's open when the kernel refuses the
// system call itself, so that its fallback is tried.
var errRefused = errors.New("refused by the kernel")

// fellBack reports each refused poller once per process.
var fellBack sync.Map

// openPoller opens k, or its fallback when the kernel refuses k, and
// returns the kind it opened.
func openPoller(k pollerKind, maxEvents int, w *wakeup) (poller, pollerKind, error) {
	p, err := k.open(maxEvents, w)
	if err == nil || k.fallback == "" || !errors.Is(err, errRefused) {
		return p, k, err
	}
	fb, ferr := lookupPoller(k.fallback)
	if ferr != nil {
		return nil, k, err
	}
	if _, told := fellBack.LoadOrStore(k.name, true); !told {
		fmt.Fprintf(os.Stderr, "evscript: hub %s unavailable (%v); using %s\n", k.name, err, fb.name)
	}
	p, err = fb.open(maxEvents, w)
	return p, fb, err
}

// PollerEnv is the environment variable that chooses the poller of every
// hub whose Config.Poller is empty: what `evscript --hub` and tests use.
const PollerEnv = "EVSCRIPT_HUB"

// ErrNoPoller is returned for a poller name that this system does not have.
var ErrNoPoller = errors.New("no such hub")

// ErrFDTooLarge is returned by the select poller for a descriptor of
// FD_SETSIZE (1024) or more, which select(2) cannot watch. It wraps EINVAL,
// so scripts see it as an OSError.
var ErrFDTooLarge = fmt.Errorf("the select hub takes descriptors under %d only (use another hub): %w",
	fdSetSize, errInvalid)

// ErrPollerInUse is returned by SetPoller once the hub has had an FD or a
// timer: the poller can only be chosen before.
var ErrPollerInUse = errors.New("the hub can only be changed before any socket or timer is made")

// Pollers returns the names of the pollers this system has, the default
// first.
// It is safe to call from any goroutine.
func Pollers() []string {
	names := make([]string, len(osPollers))
	for i, k := range osPollers {
		names[i] = k.name
	}
	return names
}

// DefaultPoller returns the best poller of this system: "epoll" on Linux,
// "kqueue" on macOS and FreeBSD. It ignores PollerEnv.
// It is safe to call from any goroutine.
func DefaultPoller() string { return osPollers[0].name }

// CanonicalPoller returns the canonical name of a poller, accepting
// eventlet's spellings ("epolls", "selects"); it returns ErrNoPoller,
// wrapped with the names this system has, for any other.
// It is safe to call from any goroutine.
func CanonicalPoller(name string) (string, error) {
	k, err := lookupPoller(name)
	if err != nil {
		return "", err
	}
	return k.name, nil
}

// lookupPoller finds the pollerKind of name or an eventlet spelling of it.
func lookupPoller(name string) (pollerKind, error) {
	canon := name
	switch name {
	case "epolls":
		canon = "epoll"
	case "selects":
		canon = "select"
	}
	for _, k := range osPollers {
		if k.name == canon {
			return k, nil
		}
	}
	return pollerKind{}, fmt.Errorf("%w %q on this system (it has %s)", ErrNoPoller, name, strings.Join(Pollers(), ", "))
}

// choosePoller returns the poller of a new hub: name, or PollerEnv when
// name is empty, or the default when both are.
func choosePoller(name string) (pollerKind, error) {
	if name == "" {
		name = os.Getenv(PollerEnv)
		if name == "" {
			return osPollers[0], nil
		}
		k, err := lookupPoller(name)
		if err != nil {
			return k, fmt.Errorf("%s: %w", PollerEnv, err)
		}
		return k, nil
	}
	return lookupPoller(name)
}

// PollerName returns the canonical name of the hub's poller ("epoll",
// "io_uring", "kqueue", "poll" or "select"): the fallback's when the
// kernel refused the poller asked for.
// It must be called from the hub loop or the running task.
func (h *Hub) PollerName() string { return h.pollerName }

// SetPoller replaces the hub's poller by the one named (any spelling
// CanonicalPoller takes). It returns ErrPollerInUse once the hub has made
// an FD or a timer, and ErrNoPoller for a name this system lacks.
// It must be called from the hub loop or the running task.
func (h *Hub) SetPoller(name string) error {
	k, err := lookupPoller(name)
	if err != nil {
		return err
	}
	if k.name == h.pollerName {
		return nil
	}
	if h.usedIO || h.seq > 0 {
		return ErrPollerInUse
	}
	p, k, err := openPoller(k, h.maxEvents, h.wakeup)
	if err != nil {
		return err
	}
	if k.name == h.pollerName {
		return p.close() // refused, and the fallback is the hub's poller
	}
	old := h.poller
	h.poller, h.pollerName, h.lateFDs = p, k.name, k.edge
	return old.close()
}

// waitMillis converts a wait's timeout to the milliseconds of epoll_wait
// and poll: rounded up, so that timers never fire early; -1 is forever.
func waitMillis(timeout time.Duration) int {
	if timeout < 0 {
		return -1
	}
	if timeout >= time.Duration(math.MaxInt32)*time.Millisecond {
		return math.MaxInt32 // an int: a longer wait is woken early and retried
	}
	return int((timeout + time.Millisecond - 1) / time.Millisecond)
}

// EnvPoller returns the canonical name of the poller a hub gets when its
// Config.Poller is empty: PollerEnv's, or DefaultPoller when PollerEnv is
// empty or names no poller of this system (New then fails). Tests use it
// to skip what a poller cannot do (select and descriptors past 1024).
// It is safe to call from any goroutine.
func EnvPoller() string {
	k, err := choosePoller("")
	if err != nil {
		return DefaultPoller()
	}
	return k.name
}
