//go:build !linux

package main

import "syscall"

// workerProcAttr puts a worker in its own process group, so that a
// terminal's Ctrl-C reaches the parent only. These systems have no
// parent-death signal: a worker outlives a parent killed with SIGKILL.
func workerProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
