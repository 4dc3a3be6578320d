package main

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestLineRoundTrip(t *testing.T) {
	buf := make([]byte, 64)
	want := line{kind: 'm', id: 1234567, seq: 987654321012, sent: 12345 * time.Millisecond}
	encode(buf, want)
	got, err := decode(buf, len(buf))
	if err != nil || got != want {
		t.Fatalf("decode(%q) = %+v, %v; want %+v", buf, got, err, want)
	}
	for i := range buf {
		bad := slices.Clone(buf)
		bad[i]++
		if l, err := decode(bad, len(bad)); err == nil && l == want {
			t.Errorf("a change at byte %d went unnoticed: %q", i, bad)
		}
	}
	if _, err := decode(buf[:60], len(buf)); err == nil {
		t.Error("a short line passed")
	}
}

func TestHistQuantiles(t *testing.T) {
	var h hist
	var all []time.Duration
	for range 100000 {
		d := time.Duration(rand.ExpFloat64() * float64(time.Millisecond))
		h.add(d)
		all = append(all, d)
	}
	slices.Sort(all)
	for _, q := range []float64{0.5, 0.9, 0.99} {
		want := all[int(q*float64(len(all)-1))]
		got := h.quantile(q)
		if got > want || float64(want-got) > 0.02*float64(want) {
			t.Errorf("quantile %.2f = %v, want %v within 2%% below", q, got, want)
		}
	}
	if h.max != all[len(all)-1] {
		t.Errorf("max %v, want %v", h.max, all[len(all)-1])
	}
}

func TestBucketBounds(t *testing.T) {
	for _, d := range []uint64{0, 1, 63, 64, 65, 127, 128, 1000, 123456789, 1 << 39} {
		i := bucket(d)
		if lo := lowerBound(i); lo > d || (i+1 < numBuckets && lowerBound(i+1) <= d) {
			t.Errorf("d=%d in bucket %d [%d, %d)", d, i, lo, lowerBound(i+1))
		}
	}
}
