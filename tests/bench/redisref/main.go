// Command redisref is the reference for the evscript redis module's
// benchmark (tests/bench/redis.sh): go-redis v9 from plain goroutines,
// CLIENTS goroutines each running N rounds of SET then GET on a key of
// its own, on go-redis's default pool. It prints the commands per second;
// the CPU time is measured by the caller (getrusage of the child).
//
//	go run . -url redis://127.0.0.1:6379/0 -clients 100 -n 2000
//
// It is a module of its own, so that evscript does not depend on go-redis.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

func main() {
	url := flag.String("url", "redis://127.0.0.1:6379/0", "Redis URL")
	clients := flag.Int("clients", 100, "goroutines")
	n := flag.Int("n", 2000, "SET+GET rounds per goroutine")
	flag.Parse()
	opt, err := redis.ParseURL(*url)
	if err != nil {
		log.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	ctx := context.Background()
	if err := rdb.Ping(ctx).Err(); err != nil {
		log.Fatal(err)
	}
	start := time.Now()
	var wg sync.WaitGroup
	for i := range *clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := fmt.Sprintf("bench:go:%d", i)
			for j := range *n {
				v := fmt.Sprint(j)
				if err := rdb.Set(ctx, key, v, 0).Err(); err != nil {
					log.Fatal(err)
				}
				if got, err := rdb.Get(ctx, key).Result(); err != nil || got != v {
					log.Fatalf("GET %s = %q, %v; want %q", key, got, err, v)
				}
			}
		}()
	}
	wg.Wait()
	d := time.Since(start)
	ops := 2 * *clients * *n
	fmt.Printf("go-redis clients=%d ops=%d seconds=%.3f ops/s=%.0f\n", *clients, ops, d.Seconds(), float64(ops)/d.Seconds())
}
