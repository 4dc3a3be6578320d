//go:build !linux

package hub

// msgMore is 0 where the system has no MSG_MORE: the last response and the
// FIN may go in two segments.
const msgMore = 0
