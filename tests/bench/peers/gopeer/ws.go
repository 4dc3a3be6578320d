package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"

	"github.com/evscript/evscript/tests/bench/goserver"
)

// serveWSChat serves the WebSocket chat (goserver.WSChat: net/http and
// gorilla/websocket, a goroutine per connection) on 127.0.0.1:port.
func serveWSChat(port int) {
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("listening on", ln.Addr())
	if err := (&http.Server{Handler: goserver.WSChat()}).Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
