// The Node.js `http` peer of the HTTP benchmark: see http_common.py.
//   node http_node.js PORT
'use strict';

const http = require('http');

const HOST = '127.0.0.1';
const BACKLOG = 1024;
const HELLO = Buffer.from('Hello, World!\r\n');
const RELEASED = Buffer.from('released\r\n');

let held = []; // the responses of the held /wait requests

function reply(res, body, type) {
  res.writeHead(200, { 'Content-Type': type || 'text/plain', 'Content-Length': body.length });
  res.end(body);
}

const server = http.createServer((req, res) => {
  const path = req.url.split('?')[0];
  if (path === '/echo') {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => reply(res, Buffer.concat(chunks), 'application/octet-stream'));
  } else if (path === '/wait') {
    held.push(res);
  } else if (path === '/count') {
    reply(res, Buffer.from(String(held.length)));
  } else if (path === '/release') {
    const all = held;
    held = [];
    for (const r of all) reply(r, RELEASED);
    reply(res, Buffer.from(String(all.length)));
  } else {
    reply(res, HELLO);
  }
});
server.requestTimeout = 0; // a held request may wait longer than the default 300 s
server.on('clientError', (err, sock) => sock.destroy());

const port = Number(process.argv[2]);
if (!Number.isInteger(port)) {
  process.stderr.write('usage: node http_node.js PORT\n');
  process.exit(2);
}
server.listen({ host: HOST, port: port, backlog: BACKLOG }, () => {
  console.log(`listening on ${HOST}:${port}`);
});
