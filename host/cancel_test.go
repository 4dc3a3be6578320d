package host_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/evscript/evscript/host"
)

// A cancelled context ends a script or a call wherever it is, parked or in
// a busy loop, and the error satisfies errors.Is(err, ctx.Err()).
func TestCancelledContext(t *testing.T) {
	const busy, parked = "def f():\n    while True:\n        pass\n", "def f():\n    api.sleep(100)\n"
	for _, test := range []struct {
		name string
		run  func(ctx context.Context, h *host.Host, src string) error
	}{
		{"ExecFile", func(ctx context.Context, h *host.Host, src string) error {
			_, err := h.ExecFile(ctx, "x.star", src+"f()\n")
			return err
		}},
		{"Call", func(ctx context.Context, h *host.Host, src string) error {
			h.Start()
			g, err := h.Exec(context.Background(), "setup", "x.star", src)
			if err != nil {
				return err
			}
			_, err = h.Call(ctx, "call", g["f"], nil, nil)
			return err
		}},
		{"Session.Exec", func(ctx context.Context, h *host.Host, src string) error {
			h.Start()
			s := h.NewSession()
			f, err := s.Read(lines(strings.Split(src, "\n")...))
			if err != nil {
				return err
			}
			if _, err := s.Exec(context.Background(), f); err != nil {
				return err
			}
			f, err = s.Read(lines("f()"))
			if err != nil {
				return err
			}
			_, err = s.Exec(ctx, f)
			return err
		}},
	} {
		for _, src := range []string{busy, parked} {
			h, err := host.New(host.Config{})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			done := make(chan error, 1)
			go func() { done <- test.run(ctx, h, src) }()
			select {
			case err := <-done:
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("%s of %q: %v (%T), want one that is context.DeadlineExceeded", test.name, src, err, err)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("%s of %q: not ended 10 s after its context", test.name, src)
			}
			cancel()
			h.Close()
		}
	}
}
