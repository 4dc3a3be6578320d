//go:build unix

// This file defines what the level-triggered pollers (poll, select) share:
// the list of registered FDs, and which directions of an FD to watch.

package hub

// A levelSet is the registered FDs of a level-triggered poller, in an
// order that depends only on the calls made, so runs repeat.
type levelSet struct {
	fds  []*FD
	wake *wakeup
}

func (s *levelSet) register(fd *FD) error {
	fd.lidx = len(s.fds)
	s.fds = append(s.fds, fd)
	return nil
}

func (s *levelSet) unregister(fd *FD) error {
	i := fd.lidx
	if i < 0 || i >= len(s.fds) || s.fds[i] != fd {
		return nil
	}
	last := len(s.fds) - 1
	s.fds[i] = s.fds[last]
	s.fds[i].lidx = i
	s.fds[last] = nil
	s.fds = s.fds[:last]
	fd.lidx = -1
	return nil
}

// wants returns the directions to watch fd in: those whose latch is down
// (a read or write met EAGAIN) or where a task waits. A latched direction
// needs no watching: epoll's next edge would only raise it again.
func (fd *FD) wants() (read, write bool) {
	if fd.released {
		return false, false
	}
	return !fd.rready || fd.rwait.t != nil, !fd.wready || fd.wwait.t != nil
}
