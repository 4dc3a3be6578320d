// Command evscript runs eventlet-style Starlark scripts whose threads are
// green threads on one event loop.
//
// Usage:
//
//	evscript FILE.star [args...]   run a script; sys.argv is [FILE, args...]
//	evscript -c 'source' [args...] run source given on the command line
//
// Exit status: 0 when the main thread returns, the code given to sys.exit,
// 1 for a syntax error or an uncaught error in main, 2 for a deadlock, and
// 130 for a second SIGINT (or SIGTERM) within 2 seconds of the first, which
// raised KeyboardInterrupt in main.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/evscript/evscript/host"
)

func main() { os.Exit(doMain()) }

func usage() {
	fmt.Fprintf(os.Stderr, "usage: evscript [-c source | FILE.star] [args...]\n")
	flag.PrintDefaults()
}

func doMain() int {
	command := flag.String("c", "", "run `source` instead of a file")
	flag.Usage = usage
	flag.Parse()
	raiseFileLimit()

	var filename string
	var src any
	args := flag.Args()
	switch {
	case *command != "":
		filename, src = "<command-line>", *command
	case len(args) > 0:
		filename, args = args[0], args[1:]
	default:
		usage()
		return 2
	}

	h, err := host.New(host.Config{Args: args})
	if err != nil {
		fmt.Fprintf(os.Stderr, "evscript: %v\n", err)
		return 1
	}
	stop := handleSignals(h)
	defer stop()
	_, err = h.ExecFile(context.Background(), filename, src)
	return exitStatus(err)
}

// exitStatus prints err and returns the process's exit status.
func exitStatus(err error) int {
	var xe *host.ExitError
	var de *host.DeadlockError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &xe):
		return xe.Code
	case errors.As(err, &de):
		host.PrintError(os.Stderr, err)
		return 2
	}
	host.PrintError(os.Stderr, err)
	return 1
}

// handleSignals turns SIGINT and SIGTERM into KeyboardInterrupt in the main
// thread; a second one within 2 seconds ends the process with status 130.
func handleSignals(h *host.Host) (stop func()) {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		var last time.Time
		for {
			select {
			case <-ch:
			case <-done:
				return
			}
			if !last.IsZero() && time.Since(last) < 2*time.Second {
				fmt.Fprintln(os.Stderr, "evscript: interrupted twice, exiting")
				os.Exit(130)
			}
			last = time.Now()
			h.Interrupt()
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}

// raiseFileLimit raises the soft limit on open files to the hard limit, so
// that a server can hold as many connections as the machine allows.
func raiseFileLimit() {
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil && lim.Cur < lim.Max {
		lim.Cur = lim.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
}
