package hosttest

import "syscall"

// redisProcAttr kills a test's redis-server when the test binary dies.
func redisProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }
