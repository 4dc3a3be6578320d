// This file defines the read budget: a task whose reads keep finding data
// never waits, so without it a peer that floods one connection would hold
// the hub for as long as it keeps sending, and the other tasks (a woken
// TLS handshake, a ticker, the flush of everyone's writes at the end of
// the turn) would wait for it. The budget makes such a task yield, as
// sleep(0) does, once it has made readBudget reads that found data since
// it last resumed; a task that reads until a read finds the buffer empty
// (echo, chat, any request-reply connection) parks long before.
//
// It is the hub's, so every poller gives the same order. Before it, the TLS
// chat's flood test (tests/tlschat_test.go, TestTLSChatSlowReader) lost a
// client under poll and select: a woken handshake waited 50-70 ms behind
// the flooder's thread, and the backlog queued for it meanwhile passed the
// output limit (epoll left 0.2-0.4 MiB pending in the same gap).

package hub

// readBudget is the number of reads that found data a task may make
// between two waits before its next read yields. At 64 KiB per read
// (package builtins' scratch buffers) a flooding peer holds the hub for at
// most 4 MiB of input per slice; at one read per line of a chat (a few
// hundred bytes each), for 64 lines and their fan-out.
const readBudget = 64

// YieldIfGreedy makes t yield (Task.Yield: every task already runnable
// runs once, the loop polls, and the turn's writes are flushed) when t has
// made readBudget reads that found data since it last resumed, and
// otherwise returns nil at once. Callers reading a descriptor in a loop
// call it before each read: FD.Read does, and so must any reader built on
// TryRead. It returns Yield's error (a kill, the hub closing).
// It must be called by t itself.
func (h *Hub) YieldIfGreedy(t *Task) error {
	if h.reads < readBudget {
		return nil
	}
	return t.Yield()
}
