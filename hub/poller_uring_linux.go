//go:build linux

// This file defines the io_uring poller (Linux 5.11 and later): each FD is
// watched by one multishot IORING_OP_POLL_ADD for both directions, which
// like epoll's EPOLLET posts a completion per readiness transition and
// one at once for the readiness an FD already has. Registrations queue in
// the submission ring and go to the kernel with the next wait, so a turn
// costs one io_uring_enter that both submits and waits. A kernel that
// refuses io_uring (errUringRefused) gets epoll instead (openPollerKind).

package hub

import (
	"time"

	"golang.org/x/sys/unix"
)

// Sizes of the rings. Multishot polls post a completion per FD edge, so the
// completion ring is large; one that overflows anyway loses nothing
// (IORING_FEAT_NODROP), and a poll the kernel ended is armed again.
const (
	uringSQEntries = 256
	uringCQEntries = 4096
)

// User data of the completions: the wakeup's poll, and for an FD its
// slot+1 in the low half and the slot's generation (31 bits) in the high
// half, so that a completion of an FD removed since (its slot reused) is
// told apart and dropped; an ASYNC_CANCEL's is its poll's with the top bit.
const (
	uringWakeData   = 0
	uringCancelData = 1 << 63
	uringGenMask    = 1<<31 - 1
)

// uringCancelWait bounds how long unregister waits for the kernel to drop
// a cancelled poll; past it the socket closes a little late, nothing more.
const uringCancelWait = time.Second

const uringPollEvents = unix.POLLIN | unix.POLLOUT | unix.POLLRDHUP

type uringPoller struct {
	ring *uring
	wake *wakeup
	fds  []*FD    // by slot; nil when free
	gens []uint32 // the generation of each slot, bumped when it is freed
	free []int32  // free slots
	err  error    // the first error of the completions being applied
	// cqes holds the completions reaped and not yet applied: unregister
	// reaps while waiting for its cancel, and may run while wait applies
	// them (an FD event's flush fails and releases the FD).
	cqes []uringCQE
	next int // cqes[next:] are still to apply
}

func openUringPoller(_ int, w *wakeup) (poller, error) {
	r, err := openUring(uringSQEntries, uringCQEntries)
	if err != nil {
		return nil, err
	}
	p := &uringPoller{ring: r, wake: w}
	if err := p.pollAdd(w.rfd, uringWakeData, unix.POLLIN); err != nil {
		r.close()
		return nil, err
	}
	return p, nil
}

// pollAdd queues a multishot poll of sysfd.
func (p *uringPoller) pollAdd(sysfd int, data uint64, events uint32) error {
	e, err := p.ring.sqe()
	if err != nil {
		return err
	}
	e.opcode = ioringOpPollAdd
	e.fd = int32(sysfd)
	e.opFlags = events
	e.len = ioringPollAddMulti
	e.userData = data
	return nil
}

func (p *uringPoller) data(slot int) uint64 {
	return uint64(p.gens[slot]&uringGenMask)<<32 | uint64(slot+1)
}

// register queues the FD's poll; the next wait submits it.
func (p *uringPoller) register(fd *FD) error {
	var slot int
	if n := len(p.free); n > 0 {
		slot = int(p.free[n-1])
		p.free = p.free[:n-1]
	} else {
		slot = len(p.fds)
		p.fds = append(p.fds, nil)
		p.gens = append(p.gens, 0)
	}
	if err := p.pollAdd(fd.sysfd, p.data(slot), uringPollEvents); err != nil {
		p.free = append(p.free, int32(slot))
		return err
	}
	p.fds[slot] = fd
	fd.lidx = slot
	return nil
}

// unregister cancels the FD's poll and waits until the kernel has dropped
// it: until then the kernel holds the file, and closing the descriptor
// would close neither the socket (no FIN) nor a listener (connections
// still queue). It uses IORING_OP_ASYNC_CANCEL, not POLL_REMOVE, which
// fails with EALREADY on a poll whose completion is under way (one armed
// in the same submission, already ready) and leaves it armed. The other
// completions reaped meanwhile wait in p.cqes for wait to apply.
func (p *uringPoller) unregister(fd *FD) error {
	slot := fd.lidx
	if slot < 0 || slot >= len(p.fds) || p.fds[slot] != fd {
		return nil
	}
	data := p.data(slot)
	e, err := p.ring.sqe()
	if err != nil {
		return err
	}
	e.opcode = ioringOpAsyncCancel
	e.fd = -1
	e.addr = data
	e.userData = data | uringCancelData
	p.fds[slot] = nil
	p.gens[slot]++
	p.free = append(p.free, int32(slot))
	fd.lidx = -1
	deadline := time.Now().Add(uringCancelWait)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return nil
		}
		if err := p.ring.enter(left, true); err != nil {
			return err
		}
		from := len(p.cqes)
		p.cqes = p.ring.reap(p.cqes)
		for _, c := range p.cqes[from:] {
			switch {
			case c.userData == data && c.flags&ioringCQEFMore == 0:
				return nil // the poll has ended
			case c.userData == data|uringCancelData && c.res == -int32(unix.ENOENT):
				return nil // it had ended already
			}
		}
	}
}

// wait submits the queued polls and blocks for up to timeout in the same
// io_uring_enter, then applies each completion. Completions that
// unregister reaped make it only look, not block.
func (p *uringPoller) wait(h *Hub, timeout time.Duration) error {
	if p.next < len(p.cqes) {
		timeout = 0
	}
	if err := p.ring.enter(timeout, true); err != nil {
		return err
	}
	p.cqes = p.ring.reap(p.cqes)
	if p.next > 0 {
		return nil // called from an FD event being applied: the outer call goes on
	}
	p.err = nil
	for p.next < len(p.cqes) {
		c := p.cqes[p.next]
		p.next++
		p.apply(&c)
	}
	p.cqes, p.next = p.cqes[:0], 0
	return p.err
}

// apply applies one completion.
func (p *uringPoller) apply(c *uringCQE) {
	if c.userData&uringCancelData != 0 {
		return
	}
	if c.userData == uringWakeData {
		if c.res > 0 {
			p.wake.drain()
		}
		if c.flags&ioringCQEFMore == 0 && c.res != -int32(unix.ECANCELED) {
			p.rearm(p.wake.rfd, uringWakeData, unix.POLLIN)
		}
		return
	}
	slot := int(uint32(c.userData)) - 1
	if slot < 0 || slot >= len(p.fds) || uint32(c.userData>>32) != p.gens[slot]&uringGenMask || p.fds[slot] == nil {
		return // a completion of an FD removed since
	}
	fd := p.fds[slot]
	var bits uint32
	if c.res < 0 {
		bits = evRead | evWrite | evHup // the calls will report the error
	} else {
		bits = epollBits(uint32(c.res))
		if c.flags&ioringCQEFMore == 0 {
			// The kernel ended the multishot poll (its completion ring
			// overflowed): a new one reports the readiness there is now.
			p.rearm(fd.sysfd, c.userData, uringPollEvents)
		}
	}
	if bits != 0 {
		fd.event(bits)
	}
}

func (p *uringPoller) rearm(sysfd int, data uint64, events uint32) {
	if err := p.pollAdd(sysfd, data, events); err != nil && p.err == nil {
		p.err = err
	}
}

func (p *uringPoller) close() error { return p.ring.close() }
