package db_pool_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/evscript/evscript/host"
	"github.com/evscript/evscript/host/hosttest"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.starlark.net/starlark"
	_ "modernc.org/sqlite"
)

// The select-by-primary-key benchmarks: Threads callers on a pool of
// PoolSize connections, each query "SELECT v FROM bench_kv WHERE id = k"
// over Rows rows. Besides ns/op they report queries per second (qps) and
// the CPU time of this whole process per query (cpu-µs/q): on a shared
// machine the second is the steadier figure. tests/bench/db.sh runs them
// beside eventlet's TpooledConnectionPool (psycopg2, sqlite3).
const (
	Threads  = 100
	PoolSize = 8
	Rows     = 1000
)

// cpuTime returns the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure reports qps and cpu-µs/q for n queries that took from start.
func measure(b *testing.B, n int, start time.Time, cpu0 time.Duration) {
	wall := time.Since(start)
	b.ReportMetric(float64(n)/wall.Seconds(), "qps")
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Microsecond)/float64(n), "cpu-µs/q")
}

// benchScript is the evscript side: Threads green threads on a
// ConnectionPool of PoolSize, and a sibling green thread serving TCP
// echo, which a client in another process (this test binary again, see
// TestMain) pings every millisecond during the load: p99-echo-ms is the
// 99th percentile of those round trips. The client is a process of its
// own so that the figure is the hub's: a goroutine of this process would
// wait for the Go scheduler behind the driver's goroutines too.
const benchScript = `
pool = db_pool.ConnectionPool(DRIVER, DSN, max_size = PoolSize, autocommit = AUTOCOMMIT)
ph = "?" if DRIVER == "sqlite" else "$1"
def setup(c):
    c.execute("DROP TABLE IF EXISTS bench_kv")
    c.execute("CREATE TABLE bench_kv (id INTEGER PRIMARY KEY, v TEXT)")
    c.cursor().executemany("INSERT INTO bench_kv (id, v) VALUES (%s, %s)" % (ph, "?" if DRIVER == "sqlite" else "$2"),
                           [(i, "value %d" % i) for i in range(Rows)])
    c.commit()
pool.item(setup)
Q = "SELECT v FROM bench_kv WHERE id = " + ph

l = api.tcp_listener(("127.0.0.1", 0))
def echo():
    conn, _ = l.accept()
    f = conn.makefile("rw")
    for line in f:
        f.write(line)
        f.flush()
api.spawn(echo)

per = N // Threads + 1
def worker(w):
    for i in range(per):
        if IDLE:
            api.sleep(0.001)
            continue
        c = pool.get()
        row = c.execute(Q, ((w * 7919 + i) % Rows,)).fetchone()
        pool.put(c)
        if row == None:
            fail("no row")
ready(l.getsockname()[1])
ws = [api.spawn(worker, w) for w in range(Threads)]
for w in ws:
    w.wait()
done(per * Threads)
`

func benchEvscript(b *testing.B, driver, dsn string, idle, autocommit bool) {
	var out bytes.Buffer
	var start time.Time
	var cpu0 time.Duration
	var rtts []time.Duration
	stop := make(chan struct{})
	var wg sync.WaitGroup
	fn := func(name string, f func(int)) *starlark.Builtin {
		return starlark.NewBuiltin(name, func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
			n, _ := starlark.AsInt32(args[0])
			f(n)
			return starlark.None, nil
		})
	}
	h, err := host.New(host.Config{
		Stdout: &out, Stderr: &out,
		Predeclared: starlark.StringDict{
			"N": starlark.MakeInt(b.N), "DRIVER": starlark.String(driver), "DSN": starlark.String(dsn), "IDLE": starlark.Bool(idle),
			"AUTOCOMMIT": starlark.Bool(autocommit),
			"Threads":    starlark.MakeInt(Threads), "PoolSize": starlark.MakeInt(PoolSize), "Rows": starlark.MakeInt(Rows),
			"ready": fn("ready", func(port int) {
				wg.Add(1)
				go func() { // waits for the echo client's process, off the hub
					defer wg.Done()
					var err error
					if rtts, err = pingProcess(port, stop); err != nil {
						b.Error(err)
					}
				}()
				b.ResetTimer()
				start, cpu0 = time.Now(), cpuTime()
			}),
			"done": fn("done", func(n int) {
				b.StopTimer()
				measure(b, n, start, cpu0)
				close(stop)
			}),
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	if _, err := h.ExecFile(context.Background(), "bench.star", benchScript); err != nil {
		host.PrintError(&out, err)
		b.Fatalf("%s", out.String())
	}
	wg.Wait()
	if len(rtts) > 0 {
		slices.Sort(rtts)
		b.ReportMetric(float64(rtts[len(rtts)*99/100])/float64(time.Millisecond), "p99-echo-ms")
	}
}

// pingPortEnv makes this test binary the echo client (TestMain): it pings
// the port it names until its standard input ends, then prints each round
// trip in nanoseconds, a line each.
const pingPortEnv = "EVSCRIPT_BENCH_PING_PORT"

func TestMain(m *testing.M) {
	if port := os.Getenv(pingPortEnv); port != "" {
		n, _ := strconv.Atoi(port)
		stop := make(chan struct{})
		go func() { io.Copy(io.Discard, os.Stdin); close(stop) }()
		w := bufio.NewWriter(os.Stdout)
		for _, d := range pingEcho(n, stop) {
			fmt.Fprintln(w, d.Nanoseconds())
		}
		w.Flush()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// pingProcess runs the echo client on port in a process of its own until
// stop, and returns its round-trip times.
func pingProcess(port int, stop chan struct{}) ([]time.Duration, error) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d", pingPortEnv, port))
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	<-stop
	in.Close()
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("echo client: %v", err)
	}
	var rtts []time.Duration
	for _, f := range strings.Fields(out.String()) {
		ns, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("echo client printed %q", f)
		}
		rtts = append(rtts, time.Duration(ns))
	}
	return rtts, nil
}

// pingEcho sends a line to the echo server at port every millisecond
// until stop, and returns the round-trip times.
func pingEcho(port int, stop chan struct{}) []time.Duration {
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return nil
	}
	defer c.Close()
	r := bufio.NewReader(c)
	var rtts []time.Duration
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return rtts
		case <-tick.C:
		}
		t0 := time.Now()
		c.SetDeadline(t0.Add(5 * time.Second))
		if _, err := c.Write([]byte("ping\n")); err != nil {
			return rtts
		}
		if _, err := r.ReadString('\n'); err != nil {
			return rtts
		}
		rtts = append(rtts, time.Since(t0))
	}
}

// benchGo runs b.N queries from Threads goroutines through query.
func benchGo(b *testing.B, query func(ctx context.Context, k int) error) {
	ctx := context.Background()
	per := b.N/Threads + 1
	var wg sync.WaitGroup
	errs := make(chan error, Threads)
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	for w := range Threads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				if err := query(ctx, (w*7919+i)%Rows); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	measure(b, per*Threads, start, cpu0)
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

// BenchmarkSelectByPK compares db_pool from green threads with the Go
// drivers called directly from goroutines, on PostgreSQL and SQLite.
// pgx-tx does what DB-API's implicit transactions do per query (BEGIN,
// SELECT, and put's ROLLBACK), pgx the SELECT alone, as db_pool does in
// autocommit mode (evscript-autocommit).
func BenchmarkSelectByPK(b *testing.B) {
	// The echo round trips with the same green threads sleeping instead of
	// querying: what the machine gives when the hub has nothing to do.
	b.Run("evscript-idle", func(b *testing.B) {
		benchEvscript(b, "sqlite", filepath.Join(b.TempDir(), "bench.db"), true, false)
	})
	b.Run("evscript-sqlite", func(b *testing.B) {
		benchEvscript(b, "sqlite", filepath.Join(b.TempDir(), "bench.db"), false, false)
	})
	b.Run("evscript-autocommit-sqlite", func(b *testing.B) {
		benchEvscript(b, "sqlite", filepath.Join(b.TempDir(), "bench.db"), false, true)
	})
	b.Run("go-sqlite", func(b *testing.B) {
		path := filepath.Join(b.TempDir(), "bench.db")
		db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		db.SetMaxOpenConns(PoolSize)
		db.SetMaxIdleConns(PoolSize)
		if _, err := db.Exec("CREATE TABLE bench_kv (id INTEGER PRIMARY KEY, v TEXT)"); err != nil {
			b.Fatal(err)
		}
		for i := range Rows {
			db.Exec("INSERT INTO bench_kv VALUES (?, ?)", i, fmt.Sprintf("value %d", i))
		}
		benchGo(b, func(ctx context.Context, k int) error {
			var v string
			return db.QueryRowContext(ctx, "SELECT v FROM bench_kv WHERE id = ?", k).Scan(&v)
		})
	})
	dsn := hosttest.Postgres(b)
	b.Run("evscript-postgres", func(b *testing.B) { benchEvscript(b, "postgres", dsn, false, false) })
	b.Run("evscript-autocommit-postgres", func(b *testing.B) { benchEvscript(b, "postgres", dsn, false, true) })
	pool, err := pgxpool.New(context.Background(), dsn+"?pool_max_conns=8")
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	b.Run("pgx-postgres", func(b *testing.B) {
		benchGo(b, func(ctx context.Context, k int) error {
			var v string
			return pool.QueryRow(ctx, "SELECT v FROM bench_kv WHERE id = $1", k).Scan(&v)
		})
	})
	b.Run("pgx-tx-postgres", func(b *testing.B) {
		benchGo(b, func(ctx context.Context, k int) error {
			tx, err := pool.Begin(ctx)
			if err != nil {
				return err
			}
			defer tx.Rollback(ctx)
			var v string
			return tx.QueryRow(ctx, "SELECT v FROM bench_kv WHERE id = $1", k).Scan(&v)
		})
	})
}
