// Command loadgen is the load generator of the comparison harness in
// tests/bench. It drives a line server over loopback TCP and measures it:
//
//	loadgen echo    [flags] [-- server command]   line ping-pong on -conns connections
//	loadgen chat    [flags] [-- server command]   line chat among -clients clients
//	                                              (-ws PATH: WebSocket clients, a line per text message)
//	loadgen idle    [flags] [-- server command]   server memory per idle connection
//	loadgen parked  [flags] -- command            memory per parked green thread
//	loadgen startup [flags] -- command            wall time of a one-line script
//	loadgen wrk     [flags] [-- server command]   HTTP load from wrk: hello, Connection: close, POST echo
//	loadgen longpoll [flags] [-- server command]  server memory per held HTTP long-poll
//
// The server is either already running at -addr (give -pid to measure its
// CPU and memory), or the command after "--", which loadgen starts on a free
// port (the port replaces "{port}" in the command, or is appended to it),
// waits for a line that contains the port (for wrk and longpoll: until the
// port accepts connections), measures, and kills. Every
// result is printed to stderr for people and, with -json FILE, appended to
// FILE as one JSON object per line for tests/bench/report.py.
//
// Every loop is bounded in count and time, and only 127.0.0.1 is ever
// contacted. loadgen raises its soft limit on open files to the hard limit
// first (the servers it starts inherit it).
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
)

// options are the flags shared by every subcommand.
type options struct {
	addr     string
	pid      int
	label    string
	jsonFile string
	warmup   time.Duration
	duration time.Duration
	size     int
	quiet    float64       // wait until other work uses less than this many cores
	quietFor time.Duration // but no longer than this
	command  []string      // server command, after "--"
	sub      string        // the subcommand, for the results
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	raiseFileLimit()
	var err error
	switch os.Args[1] {
	case "echo":
		err = mainEcho(os.Args[2:])
	case "chat":
		err = mainChat(os.Args[2:])
	case "idle":
		err = mainIdle(os.Args[2:])
	case "parked":
		err = mainParked(os.Args[2:])
	case "startup":
		err = mainStartup(os.Args[2:])
	case "wrk":
		err = mainWrk(os.Args[2:])
	case "longpoll":
		err = mainLongpoll(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: loadgen echo|chat|idle|parked|startup|wrk|longpoll [flags] [-- command]\n"+
		"run loadgen SUBCOMMAND -h for the flags")
	os.Exit(2)
}

// newFlags returns a FlagSet with the shared flags bound to o.
func newFlags(name string, o *options) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ExitOnError)
	o.sub = name
	fs.StringVar(&o.addr, "addr", "", "`host:port` of a running server on 127.0.0.1 (instead of a command)")
	fs.IntVar(&o.pid, "pid", 0, "process id of the server at -addr, to read its CPU time and memory")
	fs.StringVar(&o.label, "label", "", "name of the server in the results (eventlet, go, evscript...)")
	fs.StringVar(&o.jsonFile, "json", "", "append the result as one JSON line to `file`")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "load before measuring")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "measured time")
	fs.IntVar(&o.size, "size", 48, "bytes per line, newline included (at least 40)")
	fs.Float64Var(&o.quiet, "quiet", 0, "before starting, wait until the machine's other work uses less than this many cores (0: do not wait)")
	fs.DurationVar(&o.quietFor, "quiet-wait", 30*time.Second, "wait at most this long for -quiet")
	return fs
}

// parse parses args into fs and o: flags, then an optional "--" and the
// server command.
func parse(fs *flag.FlagSet, o *options, args []string) error {
	var command []string
	for i, a := range args {
		if a == "--" {
			args, command = args[:i], args[i+1:]
			break
		}
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q (the server command goes after --)", fs.Args())
	}
	o.command = command
	if o.size < minLineSize {
		return fmt.Errorf("-size %d: lines need at least %d bytes", o.size, minLineSize)
	}
	if o.label == "" && len(command) > 0 {
		o.label = command[len(command)-1]
	}
	return nil
}

// commandString renders a command line for the results.
func commandString(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t'\"\\$") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		quoted[i] = a
	}
	return strings.Join(quoted, " ")
}

// raiseFileLimit sets the soft limit on open files to the hard limit: the
// idle benchmark holds 10,000 connections.
func raiseFileLimit() {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen: getrlimit:", err)
		return
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			fmt.Fprintln(os.Stderr, "loadgen: setrlimit:", err)
		}
	}
}
