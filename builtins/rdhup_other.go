//go:build unix && !linux

// This file defines pollRDHUP where poll(2) lacks it: no event, so a
// watch sees a peer's full hang-up (POLLHUP) but not a half-close.

package builtins

// pollRDHUP is poll(2)'s event for a peer that shut its writing side.
const pollRDHUP = 0
