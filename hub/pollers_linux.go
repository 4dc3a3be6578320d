// This file lists the pollers of Linux, the default first.

package hub

var osPollers = []pollerKind{
	{name: "epoll", open: openEpoll, edge: true},
	{name: "io_uring", open: openUringPoller, edge: true, fallback: "epoll"},
	{name: "poll", open: openPoll},
	{name: "select", open: openSelect},
}
