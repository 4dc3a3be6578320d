// This file defines pollRDHUP on Linux, which has it.

package builtins

import "golang.org/x/sys/unix"

// pollRDHUP is poll(2)'s event for a peer that shut its writing side.
const pollRDHUP = unix.POLLRDHUP
