// This file defines the two benchmarks that run a command rather than load
// a server: parked (memory per parked green thread) and startup (wall time
// of a one-line script).

package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"time"
)

func mainParked(args []string) error {
	var o options
	fs := newFlags("parked", &o)
	n := fs.Int("n", 100000, "green threads to park; replaces {n} in the command, or is appended")
	if err := parse(fs, &o, args); err != nil {
		return err
	}
	r, err := runParked(o.command, *n)
	if err != nil {
		r = &result{Case: "parked", Conns: *n}
	}
	return emit(&o, r, err, args)
}

// runParked runs command with {n} = 0 and {n} = n; each run prints a line
// containing "ready" once its threads are parked, and its VmRSS is read
// then. The difference, divided by n, is the memory per parked thread.
func runParked(command []string, n int) (*result, error) {
	if len(command) == 0 || n < 1 {
		return nil, fmt.Errorf("parked needs -n >= 1 and a command after --")
	}
	r := &result{Case: "parked", Conns: n}
	for i, k := range []int{0, n} {
		args := substitute(command, "{n}", strconv.Itoa(k))
		t, err := startProcess(args, "ready")
		if err != nil {
			return nil, err
		}
		m, err := rss(t.pid)
		t.stop()
		if err != nil {
			return nil, err
		}
		if i == 0 {
			r.RSSBefore = m
		} else {
			r.RSSAfter, r.Command = m, t.command
		}
	}
	r.KiBPerItem = float64(r.RSSAfter-r.RSSBefore) / 1024 / float64(n)
	return r, nil
}

func mainStartup(args []string) error {
	var o options
	fs := newFlags("startup", &o)
	n := fs.Int("n", 20, "runs")
	want := fs.String("want", "1\n", "the standard output every run must print")
	if err := parse(fs, &o, args); err != nil {
		return err
	}
	r, err := runStartup(o.command, *n, *want)
	if err != nil {
		r = &result{Case: "startup"}
	}
	return emit(&o, r, err, args)
}

// runStartup runs command n times, one after the other, and records each
// run's wall time from start to exit.
func runStartup(command []string, n int, want string) (*result, error) {
	if len(command) == 0 || n < 1 {
		return nil, fmt.Errorf("startup needs -n >= 1 and a command after --")
	}
	const runTimeout = 30 * time.Second
	r := &result{Case: "startup", Command: commandString(command)}
	for range n {
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
		cmd := exec.CommandContext(ctx, command[0], command[1:]...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		start := time.Now()
		err := cmd.Run()
		d := time.Since(start)
		cancel()
		if err != nil || out.String() != want {
			return nil, fmt.Errorf("%s: %v, printed %q, want %q\n%s", r.Command, err, out.String(), want, errb.String())
		}
		r.Ms = append(r.Ms, float64(d)/float64(time.Millisecond))
	}
	sorted := slices.Sorted(slices.Values(r.Ms))
	r.MedMs = sorted[len(sorted)/2]
	return r, nil
}
