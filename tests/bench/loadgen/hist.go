// This file defines hist, a latency histogram with log-linear buckets.

package main

import (
	"math/bits"
	"time"
)

// subBits sets the precision: each power of two is split into 2^subBits
// buckets, so a bucket is at most 1/64 (1.6 %) wider than its lower bound.
const (
	subBits    = 6
	subBuckets = 1 << subBits
	maxExp     = 40 // durations up to 2^40 ns (18 minutes)
	numBuckets = (maxExp - subBits + 1) * subBuckets
)

// hist counts durations. The zero value is empty and ready to use; one
// goroutine owns each hist, and merge combines them afterwards.
type hist struct {
	counts [numBuckets]uint64
	n      uint64
	max    time.Duration
}

// bucket returns the index of the bucket that holds d nanoseconds.
func bucket(d uint64) int {
	if d < subBuckets {
		return int(d)
	}
	exp := bits.Len64(d) - 1 // d is in [2^exp, 2^(exp+1))
	if exp >= maxExp {
		return numBuckets - 1
	}
	shift := exp - subBits
	return (shift+1)*subBuckets + int(d>>shift) - subBuckets
}

// lowerBound returns the smallest duration of bucket i.
func lowerBound(i int) uint64 {
	if i < subBuckets {
		return uint64(i)
	}
	shift := i/subBuckets - 1
	return uint64(i%subBuckets+subBuckets) << shift
}

// add counts one duration.
func (h *hist) add(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucket(uint64(d))]++
	h.n++
	if d > h.max {
		h.max = d
	}
}

// merge adds the counts of o to h.
func (h *hist) merge(o *hist) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile returns the lower bound of the bucket that holds quantile q (0 to
// 1), so it errs low by at most 1.6 %; it is 0 for an empty hist.
func (h *hist) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q * float64(h.n-1))
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen > rank {
			return time.Duration(lowerBound(i))
		}
	}
	return h.max
}
