// This file defines the CLI's policy for GOMAXPROCS.

package main

import (
	"os"
	"runtime"
)

// The hub waits for its sockets and timers in a system call (epoll_wait
// and its kin), and Go keeps the waiting thread's P until its monitor
// takes it back, which takes from 20 µs to 10 ms; on waking, the hub needs
// a P again. With GOMAXPROCS at the number of cores, goroutines working off
// the hub (tpool calls, SQLite queries, pgx) then share one core fewer
// than there are, and the hub waits behind them for a P: on 2 cores, two
// tpool calls beside a green thread ticking every millisecond ran 1.2x
// faster than on the hub instead of 2x, and a sibling's echo p99 under
// SQLite load was 8-9 ms. With one P more than the cores, the hub's wait
// holds a spare P, the workers use every core, and the kernel runs the hub
// when it wakes: 1.5-1.9x and 2.1-2.3 ms (the workers' threads now run
// under SCHED_BATCH besides, so that the kernel too runs the hub first:
// hub/batch_linux.go). A hub alone (echo, chat) runs on one P whatever the
// setting.
//
// procsFor returns the GOMAXPROCS the CLI runs with: env's value when the
// GOMAXPROCS variable is set (Go applies it), else cur plus one.
func procsFor(env string, cur int) int {
	if env != "" {
		return cur
	}
	return cur + 1
}

// setProcs applies procsFor. It is called once, by main, before any
// host starts.
func setProcs() {
	cur := runtime.GOMAXPROCS(0)
	if n := procsFor(os.Getenv("GOMAXPROCS"), cur); n != cur {
		runtime.GOMAXPROCS(n)
	}
}
