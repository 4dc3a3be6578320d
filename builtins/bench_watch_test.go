package builtins_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/evscript/evscript/host"
	"go.starlark.net/starlark"
)

// sleep0Switch is BenchmarkSleep0Switch's script.
const sleep0Switch = `
def loop(n):
    for i in range(n):
        api.sleep(0)
a = api.spawn(loop, N // 2)
c = api.spawn(loop, N - N // 2)
a.wait()
c.wait()
`

// benchConfig runs src with N = b.N under cfg.
func benchConfig(b *testing.B, cfg host.Config, src string) {
	b.Helper()
	cfg.Stdout = io.Discard
	cfg.Predeclared = starlark.StringDict{"N": starlark.MakeInt(b.N)}
	h, err := host.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	b.ResetTimer()
	if _, err := h.ExecFile(context.Background(), "bench.star", src); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSleep0SwitchWatched is BenchmarkSleep0Switch with blocking
// detection on: the cost of the switch hook, the slice stamps and the
// armed step hook.
func BenchmarkSleep0SwitchWatched(b *testing.B) {
	benchConfig(b, host.Config{Blocking: time.Second}, sleep0Switch)
}

// BenchmarkSleep0SwitchSandboxed is BenchmarkSleep0Switch under a sandbox
// with a step budget and every module granted.
func BenchmarkSleep0SwitchSandboxed(b *testing.B) {
	benchConfig(b, host.Config{Sandbox: &host.Sandbox{Grants: []string{"*"}, MaxSteps: 1 << 40, MaxThreads: 1 << 20}}, sleep0Switch)
}

// BenchmarkLoopWatched measures a busy Starlark loop with blocking
// detection on (its step hook runs every 2000 steps); compare
// BenchmarkLoop.
func BenchmarkLoopWatched(b *testing.B) {
	benchConfig(b, host.Config{Blocking: time.Hour}, busyLoop)
}

// BenchmarkLoop measures a busy Starlark loop: one op is one iteration.
func BenchmarkLoop(b *testing.B) { benchConfig(b, host.Config{}, busyLoop) }

const busyLoop = `
x = 0
for i in range(N):
    x += i
`
