// Package websocket is the websocket module: eventlet.websocket's
// WebSocketWSGI, a WSGI application for wsgi.server that upgrades a
// request to RFC 6455 (version 13) and runs a handler with the
// connection, and connect, a client for ws:// and wss:// (SCRIPT-API.md,
// "websocket").
//
// The framing is this package's own (frame.go), over the green net.Conn
// of builtins (Socket.NetConn): a server connection is the wsgi.server
// connection taken over with wsgi.Upgrade, in the same green thread. No
// goroutine is started. A connection waiting for its next frame holds no
// read buffer (it parks in NetConn.WaitReadable), so an idle WebSocket
// costs little more than its green thread.
//
// Refusals follow RFC 6455: a frame over max_frame_length (or a message
// joined past it) is closed with 1009, text that is not UTF-8 with 1007,
// any other protocol error (an unmasked client frame, a masked server
// frame, a control frame over 125 bytes or fragmented, reserved bits or
// opcodes, a continuation out of place, a bad close frame) with 1002.
// Each costs only its own connection.
package websocket

import (
	"github.com/evscript/evscript/builtins"
)

// Module is the websocket module.
var Module = &builtins.Module{
	Name: "websocket",
	Funcs: map[string]builtins.Func{
		"WebSocketWSGI": newApp,
		"connect":       connect,
	},
}
