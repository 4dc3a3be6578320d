// This file defines the idle benchmark: the server's resident memory per
// open connection that carries no traffic.

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"sync"
	"time"
)

// idleConfig is what one idle run does.
type idleConfig struct {
	options
	conns  int
	settle time.Duration
}

func mainIdle(args []string) error {
	var c idleConfig
	fs := newFlags("idle", &c.options)
	fs.IntVar(&c.conns, "conns", 10000, "idle connections to open")
	fs.DurationVar(&c.settle, "settle", time.Second, "wait after the last connection is served, before reading the memory")
	if err := parse(fs, &c.options, args); err != nil {
		return err
	}
	r, err := runIdle(&c)
	if err != nil {
		r = &result{Case: "idle", Conns: c.conns}
	}
	return emit(&c.options, r, err, args)
}

// runIdle reads the echo server's VmRSS, opens c.conns connections and
// makes one round trip on each (so the server has surely accepted and
// served it), waits c.settle, and reads VmRSS again.
func runIdle(c *idleConfig) (*result, error) {
	t, err := openTarget(&c.options)
	if err != nil {
		return nil, err
	}
	defer t.stop()
	if t.pid == 0 {
		return nil, fmt.Errorf("idle needs the server's -pid (or a command) to read its memory")
	}
	// One connection first, so that lazily loaded code is not counted.
	warm, err := dialAll(t, 1)
	if err != nil {
		return nil, err
	}
	err = pingAll(warm, c.size)
	closeAll(warm)
	if err != nil {
		return nil, err
	}
	before, err := rss(t.pid)
	if err != nil {
		return nil, err
	}
	conns, err := dialAll(t, c.conns)
	if err != nil {
		return nil, err
	}
	defer closeAll(conns)
	if err := pingAll(conns, c.size); err != nil {
		return nil, err
	}
	time.Sleep(c.settle)
	if err := t.alive(); err != nil {
		return nil, err
	}
	after, err := rss(t.pid)
	if err != nil {
		return nil, err
	}
	return &result{Case: "idle", Conns: c.conns, Size: c.size, Command: t.command,
		RSSBefore: before, RSSAfter: after,
		KiBPerItem: float64(after-before) / 1024 / float64(c.conns)}, nil
}

// pingAll makes one echo round trip on every connection, dialParallel at a
// time, each bounded by pingTimeout.
func pingAll(conns []net.Conn, size int) error {
	const pingTimeout = 30 * time.Second
	next := make(chan int, len(conns))
	for i := range conns {
		next <- i
	}
	close(next)
	errs := make([]error, len(conns))
	var wg sync.WaitGroup
	for range min(len(conns), dialParallel) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, size)
			for i := range next {
				conn := conns[i]
				conn.SetDeadline(time.Now().Add(pingTimeout))
				encode(buf, line{kind: 'e', id: i})
				if _, err := conn.Write(buf); err != nil {
					errs[i] = err
					continue
				}
				got, err := bufio.NewReader(conn).ReadSlice('\n')
				if err == nil && !bytes.Equal(got, buf) {
					err = fmt.Errorf("sent %q, got %q", buf, got)
				}
				errs[i] = err
				conn.SetDeadline(time.Time{})
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("connection %d: %w", i, err)
		}
	}
	return nil
}
