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

// benchSpin runs, b.N times, two CPU-bound calls (spin of testdata/work.star)
// by the script line call, while a ticker green thread ticks every
// millisecond; it reports the ticks per operation, which say whether the
// hub stayed free, and the cores it kept busy on average (CPU time over
// wall time: about 1 on the hub, up to 2 with tpool on two cores). Compare ns/op of BenchmarkTwoSpins/hub and /tpool on a
// machine with two free cores: tpool's is about half.
func benchSpin(b *testing.B, call string) {
	var out bytes.Buffer
	var ticks int
	h, err := host.New(host.Config{
		Stdout: &out,
		Stderr: &out,
		Predeclared: starlark.StringDict{
			"N": starlark.MakeInt(b.N),
			"report": starlark.NewBuiltin("report", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
				ticks, _ = starlark.AsInt32(args[0])
				return starlark.None, nil
			}),
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	src := `
load("work.star", "spin")
ticks = [0]
def ticker():
    while True:
        api.sleep(0.001)
        ticks[0] += 1
t = api.spawn(ticker)
def two():
` + call + `
for _ in range(N):
    two()
api.kill(t)
report(ticks[0])
`
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	if _, err := h.ExecFile(context.Background(), "testdata/bench.star", src); err != nil {
		host.PrintError(&out, err)
		b.Fatalf("%s", out.String())
	}
	b.StopTimer()
	b.ReportMetric(float64(ticks)/float64(b.N), "ticks/op")
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Since(start)), "cores")
}

// BenchmarkTwoSpins compares two CPU-bound calls made on the hub, one after
// the other, with the same two calls made through tpool.execute from two
// green threads, which run them in parallel on two OS threads.
func BenchmarkTwoSpins(b *testing.B) {
	b.Run("hub", func(b *testing.B) {
		benchSpin(b, "    spin(300000)\n    spin(300000)")
	})
	b.Run("tpool", func(b *testing.B) {
		benchSpin(b, "    g = api.spawn(tpool.execute, spin, 300000)\n    tpool.execute(spin, 300000)\n    g.wait()")
	})
}
