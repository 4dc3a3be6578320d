package main

import "syscall"

// workerProcAttr puts a worker in its own process group, so that a
// terminal's Ctrl-C reaches the parent only, which forwards it once; and
// has the kernel SIGKILL it if the parent dies, so that no worker outlives
// it. (Not SIGTERM: the kernel sends the signal as each thread of the dying
// parent exits, and a worker takes two SIGTERMs in a row for "interrupted
// twice".)
func workerProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
