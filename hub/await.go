// This file defines Await's goroutines. A call of Await hands its function
// to an idle awaiter goroutine of the hub, or starts one; when the
// function returns, the goroutine posts the result to the hub and waits
// for the next call. Reusing them spares each call a goroutine's start
// and the growth of its stack (a driver's call runs deep: pgx's stack is
// copied three or four times over on a fresh goroutine).

package hub

import (
	"context"
	"sync"
)

// maxIdleAwaiters bounds the awaiter goroutines kept for reuse.
const maxIdleAwaiters = 256

// An awaiter is a goroutine that runs Await's functions one at a time.
type awaiter struct {
	jobs chan awaitJob // capacity 1: the hub never waits to hand one on
}

// An awaitJob is one Await call: fn to run off the hub with ctx, and
// done to post its result with.
type awaitJob struct {
	ctx  context.Context
	fn   func(ctx context.Context) error
	done func(err error)
}

// awaiters is a hub's pool of idle awaiter goroutines.
type awaiters struct {
	mu     sync.Mutex
	idle   []*awaiter
	closed bool
}

// run runs j on an idle awaiter, or on a new one.
// It is safe to call from any goroutine.
func (p *awaiters) run(j awaitJob) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		a := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		a.jobs <- j
		return
	}
	p.mu.Unlock()
	a := &awaiter{jobs: make(chan awaitJob, 1)}
	a.jobs <- j
	go a.loop(p)
}

// loop runs jobs until its awaiter is not taken back (too many idle, or
// the hub closed). The awaiter is idle again before it posts the result,
// so that the call the result wakes may take it at once.
func (a *awaiter) loop(p *awaiters) {
	for j := range a.jobs {
		err := j.fn(j.ctx)
		j.ctx, j.fn = nil, nil
		keep := p.put(a)
		j.done(err)
		if !keep {
			return
		}
	}
}

// put makes a idle, and reports whether it was taken back.
func (p *awaiters) put(a *awaiter) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.idle) >= maxIdleAwaiters {
		return false
	}
	p.idle = append(p.idle, a)
	return true
}

// close ends the idle awaiters; busy ones end after their call.
// It is safe to call from any goroutine.
func (p *awaiters) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, a := range p.idle {
		close(a.jobs)
	}
	p.idle = nil
}
