// Command evscript runs eventlet-style Starlark scripts whose threads are
// green threads on one event loop.
//
// Usage:
//
//	evscript FILE.star [args...]   run a script; sys.argv is [FILE, args...]
//	evscript -c 'source' [args...] run source given on the command line
//	evscript                       start the console (REPL)
//	evscript -i FILE.star          run a script, then stay in the console
//	evscript --backdoor ADDR ...   also serve a console to TCP clients of ADDR
//	evscript --blocking SECONDS ...  report a green thread that holds the hub longer
//	evscript --workers N FILE.star run N processes of the script sharing its ports
//	evscript --hub NAME ...        wait with the hub NAME (epoll, io_uring, kqueue,
//	                               poll, select); EVSCRIPT_HUB=NAME does the same
//
// With --workers N (0: one per core) the process only supervises: it runs
// N workers, each the same command line without --workers, whose TCP
// listeners all have SO_REUSEPORT, so that the kernel spreads the
// connections of a port among them; a worker that dies is restarted
// (stderr says so); SIGINT and SIGTERM go to every worker, and the parent
// exits when they all have, with status 0 when they all exited 0
// (workers.go).
//
// The console reads Starlark at a prompt with line editing, history and Tab
// completion while the green threads it spawned keep running; with stdin
// not a terminal it reads statements from stdin without editing. Ctrl-C
// interrupts the running statement, Ctrl-D ends the process.
//
// Exit status: 0 when the main thread returns, the code given to sys.exit,
// 1 for a syntax error or an uncaught error in main, 2 for a deadlock, 130
// for an uncaught KeyboardInterrupt (Ctrl-C, as Python) and for a second
// SIGINT (or SIGTERM) within 2 seconds of the first, and 120 for a run that would have
// exited 0 but could not write all of its standard output (its reader
// went away: see stdout.go).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/evscript/evscript/host"
)

func main() { os.Exit(doMain()) }

// hubName is the --hub flag: the hub of every host the command makes
// (empty: EVSCRIPT_HUB's, or the system's default).
var hubName string

func usage() {
	fmt.Fprintf(os.Stderr, "usage: evscript [-i] [--backdoor host:port] [--blocking seconds] [--hub name] [--workers n] [-c source | FILE.star] [args...]\n")
	flag.PrintDefaults()
}

func doMain() int {
	command := flag.String("c", "", "run `source` instead of a file")
	interactive := flag.Bool("i", false, "stay in the console after the script ran")
	backdoor := flag.String("backdoor", "", "serve a console to TCP clients of `address` (host:port; no host means 127.0.0.1)")
	blocking := flag.Float64("blocking", 0, "report (on stderr, with its backtrace) a green thread that holds the hub longer than `seconds`, as debug.hub_blocking_detection does")
	flag.StringVar(&hubName, "hub", "", "wait with the hub `name`: epoll or io_uring (Linux), kqueue (macOS, FreeBSD), poll or select (default: $EVSCRIPT_HUB, or epoll or kqueue)")
	flag.Usage = usage
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to `file`")
	memprofile := flag.String("memprofile", "", "write a heap profile to `file` when the script (or the console) ends")
	workers := flag.Int("workers", -1, "run `n` worker processes of the script sharing its listening ports (0: one per core)")
	flag.Parse()
	if *workers >= 0 {
		return superviseWorkers(*workers, *interactive, *backdoor != "", *command != "" || flag.NArg() > 0)
	}
	ignoreSIGPIPE()
	if *cpuprofile != "" {
		stop, err := startCPUProfile(*cpuprofile)
		if err != nil {
			fmt.Fprintf(os.Stderr, "evscript: %v\n", err)
			return 2
		}
		defer stop()
	}
	raiseFileLimit()
	tuneGC()
	setProcs()
	if *blocking < 0 || *blocking != *blocking {
		fmt.Fprintf(os.Stderr, "evscript: --blocking wants a positive number of seconds\n")
		return 2
	}
	block := time.Duration(*blocking * float64(time.Second))

	var filename string
	var src any
	args := flag.Args()
	switch {
	case *command != "":
		filename, src = "<command-line>", *command
	case len(args) > 0:
		filename, args = args[0], args[1:]
	}
	if filename == "" || *interactive {
		code := console(filename, src, args, *backdoor, block)
		if *memprofile != "" {
			if err := writeHeapProfile(*memprofile); err != nil {
				fmt.Fprintf(os.Stderr, "evscript: %v\n", err)
			}
		}
		return code
	}

	stdout := &errorWriter{w: os.Stdout}
	h, err := host.New(host.Config{Args: args, Stdout: stdout, Blocking: block, ReusePort: isWorker(), Hub: hubName})
	if err != nil {
		fmt.Fprintf(os.Stderr, "evscript: %v\n", err)
		return 1
	}
	if *backdoor != "" && !serveBackdoor(h, *backdoor) {
		return 1
	}
	stop := handleSignals(h)
	defer stop()
	_, err = h.ExecFile(context.Background(), filename, src)
	if *memprofile != "" {
		if err := writeHeapProfile(*memprofile); err != nil {
			fmt.Fprintf(os.Stderr, "evscript: %v\n", err)
		}
	}
	return withLostOutput(exitStatus(err), stdout)
}

// exitStatus prints err and returns the process's exit status
// (host.ExitStatus: 130 for an uncaught KeyboardInterrupt, as Python).
func exitStatus(err error) int {
	host.PrintError(os.Stderr, err)
	return host.ExitStatus(err)
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

// serveBackdoor starts the backdoor server of --backdoor and says where it
// listens.
func serveBackdoor(h *host.Host, address string) bool {
	addr, err := h.ServeBackdoor(address)
	if err != nil {
		fmt.Fprintf(os.Stderr, "evscript: %v\n", err)
		return false
	}
	fmt.Fprintf(os.Stderr, "evscript: backdoor console on %s\n", addr)
	return true
}

// console runs the REPL, after the script filename if there is one, and
// returns the exit status.
func console(filename string, src any, args []string, backdoor string, blocking time.Duration) int {
	interactive := isTerminal(os.Stdin) && isTerminal(os.Stdout)
	var stdout, stderr io.Writer = os.Stdout, os.Stderr
	var p prompter
	if interactive {
		term := newTerminal(nil)
		stdout, stderr = term.Writer(os.Stdout), term.Writer(os.Stderr)
		p = newLinerPrompter(term)
	} else {
		var echo io.Writer
		if isTerminal(os.Stdin) {
			echo = os.Stderr
		}
		p = newPlainPrompter(os.Stdin, echo)
	}
	defer p.Close()
	h, err := host.New(host.Config{Args: args, Stdout: stdout, Stderr: stderr, Blocking: blocking, Hub: hubName})
	if err != nil {
		fmt.Fprintf(os.Stderr, "evscript: %v\n", err)
		return 1
	}
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(signals)
	h.Start()
	r := &repl{h: h, s: h.NewSession(), p: p, stdout: stdout, stderr: stderr,
		// Piped input stops at its first error, as python3 < file does;
		// with -i, as python3 -i, the console goes on.
		interactive: interactive, stopOnError: !isTerminal(os.Stdin) && filename == ""}
	if !isTerminal(os.Stdin) {
		r.s.LinesFromStart() // a piped script's errors name its own lines
	}
	if backdoor != "" && !serveBackdoor(h, backdoor) {
		return 1
	}
	ctx := context.Background()
	if filename != "" {
		_, err := r.wait(signals, func() (string, error) {
			return "", r.s.ExecFile(ctx, filename, src)
		})
		if code, exit := r.report("", err); exit {
			h.FlushOutput()
			return code
		}
	}
	if interactive {
		fmt.Fprintln(stderr, "evscript console: green threads run while you type. Ctrl-C interrupts, Ctrl-D exits.")
	}
	code := r.run(ctx, signals)
	h.FlushOutput()
	return code
}
