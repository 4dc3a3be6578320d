package hub

import (
	"container/heap"
	"sort"
	"testing"
	"time"
)

// FuzzTimerHeap checks the timer heap against a sorted reference slice
// under random sequences of adds and stops.
func FuzzTimerHeap(f *testing.F) {
	f.Add([]byte{1, 2, 3, 200, 4, 5, 130, 1, 1})
	f.Add([]byte{0, 0, 0, 128, 129, 130})
	f.Fuzz(func(t *testing.T, ops []byte) {
		h := &Hub{start: time.Now()}
		var live []*Timer
		for _, op := range ops {
			if op < 128 || len(live) == 0 {
				tm := &Timer{}
				h.seq++
				tm.h, tm.when, tm.seq = h, int64(op%16), h.seq
				heap.Push(&h.timers, tm)
				live = append(live, tm)
				continue
			}
			i := int(op-128) % len(live)
			if !live[i].Stop() {
				t.Fatalf("Stop of a pending timer returned false")
			}
			if live[i].Stop() {
				t.Fatalf("second Stop returned true")
			}
			live = append(live[:i], live[i+1:]...)
		}
		sort.Slice(live, func(i, j int) bool {
			return live[i].when < live[j].when || live[i].when == live[j].when && live[i].seq < live[j].seq
		})
		for _, want := range live {
			got := heap.Pop(&h.timers).(*Timer)
			if got != want {
				t.Fatalf("popped (%d,%d), want (%d,%d)", got.when, got.seq, want.when, want.seq)
			}
		}
		if len(h.timers) != 0 {
			t.Fatalf("%d timers left", len(h.timers))
		}
	})
}
