//go:build darwin || freebsd

// This file names the ioctl that reads a terminal's settings on macOS and
// FreeBSD.

package main

import "golang.org/x/sys/unix"

const ioctlGetTermios = unix.TIOCGETA
