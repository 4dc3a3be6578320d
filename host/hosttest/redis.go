package hosttest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// RedisURLEnv names the environment variable that points the tests at a
// running Redis (.ci/service-redis.sh sets it), as redis://host:port.
const RedisURLEnv = "EVSCRIPT_REDIS_URL"

var (
	sharedRedisOnce sync.Once
	sharedRedis     string
	sharedRedisErr  error
)

// RedisURL returns the URL of a Redis server for tests: $EVSCRIPT_REDIS_URL
// if set, else a redis-server started for this test binary (on a free
// port, without persistence, shared by the binary's tests and killed when
// the binary exits). The test is skipped, naming Redis, when neither
// can be had.
func RedisURL(t testing.TB) string {
	t.Helper()
	if u := os.Getenv(RedisURLEnv); u != "" {
		return u
	}
	sharedRedisOnce.Do(func() {
		var s *RedisServer
		s, sharedRedisErr = startRedis()
		if s != nil {
			sharedRedis = s.URL
		}
	})
	if sharedRedisErr != nil {
		t.Skipf("needs Redis: set %s or install redis-server (%v)", RedisURLEnv, sharedRedisErr)
	}
	return sharedRedis
}

// A RedisServer is a redis-server process started for tests.
type RedisServer struct {
	URL string
	cmd *exec.Cmd
}

// StartRedis starts a redis-server of its own for t (stopped at t's
// end), or skips t, naming Redis, if the binary is not installed.
func StartRedis(t testing.TB) *RedisServer {
	t.Helper()
	s, err := startRedis()
	if err != nil {
		t.Skipf("needs Redis: install redis-server (%v)", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Stop kills the server and waits for it.
func (s *RedisServer) Stop() {
	s.cmd.Process.Kill()
	s.cmd.Wait()
}

// startRedis starts redis-server on a free port of 127.0.0.1, without
// persistence, and waits (at most 10 s) until it accepts connections. It
// is killed if this process dies first (redisProcAttr).
func startRedis() (*RedisServer, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, err
	}
	var lastErr error
	for range 3 { // the free port may be taken before redis-server binds it
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		cmd := exec.Command(bin, "--port", fmt.Sprint(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--protected-mode", "no", "--loglevel", "notice")
		out, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		cmd.Stderr = cmd.Stdout
		cmd.SysProcAttr = redisProcAttr()
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		ready := make(chan error, 1)
		go func() {
			sc := bufio.NewScanner(out)
			var log []string
			for sc.Scan() {
				log = append(log, sc.Text())
				if strings.Contains(sc.Text(), "Ready to accept connections") {
					ready <- nil
					for sc.Scan() { // keep draining, so that redis never blocks on its log
					}
					return
				}
			}
			ready <- fmt.Errorf("redis-server exited: %s", strings.Join(log, "\n"))
		}()
		select {
		case err = <-ready:
		case <-time.After(10 * time.Second):
			err = fmt.Errorf("redis-server not ready within 10 s")
		}
		if err == nil {
			return &RedisServer{URL: fmt.Sprintf("redis://127.0.0.1:%d", port), cmd: cmd}, nil
		}
		cmd.Process.Kill()
		cmd.Wait()
		lastErr = err
	}
	return nil, lastErr
}
