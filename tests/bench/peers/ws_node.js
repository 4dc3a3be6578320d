// The Node.js WebSocket chat peer of tests/bench (loadgen chat -ws /ws),
// with the npm package ws: every message a client sends goes to every
// other client, never back to the sender. ws.sh installs ws into a
// temporary directory and sets NODE_PATH. Usage: node ws_node.js PORT
'use strict';

const { WebSocketServer } = require('ws');

const port = Number(process.argv[2]);
const wss = new WebSocketServer({ host: '127.0.0.1', port, backlog: 1024, perMessageDeflate: false });
wss.on('listening', () => console.log(`listening on 127.0.0.1:${wss.address().port}`));
wss.on('connection', (ws, req) => {
  req.socket.setNoDelay(true);
  ws.on('error', () => {});
  ws.on('message', (data, isBinary) => {
    for (const other of wss.clients) {
      if (other !== ws && other.readyState === 1) other.send(data, { binary: isBinary });
    }
  });
});
