package redis_test

import (
	"testing"

	"github.com/evscript/evscript/host/hosttest"
	"go.starlark.net/starlark"
)

// TestScripts runs testdata/*.star against a real Redis
// (hosttest.RedisURL), each in a fresh host, with REDIS_URL predeclared.
func TestScripts(t *testing.T) {
	url := hosttest.RedisURL(t)
	hosttest.RunScripts(t, "testdata/*.star", starlark.StringDict{"REDIS_URL": starlark.String(url)})
}

// TestReconnect runs testdata/private/*.star against a redis-server of
// its own: they kill connections, which would disturb other tests.
func TestReconnect(t *testing.T) {
	s := hosttest.StartRedis(t)
	hosttest.RunScripts(t, "testdata/private/*.star", starlark.StringDict{"REDIS_URL": starlark.String(s.URL)})
}

// TestFakeServer runs testdata/noredis/*.star, which need no Redis: they
// serve RESP (and worse) themselves.
func TestFakeServer(t *testing.T) { hosttest.RunScripts(t, "testdata/noredis/*.star", nil) }
