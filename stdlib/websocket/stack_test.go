//go:build !race

// The race detector's instrumentation makes every frame larger, so the
// stack figures below hold only without it.

package websocket_test

import (
	"context"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/evscript/evscript/host"
	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
)

// wsParkedLimit bounds the goroutine stack of a server-side WebSocket
// handler parked in ws.wait(), in bytes per connection. Its path is deeper
// than a plain socket read's before the wait starts (wsgi.server's
// connection thread, the app call, the handler's interpreter frame), so it
// parks on 8 KiB (measured when this test was written), not 4 KiB: this
// bound keeps the websocket's own part (wait, next, waitIdle, which parks
// holding no buffer) from growing it to 16 KiB. See the shallow-stack rule
// in builtins/doc.go.
const wsParkedLimit = 8<<10 + 1024

// TestParkedStack measures the stack a WebSocket handler holds while it
// waits for its next message, with N idle clients connected.
func TestParkedStack(t *testing.T) {
	n := 1000
	if hub.EnvPoller() == "select" {
		n = 400 // two descriptors a connection, and select takes them under 1024 only
	}
	var before, after runtime.MemStats
	measure := starlark.NewBuiltin("measure", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		runtime.GC()
		debug.FreeOSMemory()
		if args[0] == starlark.String("before") {
			runtime.ReadMemStats(&before)
		} else {
			runtime.ReadMemStats(&after)
		}
		return starlark.None, nil
	})
	h, err := host.New(host.Config{Predeclared: starlark.StringDict{"measure": measure, "N": starlark.MakeInt(n)}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	src := `
parked = coros.queue()
def handler(ws):
    parked.put(1)
    ws.wait()

ln = api.tcp_listener(("127.0.0.1", 0), backlog = 1024)
url = "ws://127.0.0.1:%d/" % ln.getsockname()[1]
api.spawn(wsgi.server, ln, websocket.WebSocketWSGI(handler), log_output = False, max_size = 2 * N)
api.sleep(0)
measure("before")
clients = [websocket.connect(url) for i in range(N)]
for i in range(N):
    parked.get(timeout = 10)  # every handler has reached its wait
api.sleep(0)
measure("after")
ln.close()
`
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := h.ExecFile(ctx, "parked.star", src); err != nil {
		t.Fatal(err)
	}
	per := float64(after.StackInuse-before.StackInuse) / float64(n)
	t.Logf("%.0f stack bytes per WebSocket handler parked in ws.wait()", per)
	if per > wsParkedLimit {
		t.Errorf("%.0f stack bytes per parked WebSocket handler, want at most %d: a frame on its park path grew", per, wsParkedLimit)
	}
}
