// This file defines the WebSocket variant of the chat benchmark's
// connections (chat -ws PATH): each client is a WebSocket client
// (gorilla/websocket) whose every line is one text message, so that the
// chat logic reads and writes lines as over TCP.

package main

import (
	"context"
	"io"
	"net"
	"time"

	"github.com/gorilla/websocket"
)

// wsConn is a net.Conn over a WebSocket client connection: Write sends p
// as one text message; Read returns the bytes of the messages received,
// in order. One goroutine may read and one write at a time, as the chat
// benchmark does.
type wsConn struct {
	*websocket.Conn
	r io.Reader // the message being read, or nil
}

// dialWS connects a WebSocket client to ws://addr/path.
func dialWS(ctx context.Context, addr, path string) (net.Conn, error) {
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second, ReadBufferSize: 4096, WriteBufferSize: 4096}
	c, _, err := d.DialContext(ctx, "ws://"+addr+path, nil)
	if err != nil {
		return nil, err
	}
	return &wsConn{Conn: c}, nil
}

func (c *wsConn) Write(p []byte) (int, error) {
	if err := c.WriteMessage(websocket.TextMessage, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (c *wsConn) Read(p []byte) (int, error) {
	for {
		if c.r == nil {
			_, r, err := c.NextReader()
			if err != nil {
				return 0, err
			}
			c.r = r
		}
		n, err := c.r.Read(p)
		if err == io.EOF {
			c.r = nil
			if n > 0 {
				return n, nil
			}
			continue
		}
		return n, err
	}
}

func (c *wsConn) SetDeadline(t time.Time) error {
	c.SetReadDeadline(t)
	return c.SetWriteDeadline(t)
}
