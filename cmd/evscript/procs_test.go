package main

import "testing"

func TestProcsFor(t *testing.T) {
	for _, tc := range []struct {
		env       string
		cur, want int
	}{
		{"", 2, 3},  // one P more than the cores: the hub's wait holds the spare
		{"", 1, 2},  // a one-core machine too
		{"2", 2, 2}, // GOMAXPROCS set: Go's value stands
		{"1", 1, 1},
	} {
		if got := procsFor(tc.env, tc.cur); got != tc.want {
			t.Errorf("procsFor(%q, %d) = %d, want %d", tc.env, tc.cur, got, tc.want)
		}
	}
}
