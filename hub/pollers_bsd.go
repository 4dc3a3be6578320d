//go:build darwin || freebsd

// This file lists the pollers of macOS and FreeBSD, the default first.

package hub

var osPollers = []pollerKind{{"kqueue", openKqueue, true}, {"poll", openPoll, false}, {"select", openSelect, false}}
