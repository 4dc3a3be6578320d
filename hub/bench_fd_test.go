package hub

import (
	"fmt"
	"testing"

	"golang.org/x/sys/unix"
)

// BenchmarkFDPingPong measures one round trip of a byte between two tasks
// over a socketpair, each parking in Read until the other writes, with
// idle sockets beside them: the poller's wait path (the hub's poller is
// EVSCRIPT_HUB's, or the default). cpu-ns/op is the process's CPU time
// (getrusage) per round trip: on a loaded machine it is steadier than the
// wall time, which mostly measures waiting for a core.
func BenchmarkFDPingPong(b *testing.B) {
	for _, idle := range []int{0, 1000} {
		b.Run(fmt.Sprint("idle=", idle), func(b *testing.B) {
			benchRun(b, func(tk *Task) {
				var spare []*FD
				for range idle / 2 {
					fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
					if err != nil {
						b.Skip(err)
					}
					for _, sysfd := range fds {
						fd, err := tk.h.NewFD(sysfd)
						if err != nil {
							b.Skip(err) // select: past 1024
						}
						spare = append(spare, fd)
					}
				}
				defer func() {
					for _, fd := range spare {
						fd.Close()
					}
				}()
				fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
				if err != nil {
					b.Fatal(err)
				}
				x, _ := tk.h.NewFD(fds[0])
				y, _ := tk.h.NewFD(fds[1])
				defer x.Close()
				defer y.Close()
				tk.h.Spawn("echo", func(g *Task) error {
					buf := make([]byte, 1)
					for {
						if _, err := y.Read(g, buf); err != nil {
							return nil
						}
						if _, err := y.Write(g, buf); err != nil {
							return nil
						}
					}
				})
				buf := []byte{1}
				cpu0 := cpuTime()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					x.Write(tk, buf)
					if _, err := x.Read(tk, buf); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
			})
		})
	}
}

// cpuTime returns the process's user and system CPU time in nanoseconds.
func cpuTime() int64 {
	var ru unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
