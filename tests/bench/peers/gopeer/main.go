// Command gopeer is the Go peer of the comparison harness: a line echo or
// chat server with a goroutine per connection, the goroutine
// micro-benchmarks, a program that parks N goroutines so that the harness
// can read its memory, and a one-line program for the startup time.
//
//	gopeer echo PORT     serve line echo on 127.0.0.1:PORT
//	gopeer chat PORT     serve line chat on 127.0.0.1:PORT
//	gopeer micro         print spawn_join, yield_pair and yield_alone in ns/op
//	gopeer parked N      park N goroutines in time.Sleep, print "ready", wait
//	gopeer hello         print 1
//	gopeer http PORT     serve the HTTP benchmark's endpoints with net/http (http.go)
//	gopeer wschat PORT   serve the WebSocket chat with net/http and gorilla/websocket (ws.go)
//
// Servers print "listening on 127.0.0.1:PORT" once they accept connections.
package main

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/evscript/evscript/tests/bench/goserver"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	switch os.Args[1] {
	case "echo":
		serve(goserver.Echo)
	case "chat":
		serve(goserver.Chat())
	case "micro":
		micro()
	case "parked":
		parked()
	case "hello":
		fmt.Println(1)
	case "http":
		serveHTTP(arg())
	case "wschat":
		serveWSChat(arg())
	default:
		usage()
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: gopeer echo|chat|http|wschat PORT | micro | parked N | hello")
	os.Exit(2)
}

// arg returns os.Args[2] as an int.
func arg() int {
	if len(os.Args) < 3 {
		usage()
	}
	n, err := strconv.Atoi(os.Args[2])
	if err != nil {
		usage()
	}
	return n
}

func serve(h goserver.Handler) {
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(arg()))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("listening on", ln.Addr())
	if err := goserver.New(ln, h).Serve(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// parked starts N goroutines that sleep for an hour, collects garbage,
// prints "ready N" and waits ten minutes at most for the harness to read
// its resident memory and kill it.
func parked() {
	n := arg()
	var started sync.WaitGroup
	started.Add(n)
	for range n {
		go func() {
			started.Done()
			time.Sleep(time.Hour)
		}()
	}
	started.Wait()
	runtime.Gosched()
	runtime.GC()
	debug.FreeOSMemory()
	fmt.Println("ready", n)
	time.Sleep(10 * time.Minute)
}

// micro runs the goroutine micro-benchmarks on one P, the way a hub runs
// its green threads.
func micro() {
	runtime.GOMAXPROCS(1)
	report("spawn_join", func(n int) {
		done := make(chan struct{})
		for range n {
			go func() { done <- struct{}{} }()
			<-done
		}
	})
	report("yield_pair", func(n int) {
		done := make(chan struct{})
		loop := func(k int) {
			for range k {
				runtime.Gosched()
			}
			done <- struct{}{}
		}
		go loop(n / 2)
		go loop(n - n/2)
		<-done
		<-done
	})
	report("yield_alone", func(n int) {
		for range n {
			runtime.Gosched()
		}
	})
}

// report times f with growing n until one run takes half a second (or n
// reaches 2^26), then prints the last run's time per operation.
func report(name string, f func(n int)) {
	n := 1000
	for {
		start := time.Now()
		f(n)
		d := time.Since(start)
		if d >= 500*time.Millisecond || n >= 1<<26 {
			fmt.Printf("%s %.1f ns/op\n", name, float64(d.Nanoseconds())/float64(n))
			return
		}
		n *= 4
	}
}
