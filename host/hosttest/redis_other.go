//go:build !linux

package hosttest

import "syscall"

// redisProcAttr is empty where the system has no parent-death signal: a
// test's redis-server is stopped by the test's cleanup only.
func redisProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{} }
