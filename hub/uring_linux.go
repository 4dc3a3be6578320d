//go:build linux

// This file defines an io_uring instance on golang.org/x/sys/unix: the
// kernel's structures (io_uring_params, SQE, CQE), the mmap'd submission
// and completion rings, and io_uring_enter. The poller built on it is in
// poller_uring_linux.go. Only the loop touches a ring.

package hub

import (
	"fmt"
	"os"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The kernel's constants (include/uapi/linux/io_uring.h) that the ring uses.
const (
	ioringOpPollAdd     = 6
	ioringOpAsyncCancel = 14

	ioringPollAddMulti = 1 << 0 // sqe.len of POLL_ADD: multishot

	ioringCQEFMore = 1 << 1 // the request goes on posting completions

	ioringSetupCQSize = 1 << 3
	ioringSetupClamp  = 1 << 4

	ioringFeatSingleMmap = 1 << 0
	ioringFeatNoDrop     = 1 << 1
	ioringFeatExtArg     = 1 << 8

	ioringEnterGetEvents = 1 << 0
	ioringEnterExtArg    = 1 << 3

	ioringOffSQRing = 0
	ioringOffSQEs   = 0x10000000

	ioringSQCQOverflow = 1 << 1 // sq_flags: completions wait in the overflow list
)

// uringParams is struct io_uring_params.
type uringParams struct {
	sqEntries, cqEntries, flags, sqThreadCPU, sqThreadIdle, features, wqFD uint32
	resv                                                                   [3]uint32
	sqOff                                                                  struct {
		head, tail, ringMask, ringEntries, flags, dropped, array, resv1 uint32
		userAddr                                                        uint64
	}
	cqOff struct {
		head, tail, ringMask, ringEntries, overflow, cqes, flags, resv1 uint32
		userAddr                                                        uint64
	}
}

// uringSQE is struct io_uring_sqe (64 bytes), with the fields the poller uses named.
type uringSQE struct {
	opcode   uint8
	flags    uint8
	ioprio   uint16
	fd       int32
	off      uint64
	addr     uint64
	len      uint32
	opFlags  uint32 // poll32_events for POLL_ADD
	userData uint64
	_        [24]byte
}

// uringCQE is struct io_uring_cqe (16 bytes).
type uringCQE struct {
	userData uint64
	res      int32
	flags    uint32
}

// uringGetEventsArg is struct io_uring_getevents_arg, for a wait's timeout.
type uringGetEventsArg struct {
	sigmask   uint64
	sigmaskSz uint32
	minWait   uint32
	ts        uint64
}

// errUringRefused wraps the reason a kernel refused io_uring (ENOSYS,
// EPERM under a seccomp filter or kernel.io_uring_disabled, or a kernel
// too old for what the ring needs): the hub then uses epoll.
var errUringRefused = fmt.Errorf("io_uring %w", errRefused)

// A uring is one io_uring instance and its mapped rings.
type uring struct {
	fd    int
	mem   []byte // the SQ and CQ rings, one mapping (IORING_FEAT_SINGLE_MMAP)
	sqMem []byte // the SQE array

	sqHead, sqTail, sqFlags *uint32
	sqMask, sqEntries       uint32
	sqArray                 []uint32
	sqes                    []uringSQE
	tail                    uint32 // our SQ tail, published by submit

	cqHead, cqTail *uint32
	cqMask         uint32
	cqes           []uringCQE

	arg uringGetEventsArg
	ts  unix.Timespec
}

// openUring sets up a ring of sqEntries submissions and cqEntries
// completions. Every error wraps errUringRefused.
func openUring(sqEntries, cqEntries uint32) (*uring, error) {
	var p uringParams
	p.flags = ioringSetupCQSize | ioringSetupClamp
	p.cqEntries = cqEntries
	fd, _, e := unix.Syscall(unix.SYS_IO_URING_SETUP, uintptr(sqEntries), uintptr(unsafe.Pointer(&p)), 0)
	if e != 0 {
		return nil, fmt.Errorf("%w: %w", errUringRefused, os.NewSyscallError("io_uring_setup", e))
	}
	r := &uring{fd: int(fd)}
	const need = ioringFeatSingleMmap | ioringFeatNoDrop | ioringFeatExtArg
	if p.features&need != need {
		unix.Close(r.fd)
		return nil, fmt.Errorf("%w: the kernel lacks IORING_FEAT_SINGLE_MMAP, NODROP or EXT_ARG (Linux 5.11)", errUringRefused)
	}
	size := int(p.sqOff.array + p.sqEntries*4)
	if cq := int(p.cqOff.cqes + p.cqEntries*uint32(unsafe.Sizeof(uringCQE{}))); cq > size {
		size = cq
	}
	var err error
	r.mem, err = unix.Mmap(r.fd, ioringOffSQRing, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		unix.Close(r.fd)
		return nil, fmt.Errorf("%w: %w", errUringRefused, os.NewSyscallError("mmap", err))
	}
	r.sqMem, err = unix.Mmap(r.fd, ioringOffSQEs, int(p.sqEntries)*int(unsafe.Sizeof(uringSQE{})),
		unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		unix.Munmap(r.mem)
		unix.Close(r.fd)
		return nil, fmt.Errorf("%w: %w", errUringRefused, os.NewSyscallError("mmap", err))
	}
	u32 := func(off uint32) *uint32 { return (*uint32)(unsafe.Pointer(&r.mem[off])) }
	r.sqHead, r.sqTail, r.sqFlags = u32(p.sqOff.head), u32(p.sqOff.tail), u32(p.sqOff.flags)
	r.sqMask, r.sqEntries = *u32(p.sqOff.ringMask), *u32(p.sqOff.ringEntries)
	r.sqArray = unsafe.Slice(u32(p.sqOff.array), p.sqEntries)
	r.sqes = unsafe.Slice((*uringSQE)(unsafe.Pointer(&r.sqMem[0])), p.sqEntries)
	r.tail = atomic.LoadUint32(r.sqTail)
	r.cqHead, r.cqTail = u32(p.cqOff.head), u32(p.cqOff.tail)
	r.cqMask = *u32(p.cqOff.ringMask)
	r.cqes = unsafe.Slice((*uringCQE)(unsafe.Pointer(&r.mem[p.cqOff.cqes])), p.cqEntries)
	return r, nil
}

// sqe returns the next free submission entry, zeroed. When the ring is
// full it first submits what is queued.
func (r *uring) sqe() (*uringSQE, error) {
	for r.tail-atomic.LoadUint32(r.sqHead) >= r.sqEntries {
		if err := r.enter(0, false); err != nil {
			return nil, err
		}
	}
	i := r.tail & r.sqMask
	r.sqArray[i] = i
	e := &r.sqes[i]
	*e = uringSQE{}
	r.tail++
	return e, nil
}

// pending returns the number of queued entries the kernel has not taken.
func (r *uring) pending() uint32 { return r.tail - atomic.LoadUint32(r.sqHead) }

// enter is the one io_uring_enter of a wait: it submits every queued
// entry and, when wait is set, blocks until a completion arrives or
// timeout passes (<0: forever; 0: it only reaps). EINTR and the
// timeout's ETIME are not errors.
func (r *uring) enter(timeout time.Duration, wait bool) error {
	r.publish()
	submit := uintptr(r.pending())
	var flags, minComplete, argp, argsz uintptr
	if wait || atomic.LoadUint32(r.sqFlags)&ioringSQCQOverflow != 0 {
		flags = ioringEnterGetEvents
	}
	if wait && timeout != 0 {
		minComplete = 1
		if timeout > 0 {
			r.ts = unix.NsecToTimespec(int64(timeout))
			r.arg = uringGetEventsArg{ts: uint64(uintptr(unsafe.Pointer(&r.ts)))}
			flags |= ioringEnterExtArg
			argp, argsz = uintptr(unsafe.Pointer(&r.arg)), unsafe.Sizeof(r.arg)
		}
	}
	if submit == 0 && flags == 0 {
		return nil
	}
	_, _, e := unix.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), submit, minComplete, flags, argp, argsz)
	switch e {
	case 0, unix.EINTR, unix.ETIME, unix.EAGAIN, unix.EBUSY:
		return nil
	}
	return os.NewSyscallError("io_uring_enter", e)
}

// publish makes the queued entries visible to the kernel.
func (r *uring) publish() { atomic.StoreUint32(r.sqTail, r.tail) }

// reap appends every completion in the ring to cqes and frees their slots.
func (r *uring) reap(cqes []uringCQE) []uringCQE {
	head := atomic.LoadUint32(r.cqHead)
	tail := atomic.LoadUint32(r.cqTail)
	for ; head != tail; head++ {
		cqes = append(cqes, r.cqes[head&r.cqMask])
	}
	atomic.StoreUint32(r.cqHead, head)
	return cqes
}

func (r *uring) close() error {
	unix.Munmap(r.sqMem)
	unix.Munmap(r.mem)
	return unix.Close(r.fd)
}
