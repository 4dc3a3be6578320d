// This file lists the pollers of Linux, the default first.

package hub

var osPollers = []pollerKind{{"epoll", openEpoll, true}, {"poll", openPoll, false}, {"select", openSelect, false}}
