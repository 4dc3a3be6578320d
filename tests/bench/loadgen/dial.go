// This file defines dialAll, which opens many connections with a bounded
// number of dials in flight, so that a server with a short listen backlog
// is not flooded.

package main

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"
)

// dialParallel is the number of connection attempts in flight at once.
const dialParallel = 32

// dialTimeout bounds the opening of all the connections of one run.
const dialTimeout = 60 * time.Second

// dialAll opens n connections to t, or closes the ones it opened and
// returns the first error.
func dialAll(t *target, n int) ([]net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	defer cancel()
	conns := make([]net.Conn, n)
	errs := make([]error, n)
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range min(n, dialParallel) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if ctx.Err() == nil {
					conns[i], errs[i] = t.dial(ctx)
				} else {
					errs[i] = ctx.Err()
				}
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			closeAll(conns)
			return nil, fmt.Errorf("connection %d of %d: %w", i+1, n, err)
		}
	}
	return conns, nil
}

// closeAll closes every non-nil connection.
func closeAll(conns []net.Conn) {
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
}
