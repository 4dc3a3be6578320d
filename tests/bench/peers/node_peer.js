// The Node.js peer of the comparison harness. Modes, as for the Python peers
// (see common.py):
//   echo PORT | chat PORT | micro | parked N | hello
// Each connection splits its input into lines itself and writes each line
// with one socket.write, line by line; noDelay is set as on every peer.
'use strict';

const net = require('net');

const HOST = '127.0.0.1';
const BACKLOG = 1024;

function usage() {
  process.stderr.write('usage: node_peer.js echo|chat PORT | micro | parked N | hello\n');
  process.exit(2);
}

// onLines calls f(line) for every complete line (a Buffer including "\n")
// that arrives on sock.
function onLines(sock, f) {
  let rest = null;
  sock.on('data', (chunk) => {
    let buf = rest ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(10, start);
      if (nl < 0) break;
      f(buf.subarray(start, nl + 1));
      start = nl + 1;
    }
    rest = start < buf.length ? buf.subarray(start) : null;
  });
}

function serve(port, handle) {
  const server = net.createServer({ noDelay: true }, (sock) => {
    sock.setNoDelay(true);
    sock.on('error', () => {});
    handle(sock);
  });
  server.listen({ host: HOST, port: port, backlog: BACKLOG }, () => {
    console.log(`listening on ${HOST}:${port}`);
  });
}

function echo(port) {
  serve(port, (sock) => onLines(sock, (line) => sock.write(line)));
}

function chat(port) {
  const members = new Set();
  serve(port, (sock) => {
    members.add(sock);
    sock.on('close', () => members.delete(sock));
    onLines(sock, (line) => {
      for (const m of members) {
        if (m !== sock) m.write(line);
      }
    });
  });
}

// timed runs run(n) with n growing fourfold until one run takes 0.5 s (or
// n reaches 2^24) and prints the last run's nanoseconds per operation.
async function timed(name, run) {
  let n = 1000;
  for (;;) {
    const start = process.hrtime.bigint();
    await run(n);
    const ns = Number(process.hrtime.bigint() - start);
    if (ns >= 5e8 || n >= 1 << 24) {
      console.log(`${name} ${(ns / n).toFixed(1)} ns/op`);
      return;
    }
    n *= 4;
  }
}

// yieldOnce gives every other ready callback a turn, like sleep(0).
const yieldOnce = () => new Promise((resolve) => setImmediate(resolve));

async function loop(k) {
  for (let i = 0; i < k; i++) await yieldOnce();
}

async function micro() {
  // spawn+join: start an async function that itself yields once, then wait
  // for it; an async function that never waits would finish inline.
  const child = async () => { await yieldOnce(); };
  await timed('spawn_join', async (n) => {
    for (let i = 0; i < n; i++) await child();
  });
  await timed('yield_pair', (n) => Promise.all([loop(n >> 1), loop(n - (n >> 1))]));
  await timed('yield_alone', loop);
}

async function parked(n) {
  const sleeping = [];
  for (let i = 0; i < n; i++) {
    sleeping.push((async () => { await new Promise((r) => setTimeout(r, 3600e3)); })());
  }
  await yieldOnce();
  console.log(`ready ${n}`);
  setTimeout(() => process.exit(0), 600e3);
}

function main() {
  const [mode, arg] = process.argv.slice(2);
  const num = () => {
    const v = Number.parseInt(arg, 10);
    if (Number.isNaN(v)) usage();
    return v;
  };
  switch (mode) {
    case 'echo': echo(num()); break;
    case 'chat': chat(num()); break;
    case 'micro': micro(); break;
    case 'parked': parked(num()); break;
    case 'hello': console.log(1); break;
    default: usage();
  }
}

main();
