// This file defines the wakeup's descriptor on Linux: an eventfd.

package hub

import (
	"encoding/binary"
	"os"

	"golang.org/x/sys/unix"
)

func openWakeup() (*wakeup, error) {
	fd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("eventfd", err)
	}
	return &wakeup{rfd: fd, wfd: fd}, nil
}

func (w *wakeup) signal() {
	var one [8]byte
	binary.LittleEndian.PutUint64(one[:], 1)
	for {
		if _, err := unix.Write(w.wfd, one[:]); err != unix.EINTR {
			return
		}
	}
}

func (w *wakeup) read() { unix.Read(w.rfd, w.buf[:8]) }

func (w *wakeup) close() error {
	w.closed.Store(true)
	return unix.Close(w.rfd)
}
