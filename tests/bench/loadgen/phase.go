// This file defines the phases of a load run (warm-up, measured window,
// stop) and the driver that moves through them.

package main

import (
	"context"
	"sync/atomic"
	"time"
)

// The phases of a load run. Workers read the phase after each operation
// and count only the operations that complete in phaseMeasure.
const (
	phaseWarm int32 = iota
	phaseMeasure
	phaseStop
)

// grace is how long past the end of the window an operation may still take
// before its connection's deadline fails it.
const grace = 10 * time.Second

// measure waits out the warm-up, then measures one window of o.duration,
// and sets ph to phaseStop. It returns early with an error when ctx is
// cancelled (a worker failed) or a started server exits.
func measure(ctx context.Context, o *options, t *target, ph *atomic.Int32) (*window, error) {
	w := &window{pid: t.pid}
	defer ph.Store(phaseStop)
	if err := pause(ctx, t, o.warmup); err != nil {
		return nil, err
	}
	w.open()
	ph.Store(phaseMeasure)
	err := pause(ctx, t, o.duration)
	ph.Store(phaseStop)
	w.close()
	if err != nil {
		return nil, err
	}
	return w, w.err
}

// pause waits for d, for ctx to end, or for a started server to exit.
func pause(ctx context.Context, t *target, d time.Duration) error {
	var exited chan struct{}
	if t.cmd != nil {
		exited = t.done
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return t.alive()
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-exited:
		return t.alive()
	}
}
