// This file names the ioctl that reads a terminal's settings on Linux.

package main

import "golang.org/x/sys/unix"

const ioctlGetTermios = unix.TCGETS
