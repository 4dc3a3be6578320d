package builtins_test

import (
	"context"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/evscript/evscript/host"
	"go.starlark.net/starlark"
)

// benchScript runs src with N = b.N predeclared, timing the whole run.
// Setup (host creation, parsing) costs well under a millisecond, which
// does not matter at the iteration counts the benchmarks reach.
func benchScript(b *testing.B, src string) {
	b.Helper()
	benchConfig(b, host.Config{}, src)
}

// BenchmarkSleep0Switch: two green threads alternate with sleep(0); one op
// is one sleep(0) call, that is one switch from one thread to the other.
func BenchmarkSleep0Switch(b *testing.B) { benchScript(b, sleep0Switch) }

// BenchmarkSleep0Alone: sleep(0) in a thread with nothing else runnable.
func BenchmarkSleep0Alone(b *testing.B) {
	benchScript(b, `
def loop(n):
    for i in range(n):
        api.sleep(0)
loop(N)
`)
}

// BenchmarkSpawnJoin: spawn an empty Starlark function and wait for it.
func BenchmarkSpawnJoin(b *testing.B) {
	benchScript(b, `
def f():
    pass
def loop(n):
    for i in range(n):
        api.spawn(f).wait()
loop(N)
`)
}

// BenchmarkTimerCancel: schedule a timer with call_after and cancel it.
func BenchmarkTimerCancel(b *testing.B) {
	benchScript(b, `
def f():
    pass
def loop(n):
    for i in range(n):
        api.call_after(10, f).cancel()
loop(N)
`)
}

// BenchmarkParkedThread measures memory per parked green thread: 100,000
// threads, each parked in sleep inside one Starlark function. It reports
// the growth of the heap and goroutine stacks per thread (B/thread).
func BenchmarkParkedThread(b *testing.B) {
	benchParked(b, 100_000, "", "api.sleep(3600)")
}

// benchParked spawns n green threads that each park in call, inside one
// Starlark function, after setup ran, and reports the Go heap and stack
// they hold per thread.
func benchParked(b *testing.B, n int, setup, call string) {
	for range b.N {
		var before, after runtime.MemStats
		measure := memMeasure(&before, &after)
		h, err := host.New(host.Config{Predeclared: starlark.StringDict{"measure": measure, "N": starlark.MakeInt(n)}})
		if err != nil {
			b.Fatal(err)
		}
		_, err = h.ExecFile(context.Background(), "parked.star", setup+`
def parked():
    `+call+`
measure("before")
for i in range(N):
    api.spawn(parked)
api.sleep(0)
measure("after")
`)
		if err != nil {
			b.Fatal(err)
		}
		used := func(m *runtime.MemStats) float64 { return float64(m.HeapInuse + m.StackInuse) }
		b.ReportMetric((used(&after)-used(&before))/float64(n), "B/thread")
		b.ReportMetric(float64(after.StackInuse-before.StackInuse)/float64(n), "stackB/thread")
		h.Close()
	}
}

// memMeasure returns measure(when): after a full GC it reads the memory
// statistics into before (when == "before") or after.
func memMeasure(before, after *runtime.MemStats) *starlark.Builtin {
	return starlark.NewBuiltin("measure", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		runtime.GC()
		debug.FreeOSMemory()
		if args[0] == starlark.String("before") {
			runtime.ReadMemStats(before)
		} else {
			runtime.ReadMemStats(after)
		}
		return starlark.None, nil
	})
}
