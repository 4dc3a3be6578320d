// The chat relay of scripts/chatcluster.star in Node.js with the `redis`
// npm package (v4): every line a client sends is published to a Redis
// channel, and this process relays the channel to its own clients, never
// echoing the sender (messages are "TAG LINE", TAG naming process and
// connection). For the benchmark in tests/bench/workers.sh:
//
//   NODE_PATH=DIR/node_modules node node_cluster.js PORT REDIS_URL CHANNEL
//
// (DIR where `npm install redis@4` ran). Prints "listening on 127.0.0.1:PORT".
'use strict';

const net = require('net');
const { createClient } = require('redis');

const [port, url, channel] = [Number(process.argv[2]), process.argv[3], process.argv[4] || 'evscript-chat'];
const node = `${process.pid}.${Date.now()}`;

async function main() {
  const pub = createClient({ url });
  const sub = pub.duplicate();
  await pub.connect();
  await sub.connect();
  const members = new Map(); // socket -> tag
  await sub.subscribe(channel, (data) => {
    const sp = data.indexOf(' ');
    const tag = data.slice(0, sp);
    const line = data.slice(sp + 1);
    for (const [m, t] of members) {
      if (t !== tag) m.write(line);
    }
  });
  let n = 0;
  const server = net.createServer({ noDelay: true }, (sock) => {
    sock.setNoDelay(true);
    sock.on('error', () => {});
    const tag = `${node}:${++n}`;
    members.set(sock, tag);
    sock.on('close', () => members.delete(sock));
    let rest = '';
    sock.setEncoding('utf8');
    sock.on('data', (chunk) => {
      const buf = rest + chunk;
      let start = 0;
      for (;;) {
        const nl = buf.indexOf('\n', start);
        if (nl < 0) break;
        pub.publish(channel, tag + ' ' + buf.slice(start, nl + 1)).catch(() => {});
        start = nl + 1;
      }
      rest = buf.slice(start);
    });
  });
  server.listen({ host: '127.0.0.1', port, backlog: 1024 }, () => {
    console.log(`listening on 127.0.0.1:${server.address().port}`);
  });
}

main().catch((e) => { console.error(e); process.exit(1); });
