package builtins_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/evscript/evscript/host"
	"go.starlark.net/starlark"
)

// benchCoros runs src on a fresh host with N = b.N predeclared, plus
// start() and stop(), which start and stop the benchmark timer, so that a
// script can leave its setup out of the measurement. The timer runs from
// the script's start unless the script calls stop() first.
func benchCoros(b *testing.B, src string) {
	b.Helper()
	var out bytes.Buffer
	noargs := func(name string, fn func()) *starlark.Builtin {
		return starlark.NewBuiltin(name, func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
			fn()
			return starlark.None, nil
		})
	}
	h, err := host.New(host.Config{
		Stdout: &out,
		Stderr: &out,
		Predeclared: starlark.StringDict{
			"N":     starlark.MakeInt(b.N),
			"start": noargs("start", b.StartTimer),
			"stop":  noargs("stop", b.StopTimer),
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	b.ResetTimer()
	if _, err := h.ExecFile(context.Background(), "bench.star", src); err != nil {
		host.PrintError(&out, err)
		b.Fatalf("%s", out.String())
	}
	b.StopTimer()
}

// BenchmarkChannelPingPong measures a send/receive pair between two green
// threads that bounce a value back and forth over two channels: each loop
// turn is two pairs (ping, then pong).
func BenchmarkChannelPingPong(b *testing.B) {
	benchCoros(b, `
ping = channel.channel()
pong = channel.channel()
def echo():
    for _ in range(N):
        pong.send(ping.receive())
api.spawn(echo)
for i in range(N):
    ping.send(i)
    pong.receive()
`)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(2*b.N), "ns/pair")
}

// BenchmarkChannelStream measures a send/receive pair when one green thread
// only sends and the other only receives.
func BenchmarkChannelStream(b *testing.B) {
	benchCoros(b, `
ch = channel.channel()
def consume():
    for _ in range(N):
        ch.receive()
api.spawn(consume)
for i in range(N):
    ch.send(i)
`)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/pair")
}

// BenchmarkChannelFloor is the floor under the channel benchmarks: two
// green threads that each call sleep(0) in turn, which takes the same
// switches through the hub as one send/receive pair (the waiting side
// resumes, then the arriving side).
func BenchmarkChannelFloor(b *testing.B) {
	benchCoros(b, `
def other():
    for _ in range(N):
        api.sleep(0)
api.spawn(other)
for i in range(N):
    api.sleep(0)
`)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/pair")
}

// BenchmarkEventWake measures one event.send waking W parked waiters: the
// send, then every waiter returning from wait() and parking again on the
// next event, then the sender resuming. The waiters are spawned and parked
// before the timer starts. ns/waiter should not grow with W.
func BenchmarkEventWake(b *testing.B) {
	for _, w := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("waiters=%d", w), func(b *testing.B) {
			benchCoros(b, fmt.Sprintf(`
stop()
W = %d
events = [coros.event() for _ in range(N)]
def waiter():
    for evt in events:
        evt.wait()
for _ in range(W):
    api.spawn(waiter)
api.sleep(0)  # every waiter parks on events[0]
start()
for evt in events:
    evt.send("go")
    api.sleep(0)  # every waiter runs once, then main
stop()
`, w))
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*w), "ns/waiter")
		})
	}
}

// BenchmarkEventWakeEnd is BenchmarkEventWake with waiters that end after
// one wait: each round spawns W fresh waiters (not timed) and times the
// send, each waiter's return and its green thread's end.
func BenchmarkEventWakeEnd(b *testing.B) {
	const w = 10000
	benchCoros(b, fmt.Sprintf(`
W = %d
def waiter(evt):
    evt.wait()
def round():
    evt = coros.event()
    for _ in range(W):
        api.spawn(waiter, evt)
    api.sleep(0)  # every waiter parks in wait()
    start()
    evt.send("go")
    api.sleep(0)  # every waiter returns and ends, then main runs
    stop()
stop()
for _ in range(N):
    round()
`, w))
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*w), "ns/waiter")
}

// BenchmarkPool measures pushing tiny jobs through a CoroutinePool: each
// job is a green thread that runs an empty function; execute_async blocks
// whenever max_size jobs run.
func BenchmarkPool(b *testing.B) {
	for _, size := range []int{4, 1000} {
		b.Run(fmt.Sprintf("max_size=%d", size), func(b *testing.B) {
			benchCoros(b, fmt.Sprintf(`
pool = coros.CoroutinePool(max_size=%d)
def job():
    pass
for _ in range(N):
    pool.execute_async(job)
pool.waitall()
`, size))
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/job")
		})
	}
}

// BenchmarkPoolExecuteWait measures execute plus wait on the job's event.
func BenchmarkPoolExecuteWait(b *testing.B) {
	benchCoros(b, `
pool = coros.CoroutinePool()
def job(x):
    return x
for i in range(N):
    pool.execute(job, i).wait()
`)
}

// BenchmarkParkedInCoros measures memory per green thread parked in each
// blocking call of channel and coros (20,000 threads, each parked inside
// one Starlark function), as BenchmarkParkedThread does for sleep. The
// call paths are kept shallow so that the goroutine stack stays at 4 KiB.
func BenchmarkParkedInCoros(b *testing.B) {
	const n = 20_000
	for _, call := range []string{
		"ch.receive()", "ch.send(1)", "evt.wait()", "q.get()", "q.get(timeout=3600)",
		"full.put(1)", "sem.acquire()", "sem.acquire(3600)", "pool.execute(api.sleep, 3600)",
	} {
		b.Run(call, func(b *testing.B) {
			benchParked(b, n, `
ch = channel.channel()
evt = coros.event()
q = coros.queue()
full = coros.queue(1)
full.put(0)
sem = coros.semaphore(0)
pool = coros.CoroutinePool(max_size=1)
pool.execute_async(api.sleep, 3600)
`, call)
		})
	}
}
