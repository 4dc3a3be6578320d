package tpool_test

import (
	"bytes"
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/evscript/evscript/host"
	"go.starlark.net/starlark"
)

// cpuTime returns the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchTwo runs, b.N times, two CPU-bound calls (fn of testdata/work.star
// with argument n) by the script line call, while a ticker green thread
// sleeps a millisecond in a loop. Besides ns/op it reports the ticks per
// operation and the longest gap between two ticks (tick-gap-ms), which say
// whether the hub stayed free, and the cores kept busy on average (CPU
// time over wall time: about 1 on the hub, up to 2 with tpool on two
// cores).
func benchTwo(b *testing.B, fn string, n int, call string) {
	var out bytes.Buffer
	var ticks int
	var gap float64
	h, err := host.New(host.Config{
		Stdout: &out,
		Stderr: &out,
		Predeclared: starlark.StringDict{
			"N":   starlark.MakeInt(b.N),
			"ARG": starlark.MakeInt(n),
			"report": starlark.NewBuiltin("report", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
				ticks, _ = starlark.AsInt32(args[0])
				f, _ := starlark.AsFloat(args[1])
				gap = f
				return starlark.None, nil
			}),
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	src := `
load("work.star", fn = "` + fn + `")
ticks = [0, 0.0, 0.0] # count, longest gap, last tick
def ticker():
    ticks[2] = time.monotonic()
    while True:
        api.sleep(0.001)
        now = time.monotonic()
        ticks[0] += 1
        ticks[1] = max(ticks[1], now - ticks[2])
        ticks[2] = now
t = api.spawn(ticker)
api.sleep(0.005) # the ticker has started
ticks[0], ticks[1] = 0, 0.0
def two():
` + call + `
for _ in range(N):
    two()
api.kill(t)
report(ticks[0], max(ticks[1], time.monotonic() - ticks[2]))
`
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	if _, err := h.ExecFile(context.Background(), "testdata/bench.star", src); err != nil {
		host.PrintError(&out, err)
		b.Fatalf("%s", out.String())
	}
	b.StopTimer()
	b.ReportMetric(float64(ticks)/float64(b.N), "ticks/op")
	b.ReportMetric(gap*1000, "tick-gap-ms")
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Since(start)), "cores")
}

// The two ways of making the calls: one after the other on the hub, or
// through tpool.execute from two green threads, in parallel on two OS
// threads.
const (
	onHub   = "    fn(ARG)\n    fn(ARG)"
	onTpool = "    g = api.spawn(tpool.execute, fn, ARG)\n    tpool.execute(fn, ARG)\n    g.wait()"
)

// BenchmarkTwoSpins compares two CPU-bound calls made on the hub with the
// same two calls made through tpool: mix(3000000), about 0.3 s of
// arithmetic on small ints that allocates nothing per step. On two free
// cores tpool's ns/op is about half the hub's, and only with tpool does
// the ticker keep ticking (tick-gap-ms about 1, against the length of a
// call on the hub).
//
// The alloc- cases run spin(300000) instead, whose sum grows past the
// small ints, so every step allocates a big integer: such work is bound by
// the allocator and the garbage collector, which the two OS threads share
// (the collector's own work and its stop-the-world pauses are paid by
// both), and gains less from the second core.
func BenchmarkTwoSpins(b *testing.B) {
	b.Run("hub", func(b *testing.B) { benchTwo(b, "mix", 3000000, onHub) })
	b.Run("tpool", func(b *testing.B) { benchTwo(b, "mix", 3000000, onTpool) })
	b.Run("alloc-hub", func(b *testing.B) { benchTwo(b, "spin", 300000, onHub) })
	b.Run("alloc-tpool", func(b *testing.B) { benchTwo(b, "spin", 300000, onTpool) })
}
