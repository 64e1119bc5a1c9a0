// Webhook (dialtone.push) benchmark: what the wake-up path costs.
//
//   latency: CALLS callers each call a different user with no device (RATE calls/s), so CALLS calls
//            wait at once; for each, the time from emitting callUser to the receiver having the
//            verified call.incoming, and to the caller having its {waking: true} ack (p50/p99/max).
//   memory:  the receiver is down while HISTORY calls end (call.ended enabled): the server's RSS,
//            heap after a full GC, and outbox file size with HISTORY webhooks queued; then the
//            receiver comes up and the time to deliver them all is measured.
//
//   (cd e2e && npm ci) && node bench/push/bench.js            # DIALTONE_JAR, knobs below
//
// Knobs (environment): CALLS=1000 RATE=200 HISTORY=100000 CAP=HISTORY (dialtone.push.max-history)
// PAIRS=100 DRAIN_LIMIT_S=600 WHICH="latency memory".
// Uses the e2e harness (the real jar, loopback only, killed on exit) and the e2e receiver, which
// verifies every signature with npm standardwebhooks. Prints JSON lines, one per measurement.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const http = require('node:http');
const e2e = path.resolve(__dirname, '../../e2e');
const { startNode, sleep } = require(path.join(e2e, 'harness'));
const { startReceiver, pushProps, newDataDir } = require(path.join(e2e, 'webhooks'));
const { io } = require(path.join(e2e, 'node_modules/socket.io-client'));

const CALLS = Number(process.env.CALLS || 1000);
const RATE = Number(process.env.RATE || 200);
const HISTORY = Number(process.env.HISTORY || 100000);
const CAP = Number(process.env.CAP || HISTORY);
const PAIRS = Number(process.env.PAIRS || 100);
const DRAIN_LIMIT_S = Number(process.env.DRAIN_LIMIT_S || 600);
const WHICH = (process.env.WHICH || 'latency memory').split(/\s+/);

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: +pct(s, 50).toFixed(2), p99: +pct(s, 99).toFixed(2), max: +s[s.length - 1].toFixed(2) };
};
const emitLine = (o) => process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), ...o })}\n`);

function connect(srv, userId) {
  return new Promise((resolve, reject) => {
    const s = io(srv.url, { auth: { token: srv.token(userId) }, transports: ['websocket'], reconnection: false, forceNew: true });
    const timer = setTimeout(() => reject(new Error(`${userId}: connect timed out`)), 30000);
    s.once('connect', () => { clearTimeout(timer); resolve(s); });
    s.once('connect_error', (e) => { clearTimeout(timer); reject(e); });
  });
}

const ackOf = (s, ev, payload, ms = 30000) => new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`no ack for ${ev}`)), ms);
  s.emit(ev, payload, (r) => { clearTimeout(timer); resolve(r); });
});

function get(port, p) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: p, timeout: 10000 }, (res) => {
      let b = '';
      res.on('data', (d) => { b += d; });
      res.on('end', () => resolve(b));
    }).on('error', reject);
  });
}
const metric = async (srv, name) => (await get(srv.httpPort, '/metrics')).split('\n')
  .filter((l) => l.startsWith(name) && !l.startsWith('#')).reduce((a, l) => a + Number(l.split(' ').pop()), 0);
const rssMiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
function heapAfterGcMiB(pid) {
  const { execFileSync } = require('node:child_process');
  const jcmd = path.join(process.env.JAVA_HOME || '/usr', 'bin', 'jcmd');
  execFileSync(jcmd, [String(pid), 'GC.run'], { timeout: 60000 });
  const info = execFileSync(jcmd, [String(pid), 'GC.heap_info'], { timeout: 60000 }).toString();
  const m = /used (\d+)K/.exec(info);
  return m ? Number(m[1]) / 1024 : null;
}
const dirMiB = (dir) => fs.readdirSync(dir).reduce((a, f) => a + fs.statSync(path.join(dir, f)).size, 0) / 1048576;

async function latency() {
  const arrived = new Map();
  const receiver = await startReceiver({ respond: (hk) => { if (hk.type === 'call.incoming') arrived.set(hk.data.callId, performance.now()); return 200; } });
  const srv = await startNode({ props: { ...pushProps(receiver, { wait: '300s' }), 'dialtone.signaling.limits.max-sockets-per-user': 4 } });
  const sockets = [];
  try {
    for (let i = 0; i < CALLS; i += 1) sockets.push(await connect(srv, `caller-${i}`));
    const sentAt = new Map();
    const ackMs = [];
    const acks = [];
    const t0 = performance.now();
    for (let i = 0; i < CALLS; i += 1) {
      const due = t0 + (i * 1000) / RATE;
      const now = performance.now();
      if (due > now) await sleep(due - now);
      const start = performance.now();
      acks.push(ackOf(sockets[i], 'callUser', { to: `asleep-${i}`, signalData: { type: 'offer', sdp: 'v=0' }, callType: 'voice' })
        .then((r) => {
          if (!r || r.waking !== true) throw new Error(`unexpected ack ${JSON.stringify(r)}`);
          ackMs.push(performance.now() - start);
          sentAt.set(r.callId, start);
        }));
    }
    await Promise.all(acks);
    const limit = Date.now() + 60000;
    while (arrived.size < CALLS && Date.now() < limit) await sleep(20);
    const lat = [...sentAt].filter(([id]) => arrived.has(id)).map(([id, t]) => arrived.get(id) - t);
    const waiting = await metric(srv, 'dialtone_signaling_calls{state="ringing"}');
    const text = await get(srv.httpPort, '/metrics');
    const bucket = (le) => {
      const prefix = `dialtone_push_outbox_write_seconds_bucket{le="${le}"} `;
      const line = text.split('\n').find((l) => l.startsWith(prefix));
      return line ? Number(line.slice(prefix.length)) : NaN;
    };
    const writes = bucket('+Inf');
    const outboxWrite = { n: writes, le_1ms_pct: +((100 * bucket('0.001')) / writes).toFixed(1),
      le_10ms_pct: +((100 * bucket('0.01')) / writes).toFixed(1), le_100ms_pct: +((100 * bucket('0.1')) / writes).toFixed(1) };
    receiver.assertAllVerified();
    emitLine({ bench: 'latency', calls: CALLS, rate_per_s: RATE, waiting_calls_at_end: waiting, delivered: arrived.size,
      callUser_to_receiver_ms: stats(lat), callUser_to_ack_ms: stats(ackMs), outbox_write: outboxWrite });
  } finally {
    for (const s of sockets) s.close();
    await srv.stop();
    await receiver.stop();
  }
}

async function memory() {
  const dataDir = newDataDir();
  const probe = await startReceiver();
  const { port, secret } = probe;
  await probe.down();
  let delivered = 0;
  const receiver = await startReceiver({ port, secret, down: true, respond: () => { delivered += 1; return 200; } });
  const srv = await startNode({ props: {
    ...pushProps(receiver, { dataDir, events: ['call.incoming', 'call.cancelled', 'call.ended'], extra: { 'dialtone.push.max-history': CAP } }),
    'dialtone.signaling.limits.calls-per-minute': 100000000,
  } });
  const sockets = [];
  try {
    const rssStart = rssMiB(srv.pid);
    const pairs = [];
    for (let i = 0; i < PAIRS; i += 1) {
      const caller = await connect(srv, `caller-${i}`);
      const callee = await connect(srv, `callee-${i}`);
      sockets.push(caller, callee);
      pairs.push([caller, `callee-${i}`]);
    }
    const t0 = Date.now();
    const perPair = Math.ceil(HISTORY / PAIRS);
    await Promise.all(pairs.map(async ([caller, calleeId]) => {
      for (let k = 0; k < perPair; k += 1) {
        const r = await ackOf(caller, 'callUser', { to: calleeId, signalData: { type: 'offer', sdp: 'v=0' }, callType: 'voice' });
        if (!r || !r.ok) throw new Error(`callUser failed: ${JSON.stringify(r)}`);
        await ackOf(caller, 'endCall', { to: calleeId });
      }
    }));
    const produceS = (Date.now() - t0) / 1000;
    const pending = await metric(srv, 'dialtone_push_webhooks_pending');
    const failed = await metric(srv, 'dialtone_push_webhooks_failed_total');
    const dropped = await metric(srv, 'dialtone_push_webhooks_dropped_total');
    const rssQueued = rssMiB(srv.pid);
    const heap = heapAfterGcMiB(srv.pid);
    emitLine({ bench: 'memory-receiver-down', calls_ended: perPair * PAIRS, max_history: CAP, produce_s: +produceS.toFixed(1),
      calls_per_s: Math.round((perPair * PAIRS) / produceS), pending, failed_attempts: failed, dropped,
      rss_start_mib: +rssStart.toFixed(1), rss_queued_mib: +rssQueued.toFixed(1),
      heap_after_gc_mib: heap && +heap.toFixed(1), outbox_mib: +dirMiB(dataDir).toFixed(1), xmx: '256m' });
    const t1 = Date.now();
    await receiver.up();
    while ((await metric(srv, 'dialtone_push_webhooks_pending')) > 0 && Date.now() - t1 < DRAIN_LIMIT_S * 1000) await sleep(500);
    const drainS = (Date.now() - t1) / 1000;
    receiver.assertAllVerified();
    emitLine({ bench: 'drain-after-receiver-up', delivered, drain_s: +drainS.toFixed(1),
      per_s: Math.round(delivered / drainS), pending_left: await metric(srv, 'dialtone_push_webhooks_pending'),
      rss_after_mib: +rssMiB(srv.pid).toFixed(1) });
  } finally {
    for (const s of sockets) s.close();
    await srv.stop();
    await receiver.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

(async () => {
  if (WHICH.includes('latency')) await latency();
  if (WHICH.includes('memory')) await memory();
})().catch((e) => { console.error(e); process.exit(1); });
