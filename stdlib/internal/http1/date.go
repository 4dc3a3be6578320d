// This file defines HTTPDate, the Date header value, cached per second.

package http1

import (
	"sync/atomic"
	"time"
)

// TimeFormat is the IMF-fixdate layout of Date values (RFC 9110 section
// 5.6.7). Times must be in UTC.
const TimeFormat = "Mon, 02 Jan 2006 15:04:05 GMT"

type dateEntry struct {
	sec int64
	s   string
}

// dateCache holds the value for the last second formatted. It is an atomic
// pointer, so HTTPDate is safe from any goroutine; a miss allocates one
// entry.
var dateCache atomic.Pointer[dateEntry]

// HTTPDate returns t as a Date value, "Sun, 06 Nov 1994 08:49:37 GMT". The
// value for the latest second asked for is cached, so a server calling it
// with time.Now() formats once a second. It is safe for concurrent use.
func HTTPDate(t time.Time) string {
	sec := t.Unix()
	if e := dateCache.Load(); e != nil && e.sec == sec {
		return e.s
	}
	e := &dateEntry{sec, t.UTC().Format(TimeFormat)}
	dateCache.Store(e)
	return e.s
}

// AppendDate appends a "Date: ...\r\n" field for t to dst.
func AppendDate(dst []byte, t time.Time) []byte {
	dst = append(dst, "Date: "...)
	dst = append(dst, HTTPDate(t)...)
	return append(dst, "\r\n"...)
}
