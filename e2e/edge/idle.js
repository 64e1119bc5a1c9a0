'use strict';
// Opens N TCP connections to host:port that never send a byte, and reports on stdout as JSON lines:
// {"open": n} once all are connected (or {"error": ...}), then {"closed": k} whenever the number the
// server has closed grew (checked every 200 ms). Ends when all are closed or its stdin closes. A
// child process so that its descriptor limit can be raised (`ulimit -n`) without touching the runner.
const net = require('node:net');

const [host, port, count] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const sockets = [];
let open = 0;
let closed = 0;
let reported = 0;
let failed = false;
const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

for (let i = 0; i < count; i++) {
  const s = net.connect({ host, port });
  sockets.push(s);
  s.resume(); // flowing, so that the server's FIN is read
  s.on('error', (e) => { if (open < count && !failed) { failed = true; say({ error: `${e.code || e.message} after ${open} connections` }); } });
  s.once('connect', () => { open += 1; if (open === count) say({ open }); });
  s.once('close', () => { closed += 1; });
}
setInterval(() => {
  if (closed === reported) return;
  reported = closed;
  say({ closed });
  if (closed === count) process.stdout.end(() => process.exit(0));
}, 200);
process.stdin.on('end', () => { for (const s of sockets) s.destroy(); process.exit(0); });
process.stdin.resume();
