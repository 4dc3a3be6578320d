//go:build unix && !linux

// This file defines the wakeup's descriptor where there is no eventfd: a
// non-blocking pipe.

package hub

import "golang.org/x/sys/unix"

func openWakeup() (*wakeup, error) {
	r, w, err := newPipe()
	if err != nil {
		return nil, err
	}
	return &wakeup{rfd: r, wfd: w}, nil
}

func (w *wakeup) signal() {
	one := [1]byte{1}
	for {
		if _, err := unix.Write(w.wfd, one[:]); err != unix.EINTR {
			return
		}
	}
}

func (w *wakeup) read() {
	for {
		n, err := unix.Read(w.rfd, w.buf[:])
		if err == unix.EINTR || n == len(w.buf) {
			continue
		}
		return
	}
}

func (w *wakeup) close() error {
	w.closed.Store(true)
	err := unix.Close(w.wfd)
	if err2 := unix.Close(w.rfd); err == nil {
		err = err2
	}
	return err
}
