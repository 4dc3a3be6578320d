// This file defines evscript --workers N: a supervising parent that runs no
// script. It starts N worker processes of its own binary on the same
// command line, with EVSCRIPT_WORKER=K in their environment, which turns
// SO_REUSEPORT on for every TCP listener they open (host.Config.ReusePort):
// the kernel then spreads the connections of a shared port among them. A
// worker that dies is restarted (after a pause that grows while it keeps
// failing at start); SIGINT and SIGTERM are forwarded to every worker, and
// the parent exits once all have. Workers are killed if the parent dies.

package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"
	"time"
)

// workerEnv names the environment variable that marks a worker process
// and holds its number, 1 to N.
const workerEnv = "EVSCRIPT_WORKER"

// isWorker reports whether this process was started by --workers.
func isWorker() bool { return os.Getenv(workerEnv) != "" }

// A supervisor starts, restarts and stops the worker processes. Its
// methods run on the goroutine that called run.
type supervisor struct {
	exe    string               // the binary, os.Executable
	args   func(k int) []string // worker K's arguments (without the program name)
	stderr io.Writer

	// A worker that exits sooner than minUptime after its start failed at
	// start: its restart waits backoff, doubled at each such failure up to
	// maxBackoff, and after maxQuick of them in a row it is not restarted.
	minUptime, backoff, maxBackoff time.Duration
	maxQuick                       int
}

// A worker is one process slot of the supervisor.
type worker struct {
	k       int
	cmd     *exec.Cmd // the current process; nil before the first start
	started time.Time
	running bool
	quick   int           // failures at start in a row
	pause   time.Duration // the pause before the next restart
	status  int           // the exit status of its last process
}

// exited is what a worker's waiting goroutine reports.
type exited struct {
	w     *worker
	state *os.ProcessState
}

// newSupervisor returns the supervisor of the command line parsed by the
// flag package: each worker gets the flags that were set, but --workers,
// and the arguments; profile files get the worker's number appended.
func newSupervisor() (*supervisor, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	var set []*flag.Flag
	flag.Visit(func(f *flag.Flag) {
		if f.Name != "workers" {
			set = append(set, f)
		}
	})
	rest := flag.Args()
	args := func(k int) []string {
		var a []string
		for _, f := range set {
			v := f.Value.String()
			if f.Name == "cpuprofile" || f.Name == "memprofile" {
				v += "." + strconv.Itoa(k)
			}
			a = append(a, "-"+f.Name+"="+v)
		}
		return append(append(a, "--"), rest...)
	}
	return &supervisor{
		exe: exe, args: args, stderr: os.Stderr,
		minUptime: time.Second, backoff: 100 * time.Millisecond, maxBackoff: 5 * time.Second,
		maxQuick: 5,
	}, nil
}

// superviseWorkers is evscript --workers n: it checks that the command
// line runs a script, without a console, and supervises the workers.
func superviseWorkers(n int, interactive, backdoor, script bool) int {
	switch {
	case interactive || !script:
		fmt.Fprintln(os.Stderr, "evscript: --workers runs a script (FILE.star or -c), not the console")
		return 2
	case backdoor:
		fmt.Fprintln(os.Stderr, "evscript: --workers and --backdoor cannot be used together (the workers would share one console port)")
		return 2
	}
	s, err := newSupervisor()
	if err != nil {
		fmt.Fprintf(os.Stderr, "evscript: %v\n", err)
		return 1
	}
	return s.run(workerCount(n))
}

// workerCount is n of --workers n: 0 means one per core.
func workerCount(n int) int {
	if n == 0 {
		return runtime.NumCPU()
	}
	return n
}

// run starts n workers and supervises them until all have ended: by
// themselves with status 0 (a script that finished is not restarted),
// given up on, or after a signal. It returns 0 when every worker's last
// process exited 0, else the first other status.
func (s *supervisor) run(n int) int {
	// Every worker is started from this goroutine, locked to its thread:
	// the kernel sends Pdeathsig when the thread that forked a child ends,
	// and this one lives as long as the process.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	exits := make(chan exited, n)
	restarts := make(chan *worker, n)
	workers := make([]*worker, n)
	live, pending := 0, 0
	for i := range workers {
		workers[i] = &worker{k: i + 1}
		if s.start(workers[i], exits) {
			live++
		}
	}
	stopping := false
	for live > 0 || (pending > 0 && !stopping) {
		select {
		case sig := <-sigs:
			stopping = true
			for _, w := range workers {
				if w.running {
					w.cmd.Process.Signal(sig)
				}
			}
		case e := <-exits:
			live--
			e.w.running = false
			e.w.status = statusOf(e.state)
			if stopping || e.w.status == 0 {
				continue
			}
			if s.restartLater(e.w, e.state, restarts) {
				pending++
			}
		case w := <-restarts:
			pending--
			if !stopping && s.start(w, exits) {
				live++
			}
		}
	}
	for _, w := range workers {
		if w.status != 0 {
			return w.status
		}
	}
	return 0
}

// start starts a process for w and a goroutine that reports its end on
// exits. A worker that cannot be started is reported and keeps status 1.
func (s *supervisor) start(w *worker, exits chan<- exited) bool {
	cmd := exec.Command(s.exe, s.args(w.k)...)
	cmd.Env = append(os.Environ(), workerEnv+"="+strconv.Itoa(w.k))
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.SysProcAttr = workerProcAttr() // workers_linux.go, workers_other.go
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(s.stderr, "evscript: worker %d: %v\n", w.k, err)
		w.status = 1
		return false
	}
	w.cmd, w.started, w.running = cmd, time.Now(), true
	go func() {
		cmd.Wait()
		exits <- exited{w, cmd.ProcessState}
	}()
	return true
}

// restartLater reports w's end and schedules its restart on restarts,
// after a pause if it failed at start; after maxQuick failures at start in
// a row it gives up on w and returns false.
func (s *supervisor) restartLater(w *worker, state *os.ProcessState, restarts chan<- *worker) bool {
	pid := w.cmd.Process.Pid
	if time.Since(w.started) < s.minUptime {
		w.quick++
		w.pause = min(max(2*w.pause, s.backoff), s.maxBackoff)
	} else {
		w.quick, w.pause = 0, 0
	}
	if w.quick >= s.maxQuick {
		fmt.Fprintf(s.stderr, "evscript: worker %d (pid %d) exited (%s); it failed %d times in a row within %v of its start: not restarting\n",
			w.k, pid, state, w.quick, s.minUptime)
		return false
	}
	fmt.Fprintf(s.stderr, "evscript: worker %d (pid %d) exited (%s); restarting\n", w.k, pid, state)
	time.AfterFunc(w.pause, func() { restarts <- w })
	return true
}

// statusOf is the exit status a shell would report for state: the exit
// code, or 128 plus the signal that killed the process.
func statusOf(state *os.ProcessState) int {
	if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return state.ExitCode()
}
