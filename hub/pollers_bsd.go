//go:build darwin || freebsd

// This file lists the pollers of macOS and FreeBSD, the default first.

package hub

var osPollers = []pollerKind{
	{name: "kqueue", open: openKqueue, edge: true},
	{name: "poll", open: openPoll},
	{name: "select", open: openSelect},
}
