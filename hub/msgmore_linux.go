package hub

import "golang.org/x/sys/unix"

// msgMore corks a send so that the next one (or the FIN) shares its segment.
const msgMore = unix.MSG_MORE
