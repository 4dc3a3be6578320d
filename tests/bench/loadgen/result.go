// This file defines result, one measurement as it goes into the results
// file, and the bookkeeping of a measured window shared by echo and chat.

package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"
)

// result is one run of one case. Fields that do not apply stay zero and
// are left out of the JSON.
type result struct {
	Label   string `json:"label"`
	Case    string `json:"case"` // echo, chat, idle, parked, startup, http_hello, http_close, http_echo, http_longpoll
	Conns   int    `json:"conns,omitempty"`
	Senders int    `json:"senders,omitempty"`
	Window  int    `json:"window,omitempty"` // lines in flight per sender
	Size    int    `json:"size,omitempty"`
	Command string `json:"command,omitempty"`
	Loadgen string `json:"loadgen"` // loadgen's own arguments

	Seconds     float64 `json:"seconds,omitempty"` // measured wall time
	Ops         int64   `json:"ops,omitempty"`     // round trips or deliveries
	Rate        float64 `json:"rate,omitempty"`    // ops per second
	P50us       float64 `json:"p50_us,omitempty"`
	P99us       float64 `json:"p99_us,omitempty"`
	MaxUs       float64 `json:"max_us,omitempty"`
	ServerCPU   float64 `json:"server_cpu_s,omitempty"`
	ServerUsOp  float64 `json:"server_us_per_op,omitempty"`
	ServerUtil  float64 `json:"server_util,omitempty"`  // server CPU / wall time
	LoadgenUtil float64 `json:"loadgen_util,omitempty"` // loadgen CPU / wall time
	OtherUtil   float64 `json:"other_util"`             // CPU of every other process and the kernel / wall time

	Sent      int64 `json:"sent,omitempty"`
	Lost      int64 `json:"lost"`
	Reordered int64 `json:"reordered"`
	Corrupt   int64 `json:"corrupt"`

	RSSBefore  int64   `json:"rss_before,omitempty"`
	RSSAfter   int64   `json:"rss_after,omitempty"`
	KiBPerItem float64 `json:"kib_per_item,omitempty"` // per connection or per parked thread

	Threads      int    `json:"threads,omitempty"`  // http: wrk threads
	Non2xx       int64  `json:"non2xx"`             // http: responses outside 2xx and 3xx
	SocketErrors int64  `json:"socket_errors"`      // http: wrk's connect, read, write and timeout errors
	Loadavg      string `json:"loadavg,omitempty"`  // /proc/loadavg (1, 5, 15 min) as the window opened
	Released     int    `json:"released,omitempty"` // http_longpoll: held requests answered correctly at the end

	Ms    []float64 `json:"ms,omitempty"` // startup: every run's wall time
	MedMs float64   `json:"median_ms,omitempty"`

	Error string `json:"error,omitempty"` // why the run failed; nothing else is then set
}

// emit prints r for people and appends it to o.jsonFile; when runErr is
// not nil, the run failed and the record says only why. It returns runErr
// or the error of writing the record.
func emit(o *options, r *result, runErr error, args []string) error {
	if runErr != nil {
		r = &result{Case: r.Case, Conns: r.Conns, Senders: r.Senders, Window: r.Window, Error: runErr.Error()}
	}
	r.Label = o.label
	if runErr == nil {
		fmt.Fprintln(os.Stderr, r.summary())
	}
	r.Loadgen = cmp.Or(o.sub, r.Case) + " " + commandString(args)
	b, err := json.Marshal(r)
	if err != nil || o.jsonFile == "" {
		return errors.Join(runErr, err)
	}
	f, err := os.OpenFile(o.jsonFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return errors.Join(runErr, err)
	}
	_, err = f.Write(append(b, '\n'))
	return errors.Join(runErr, err, f.Close())
}

// summary is one human-readable line.
func (r *result) summary() string {
	switch r.Case {
	case "echo", "chat":
		return fmt.Sprintf("%s %s conns=%d senders=%d window=%d: %.0f ops/s p50 %.0fµs p99 %.0fµs; server %.2f µs/op (%.0f%% of a core), loadgen %.0f%%, others %.0f%%; lost %d reordered %d corrupt %d",
			r.Label, r.Case, r.Conns, r.Senders, r.Window, r.Rate, r.P50us, r.P99us,
			r.ServerUsOp, 100*r.ServerUtil, 100*r.LoadgenUtil, 100*r.OtherUtil, r.Lost, r.Reordered, r.Corrupt)
	case "http_hello", "http_close", "http_echo":
		return fmt.Sprintf("%s %s conns=%d threads=%d: %.0f req/s p50 %.0fµs p99 %.0fµs; server %.2f µs/req (%.0f%% of a core), wrk %.0f%%, others %.0f%%; non-2xx %d, socket errors %d; loadavg %s",
			r.Label, r.Case, r.Conns, r.Threads, r.Rate, r.P50us, r.P99us, r.ServerUsOp, 100*r.ServerUtil,
			100*r.LoadgenUtil, 100*r.OtherUtil, r.Non2xx, r.SocketErrors, r.Loadavg)
	case "http_longpoll":
		return fmt.Sprintf("%s %s n=%d: RSS %.1f MiB -> %.1f MiB, %.2f KiB each; %d released; loadavg %s",
			r.Label, r.Case, r.Conns, float64(r.RSSBefore)/(1<<20), float64(r.RSSAfter)/(1<<20), r.KiBPerItem,
			r.Released, r.Loadavg)
	case "idle", "parked":
		return fmt.Sprintf("%s %s n=%d: RSS %.1f MiB -> %.1f MiB, %.2f KiB each",
			r.Label, r.Case, r.Conns, float64(r.RSSBefore)/(1<<20), float64(r.RSSAfter)/(1<<20), r.KiBPerItem)
	default:
		return fmt.Sprintf("%s %s: median %.1f ms of %d runs", r.Label, r.Case, r.MedMs, len(r.Ms))
	}
}

// window is the measured interval of a load run: wall time, server CPU and
// loadgen CPU at its two ends.
type window struct {
	pid        int
	t0, t1     time.Time
	srv0, srv1 time.Duration
	own0, own1 time.Duration
	all0, all1 time.Duration // every core, from /proc/stat
	err        error
}

func (w *window) open() {
	w.t0, w.own0 = time.Now(), selfCPU()
	w.all0, w.err = machineBusy()
	if w.pid != 0 && w.err == nil {
		w.srv0, w.err = cpuTime(w.pid)
	}
}

func (w *window) close() {
	w.t1, w.own1 = time.Now(), selfCPU()
	if w.err == nil {
		w.all1, w.err = machineBusy()
	}
	if w.pid != 0 && w.err == nil {
		w.srv1, w.err = cpuTime(w.pid)
	}
}

// fill sets the rate and CPU fields of r for ops operations in w.
func (w *window) fill(r *result, ops int64, h *hist) {
	secs := w.t1.Sub(w.t0).Seconds()
	r.Seconds, r.Ops, r.Rate = secs, ops, float64(ops)/secs
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	r.P50us, r.P99us, r.MaxUs = us(h.quantile(0.50)), us(h.quantile(0.99)), us(h.max)
	r.LoadgenUtil = (w.own1 - w.own0).Seconds() / secs
	if w.pid != 0 && w.err == nil {
		cpu := (w.srv1 - w.srv0).Seconds()
		r.ServerCPU, r.ServerUtil = cpu, cpu/secs
		if ops > 0 {
			r.ServerUsOp = cpu * 1e6 / float64(ops)
		}
		r.OtherUtil = max(0, (w.all1-w.all0).Seconds()/secs-r.ServerUtil-r.LoadgenUtil)
	}
}
