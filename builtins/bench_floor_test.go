package builtins_test

import (
	"testing"

	"go.starlark.net/starlark"
)

// sink is a value with a write method that does nothing: the participant
// of BenchmarkFanoutFloor.
type sink struct{ write *starlark.Builtin }

func (s *sink) String() string        { return "sink" }
func (s *sink) Type() string          { return "sink" }
func (s *sink) Freeze()               {}
func (s *sink) Truth() starlark.Bool  { return true }
func (s *sink) Hash() (uint32, error) { return 0, nil }
func (s *sink) AttrNames() []string   { return []string{"write"} }
func (s *sink) Attr(name string) (starlark.Value, error) {
	if name == "write" {
		return s.write, nil
	}
	return nil, nil
}

// BenchmarkFanoutFloor times the chat server's inner loop,
//
//	for p in participants:
//	    if p != writer:
//	        p.write(line)
//
// with a write that does nothing, on one Starlark thread: the interpreter's
// cost per delivery, below which no change to evscript's own code can take
// the chat benchmark. One op is one delivery.
func BenchmarkFanoutFloor(b *testing.B) {
	write := starlark.NewBuiltin("write", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
		return starlark.None, nil
	})
	participants := make([]starlark.Value, 100)
	for i := range participants {
		participants[i] = &sink{write}
	}
	src := `
def deliver(participants, writer, line, rounds):
    for _ in range(rounds):
        for p in participants:
            if p != writer:
                p.write(line)
`
	predeclared := starlark.StringDict{}
	globals, err := starlark.ExecFile(&starlark.Thread{}, "floor.star", src, predeclared)
	if err != nil {
		b.Fatal(err)
	}
	rounds := b.N/99 + 1
	args := starlark.Tuple{starlark.NewList(participants), participants[0], starlark.String("a line of chat, about forty-eight bytes long\n"), starlark.MakeInt(rounds)}
	b.ResetTimer()
	if _, err := starlark.Call(&starlark.Thread{}, globals["deliver"], args, nil); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(rounds*99), "ns/delivery")
}
