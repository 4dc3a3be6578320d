package main

import "testing"

func TestParseWrk(t *testing.T) {
	out := `Running 3s test @ http://127.0.0.1:41000/
  1 threads and 100 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.31ms  610.11us  20.03ms   93.00%
    Req/Sec    43.90k     2.01k   46.30k    80.00%
  Latency Distribution
     50%    2.24ms
     75%    2.40ms
     90%    2.61ms
     99%    7.00ms
  131721 requests in 3.00s, 16.33MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:  43906.33
Transfer/sec:      5.44MB
`
	r, err := parseWrk(out)
	if err != nil {
		t.Fatal(err)
	}
	if r.Ops != 131721 || r.Seconds != 3 || r.P50us != 2240 || r.P99us != 7000 ||
		r.SocketErrors != 3 || r.Non2xx != 4 {
		t.Errorf("parsed %+v", r)
	}
	if _, err := parseWrk("unable to connect to 127.0.0.1:1 Connection refused\n"); err == nil {
		t.Error("no error for a failed wrk")
	}
}
