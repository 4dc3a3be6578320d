// This file defines the echo benchmark: N connections, each sending one
// line and waiting for the same line back before sending the next.

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// echoConfig is what one echo run does.
type echoConfig struct {
	options
	conns int
}

func mainEcho(args []string) error {
	var c echoConfig
	fs := newFlags("echo", &c.options)
	fs.IntVar(&c.conns, "conns", 10, "connections, each with one line in flight")
	if err := parse(fs, &c.options, args); err != nil {
		return err
	}
	r, err := runEcho(&c)
	if err != nil {
		r = &result{Case: "echo", Conns: c.conns}
	}
	return emit(&c.options, r, err, args)
}

// runEcho starts or reaches the server, runs the load and returns the
// result; any wrong byte or failed connection is an error.
func runEcho(c *echoConfig) (*result, error) {
	t, err := openTarget(&c.options)
	if err != nil {
		return nil, err
	}
	defer t.stop()
	conns, err := dialAll(t, c.conns)
	if err != nil {
		return nil, err
	}
	defer closeAll(conns)
	deadline := time.Now().Add(c.warmup + c.duration + grace)
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	var ph atomic.Int32
	hists := make([]hist, len(conns))
	counts := make([]int64, len(conns))
	var wg sync.WaitGroup
	for i, conn := range conns {
		conn.SetDeadline(deadline)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := echoConn(conn, i, c.size, &ph, &hists[i], &counts[i]); err != nil {
				cancel(fmt.Errorf("connection %d: %w", i, err))
			}
		}()
	}
	w, err := measure(ctx, &c.options, t, &ph)
	wg.Wait()
	if err == nil {
		err = context.Cause(ctx)
	}
	if err != nil {
		return nil, err
	}
	r := &result{Case: "echo", Conns: c.conns, Size: c.size, Command: t.command}
	var all hist
	var ops int64
	for i := range hists {
		all.merge(&hists[i])
		ops += counts[i]
	}
	w.fill(r, ops, &all)
	return r, nil
}

// echoConn runs the ping-pong on one connection until the phase is
// phaseStop, counting the round trips that complete in phaseMeasure.
func echoConn(conn net.Conn, id, size int, ph *atomic.Int32, h *hist, count *int64) error {
	r := bufio.NewReader(conn)
	buf := make([]byte, size)
	for seq := int64(0); ph.Load() != phaseStop; seq++ {
		encode(buf, line{kind: 'e', id: id, seq: seq})
		start := time.Now()
		if _, err := conn.Write(buf); err != nil {
			return err
		}
		got, err := r.ReadSlice('\n')
		if err != nil {
			return err
		}
		d := time.Since(start)
		if !bytes.Equal(got, buf) {
			return fmt.Errorf("sent %q, got %q", buf, got)
		}
		if ph.Load() == phaseMeasure {
			h.add(d)
			*count++
		}
	}
	return nil
}
