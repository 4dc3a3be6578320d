// This file defines the chat benchmark: N clients in one chat room, K of
// them sending, each with up to W lines in flight; every client receives
// every other client's lines. A line is "in flight" until all N-1 other
// clients have received it.
//
// Before measuring, client 0 sends sync lines until every other client has
// received one, which proves the server has registered them all.
// Afterwards each receiver has checked every byte and the order of each
// sender's lines; lines never received are counted as lost.

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Bounds of the phases around the measured window.
const (
	syncTimeout  = 30 * time.Second
	syncInterval = 20 * time.Millisecond
)

// chatConfig is what one chat run does.
type chatConfig struct {
	options
	clients, senders, window int
	drain                    time.Duration // bound on the wait for lines in flight at the end
	ws                       string        // WebSocket path: clients are WebSocket clients, lines text messages
}

func mainChat(args []string) error {
	var c chatConfig
	fs := newFlags("chat", &c.options)
	fs.IntVar(&c.clients, "clients", 100, "clients in the room")
	fs.IntVar(&c.senders, "senders", 10, "clients that send lines")
	fs.IntVar(&c.window, "window", 1, "lines in flight per sender")
	fs.DurationVar(&c.drain, "drain", 10*time.Second, "wait at most this long at the end for lines in flight")
	fs.StringVar(&c.ws, "ws", "", "WebSocket `path` (such as /ws): the clients are WebSocket clients, each line one text message")
	if err := parse(fs, &c.options, args); err != nil {
		return err
	}
	r, err := runChat(&c)
	if err != nil {
		r = &result{Case: c.caseName(), Conns: c.clients, Senders: c.senders, Window: c.window}
	}
	return emit(&c.options, r, err, args)
}

// caseName is the case in the results: chat, or wschat with -ws.
func (c *chatConfig) caseName() string {
	if c.ws != "" {
		return "wschat"
	}
	return "chat"
}

// sender is the sending side of one client.
type sender struct {
	slots     chan struct{}  // one token per line that may be put in flight
	remaining []atomic.Int32 // receivers still to get line seq, at seq % window
	sent      atomic.Int64
}

// receiver is the receiving side of one client, owned by its goroutine.
type receiver struct {
	id        int
	next      []int64 // the next sequence number expected from each sender
	got       int64   // chat lines received
	synced    bool
	h         hist
	delivered int64 // lines received in phaseMeasure
	reordered int64
	corrupt   int64 // bad bytes, or the client's own line echoed back
}

// chatRun is the state of one chat run.
type chatRun struct {
	*chatConfig
	ph      atomic.Int32
	stop    chan struct{} // closed when senders must stop
	closing atomic.Bool   // connections are being closed on purpose
	synced  atomic.Int32
	snd     []*sender
	rcv     []*receiver
}

// runChat starts or reaches the server, runs the load and returns the
// result.
func runChat(c *chatConfig) (*result, error) {
	if c.clients < 2 || c.senders < 1 || c.senders > c.clients || c.window < 1 {
		return nil, fmt.Errorf("need 2 <= clients, 1 <= senders <= clients, 1 <= window")
	}
	t, err := openTarget(&c.options)
	if err != nil {
		return nil, err
	}
	defer t.stop()
	t.wsPath = c.ws
	conns, err := dialAll(t, c.clients)
	if err != nil {
		return nil, err
	}
	defer closeAll(conns)
	run := &chatRun{chatConfig: c, stop: make(chan struct{})}
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	deadline := time.Now().Add(syncTimeout + c.warmup + c.duration + c.drain + grace)
	var readers, senders sync.WaitGroup
	for i, conn := range conns {
		conn.SetDeadline(deadline)
		rc := &receiver{id: i, next: make([]int64, c.senders)}
		run.rcv = append(run.rcv, rc)
		readers.Add(1)
		go func() {
			defer readers.Done()
			if err := run.receive(conn, rc); err != nil && !run.closing.Load() {
				cancel(fmt.Errorf("client %d: %w", i, err))
			}
		}()
	}
	for range c.senders {
		s := &sender{slots: make(chan struct{}, c.window), remaining: make([]atomic.Int32, c.window)}
		for range c.window {
			s.slots <- struct{}{}
		}
		run.snd = append(run.snd, s)
	}
	w, err := run.load(ctx, t, conns, &senders)
	close(run.stop)
	senders.Wait()
	if err == nil {
		run.drain(ctx)
	}
	run.closing.Store(true)
	closeAll(conns)
	readers.Wait()
	if err == nil {
		err = context.Cause(ctx)
	}
	if err != nil {
		return nil, err
	}
	return run.result(t, w), nil
}

// load syncs the room, starts the senders and measures the window.
func (run *chatRun) load(ctx context.Context, t *target, conns []net.Conn, senders *sync.WaitGroup) (*window, error) {
	if err := run.sync(ctx, conns[0]); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	for i := range run.senders {
		senders.Add(1)
		go func() {
			defer senders.Done()
			if err := run.send(conns[i], i); err != nil {
				cancel(fmt.Errorf("sender %d: %w", i, err))
			}
		}()
	}
	return measure(ctx, &run.options, t, &run.ph)
}

// sync sends sync lines from client 0 until all the others have received
// one.
func (run *chatRun) sync(ctx context.Context, conn net.Conn) error {
	buf := make([]byte, run.size)
	tick := time.NewTicker(syncInterval)
	defer tick.Stop()
	timeout := time.After(syncTimeout)
	for seq := int64(0); run.synced.Load() < int32(run.clients-1); seq++ {
		encode(buf, line{kind: 'y', id: 0, seq: seq})
		if _, err := conn.Write(buf); err != nil {
			return err
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-timeout:
			return fmt.Errorf("only %d of %d clients got a line within %v", run.synced.Load(), run.clients-1, syncTimeout)
		}
	}
	return nil
}

// send writes chat lines from client id, waiting for a free slot before
// each, until the senders are stopped.
func (run *chatRun) send(conn net.Conn, id int) error {
	s := run.snd[id]
	buf := make([]byte, run.size)
	for seq := int64(0); ; seq++ {
		select {
		case <-s.slots:
		case <-run.stop:
			return nil
		}
		s.remaining[seq%int64(run.window)].Store(int32(run.clients - 1))
		encode(buf, line{kind: 'm', id: id, seq: seq, sent: time.Since(epoch)})
		if _, err := conn.Write(buf); err != nil {
			return err
		}
		s.sent.Add(1)
	}
}

// receive reads lines on one client's connection until it is closed.
func (run *chatRun) receive(conn net.Conn, rc *receiver) error {
	r := bufio.NewReaderSize(conn, 16<<10)
	for {
		b, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			rc.corrupt++
			continue
		}
		if err != nil {
			return err
		}
		now := time.Since(epoch)
		l, err := decode(b, run.size)
		if err != nil || l.id == rc.id || l.id >= run.senders || (l.kind != 'm' && l.kind != 'y') {
			rc.corrupt++
			continue
		}
		if l.kind == 'y' {
			if !rc.synced {
				rc.synced = true
				run.synced.Add(1)
			}
			continue
		}
		run.deliver(rc, l, now)
	}
}

// deliver accounts for chat line l received by rc at now.
func (run *chatRun) deliver(rc *receiver, l line, now time.Duration) {
	want := &rc.next[l.id]
	if l.seq < *want {
		rc.reordered++
	} else {
		*want = l.seq + 1
	}
	rc.got++
	if run.ph.Load() == phaseMeasure {
		rc.h.add(now - l.sent)
		rc.delivered++
	}
	s := run.snd[l.id]
	if s.remaining[l.seq%int64(run.window)].Add(-1) == 0 {
		select {
		case s.slots <- struct{}{}:
		default: // a duplicate delivery; counted as lost = -1 below
		}
	}
}

// drain waits, for run.chatConfig.drain at most, until every line sent has reached
// every receiver.
func (run *chatRun) drain(ctx context.Context) {
	end := time.Now().Add(run.chatConfig.drain)
	for time.Now().Before(end) && ctx.Err() == nil {
		done := true
		for _, s := range run.snd {
			done = done && len(s.slots) == run.window
		}
		if done {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// result adds up the receivers' counts.
func (run *chatRun) result(t *target, w *window) *result {
	r := &result{Case: run.caseName(), Conns: run.clients, Senders: run.senders, Window: run.window,
		Size: run.size, Command: t.command}
	var all hist
	var delivered, got int64
	for _, rc := range run.rcv {
		all.merge(&rc.h)
		delivered += rc.delivered
		got += rc.got
		r.Reordered += rc.reordered
		r.Corrupt += rc.corrupt
	}
	for _, s := range run.snd {
		r.Sent += s.sent.Load()
	}
	r.Lost = r.Sent*int64(run.clients-1) - got
	w.fill(r, delivered, &all)
	return r
}
