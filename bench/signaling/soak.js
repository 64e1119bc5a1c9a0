// Soak: rounds of 2,000 clients that connect, make calls, leave a last call ringing and
// disconnect, against a running Dialtone (started by soak.sh). After each round (all server-side
// connections gone, a few seconds' settle) it forces a GC and records the JVM's heap after GC,
// the RSS, the native memory summary (if NMT is on) and the instance counts of the per-connection
// and per-call classes. It prints one JSON line per measurement, then a table and verdicts.
//
// Half the pairs (worker 0) disconnect cleanly (socket.close(): Socket.IO disconnect packet and a
// websocket close); the other half (worker 1) are SIGKILLed, so the server sees the TCP
// connections drop with no goodbye: both of netty-socketio's disconnect paths are exercised,
// with every socket in a ringing call when it goes.
//
//   node soak.js --url http://127.0.0.1:P --port P --secret S --pid JAVA_PID
//                [--clients 2000] [--rounds 5] [--calls 3] [--heap-tol-mib 8] [--rss-tol-pct 10]
//                [--settle-ms 3000] [--client-deflate default|off]
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const { spawnWorker } = require('./workers');

const arg = (name, dflt) => {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const cfg = {
  url: arg('url', 'http://127.0.0.1:4002'),
  port: Number(arg('port', 4002)),
  secret: arg('secret', 'bench-secret'),
  pid: arg('pid'),
  clients: Number(arg('clients', 2000)),
  rounds: Number(arg('rounds', 5)),
  calls: Number(arg('calls', 3)),
  heapTolMiB: Number(arg('heap-tol-mib', 8)),
  rssTolPct: Number(arg('rss-tol-pct', 10)),
  settleMs: Number(arg('settle-ms', 3000)),
  clientDeflate: arg('client-deflate', 'default'),
  deadlineMs: Number(arg('deadline-ms', 900000)),
};
const TRACKED = [
  'com.corundumstudio.socketio.handler.ClientHead',
  'com.corundumstudio.socketio.transport.NamespaceClient',
  'io.netty.channel.socket.nio.NioSocketChannel',
  'dev.dialtone.signaling.call.Call',
  'java.util.zip.Inflater',
  'java.util.zip.Deflater',
  'io.netty.util.HashedWheelTimer$HashedWheelTimeout',
];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mib = (kib) => kib == null ? null : Math.round(kib / 1024 * 10) / 10;

function rssKiB(pid) {
  const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : null;
}
function jcmd(...a) {
  return execFileSync('jcmd', [String(cfg.pid), ...a], { encoding: 'utf8', timeout: 60000, maxBuffer: 64 << 20 });
}
// Server-side TCP connections on the signaling port still open (ESTABLISHED or CLOSE_WAIT).
function serverConns(port) {
  let n = 0;
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines = [];
    try { lines = fs.readFileSync(f, 'utf8').split('\n').slice(1); } catch { continue; }
    for (const l of lines) {
      const c = l.trim().split(/\s+/);
      if (c.length < 4) continue;
      if (c[1].endsWith(':' + hex) && (c[3] === '01' || c[3] === '08')) n++;
    }
  }
  return n;
}

function measure(what) {
  jcmd('GC.run');
  const heap = /used (\d+)K/.exec(jcmd('GC.heap_info'));
  const hist = jcmd('GC.class_histogram'); // another full GC, then the live objects
  const counts = {};
  const top = [];
  let socketioBytes = 0, dialtoneBytes = 0;
  for (const line of hist.split('\n')) {
    const m = /^\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)/.exec(line);
    if (!m) continue;
    if (top.length < 8) top.push(`${m[3]} ${Math.round(Number(m[2]) / 1024)}K/${m[1]}`);
    if (TRACKED.includes(m[3])) counts[m[3].split('.').pop()] = Number(m[1]);
    if (m[3].startsWith('com.corundumstudio.')) socketioBytes += Number(m[2]);
    if (m[3].startsWith('dev.dialtone.')) dialtoneBytes += Number(m[2]);
  }
  for (const t of TRACKED) if (!(t.split('.').pop() in counts)) counts[t.split('.').pop()] = 0;
  let nmt = null;
  try {
    const s = jcmd('VM.native_memory', 'summary');
    const total = /Total: reserved=\d+KB, committed=(\d+)KB/.exec(s);
    const sect = (name) => { const m = new RegExp(`-\\s+${name} \\(reserved=\\d+KB, committed=(\\d+)KB`).exec(s); return m ? mib(Number(m[1])) : null; };
    if (total) nmt = { committed_mib: mib(Number(total[1])), heap_mib: sect('Java Heap'), other_mib: sect('Other'), thread_mib: sect('Thread'), code_mib: sect('Code'), gc_mib: sect('GC'), class_mib: sect('Class') };
  } catch { /* NMT off */ }
  const r = { what, heap_used_after_gc_mib: heap ? mib(Number(heap[1])) : null, rss_mib: mib(rssKiB(cfg.pid)),
    server_conns: serverConns(cfg.port), live: counts, socketio_live_kib: Math.round(socketioBytes / 1024),
    dialtone_live_kib: Math.round(dialtoneBytes / 1024), nmt, heap_top: top, loadavg: fs.readFileSync('/proc/loadavg', 'utf8').trim() };
  console.log(JSON.stringify(r));
  return r;
}

function spawnLoadWorker(index, runId) {
  const wcfg = { url: cfg.url, secret: cfg.secret, sdpBytes: 4000, transport: 'websocket', subClaim: 'sub',
    connectBatch: 200, callTimeoutMs: 10000, clientDeflate: cfg.clientDeflate };
  return spawnWorker(wcfg, runId, index);
}

async function round(k) {
  const runId = `s${k}-` + Math.random().toString(36).slice(2, 6);
  const pairs = Math.floor(cfg.clients / 2);
  const share = [Math.ceil(pairs / 2), Math.floor(pairs / 2)];
  const ws = [spawnLoadWorker(0, runId), spawnLoadWorker(1, runId)];
  await Promise.all(ws.map((w) => w.ready));
  const t0 = Date.now();
  const conn = await Promise.all(ws.map((w, i) => w.call('connectPairs', { n: share[i] })));
  const runs = await Promise.all(ws.map((w) => w.call('run', { calls: cfg.calls, deadlineMs: 120000 })));
  const ring = await Promise.all(ws.map((w) => w.call('ringAll', { timeoutMs: 10000 })));
  const info = {
    round: k, connected: conn.reduce((s, x) => s + x.connected, 0),
    calls_completed: runs.reduce((s, x) => s + x.stats.completed, 0),
    call_errors: runs.reduce((s, x) => s + x.stats.bad + x.stats.errorEvents + x.stats.incomplete, 0) + conn.reduce((s, x) => s + x.connectErrors, 0),
    left_ringing: ring.reduce((s, x) => s + x.ringing, 0),
    rss_connected_mib: mib(rssKiB(cfg.pid)),
    server_conns_connected: serverConns(cfg.port),
  };
  // worker 0: clean disconnects; worker 1: killed, the kernel closes its sockets
  await ws[0].call('close', {});
  ws[0].child.disconnect();
  ws[1].child.kill('SIGKILL');
  await Promise.all(ws.map((w) => w.exited));
  const td = Date.now();
  let left = serverConns(cfg.port);
  while (left > 0 && Date.now() - td < 60000) { await sleep(200); left = serverConns(cfg.port); }
  info.server_conns_after_disconnect = left;
  info.disconnect_drain_ms = Date.now() - td;
  info.round_ms = Date.now() - t0;
  console.log(JSON.stringify(info));
  await sleep(cfg.settleMs);
  return { info, m: measure(`after round ${k}`) };
}

async function main() {
  const hard = setTimeout(() => { console.log(JSON.stringify({ error: 'deadline' })); process.exit(3); }, cfg.deadlineMs);
  await sleep(cfg.settleMs);
  const start = measure('start');
  const results = [];
  for (let k = 1; k <= cfg.rounds; k++) results.push(await round(k));
  clearTimeout(hard);

  const L = [];
  L.push(`clients per round: ${cfg.clients} (${cfg.clients / 2} pairs, ${cfg.calls} calls each, then every pair left ringing; half disconnect cleanly, half are killed)`);
  L.push('', '| after | heap used after GC (MiB) | RSS (MiB) | NMT committed (MiB) | ClientHead | NamespaceClient | NioSocketChannel | Call | Inflater/Deflater | HashedWheelTimeout | server conns | calls ok / errors | RSS with 2,000 connected (MiB) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|');
  const row = (m, info) => `| ${m.what} | ${m.heap_used_after_gc_mib} | ${m.rss_mib} | ${m.nmt ? m.nmt.committed_mib : 'n/a'} | ${m.live.ClientHead} | ${m.live.NamespaceClient} | ${m.live.NioSocketChannel} | ${m.live.Call} | ${m.live.Inflater}/${m.live.Deflater} | ${m.live['HashedWheelTimer$HashedWheelTimeout']} | ${m.server_conns} | ${info ? `${info.calls_completed} / ${info.call_errors}` : ''} | ${info ? info.rss_connected_mib : ''} |`;
  L.push(row(start));
  for (const r of results) L.push(row(r.m, r.info));
  const last = results[results.length - 1].m, first = results[0].m;
  const heapDelta = Math.round((last.heap_used_after_gc_mib - start.heap_used_after_gc_mib) * 10) / 10;
  const heapMax = Math.max(...results.map((r) => r.m.heap_used_after_gc_mib));
  const heapOk = results.every((r) => r.m.heap_used_after_gc_mib - start.heap_used_after_gc_mib <= cfg.heapTolMiB);
  const rssVsStart = Math.round((last.rss_mib / start.rss_mib - 1) * 1000) / 10;
  const rssOk = last.rss_mib <= start.rss_mib * (1 + cfg.rssTolPct / 100);
  const rssPlateau = Math.round((last.rss_mib / first.rss_mib - 1) * 1000) / 10;
  const mid = results[Math.floor((results.length - 1) / 2)].m;
  const rssLastHalf = Math.round((last.rss_mib / mid.rss_mib - 1) * 1000) / 10;
  const heapPlateau = Math.round((last.heap_used_after_gc_mib - first.heap_used_after_gc_mib) * 10) / 10;
  // A leak grows with the clients that went through: allow a constant handful (netty-socketio
  // may keep a reference to the last client it saw), not one per 1,000 clients per round.
  const slack = Math.max(2, Math.floor(cfg.clients / 1000));
  const perConn = ['ClientHead', 'NamespaceClient', 'NioSocketChannel', 'Call'];
  const objsOk = results.every((r) => perConn.every((c) => r.m.live[c] <= start.live[c] + slack));
  const objsMax = Object.fromEntries(perConn.map((c) => [c, Math.max(...results.map((r) => r.m.live[c]))]));
  const connsOk = results.every((r) => r.info.server_conns_after_disconnect === 0);
  L.push('');
  L.push(`- heap after GC: start ${start.heap_used_after_gc_mib} MiB, after round ${cfg.rounds} ${last.heap_used_after_gc_mib} MiB (${heapDelta >= 0 ? '+' : ''}${heapDelta}), max over rounds ${heapMax} MiB; tolerance +${cfg.heapTolMiB} MiB over start: ${heapOk ? 'RETURNS' : 'DOES NOT RETURN'}; round 1 -> ${cfg.rounds}: ${heapPlateau >= 0 ? '+' : ''}${heapPlateau} MiB`);
  L.push(`- RSS: start ${start.rss_mib} MiB, after round ${cfg.rounds} ${last.rss_mib} MiB (${rssVsStart >= 0 ? '+' : ''}${rssVsStart}% vs start; tolerance +${cfg.rssTolPct}%): ${rssOk ? 'RETURNS' : 'DOES NOT RETURN to the starting level'}; round 1 -> ${cfg.rounds}: ${rssPlateau >= 0 ? '+' : ''}${rssPlateau}% (${Math.abs(rssPlateau) <= cfg.rssTolPct ? 'flat within tolerance: no growth round over round' : 'GROWS round over round'}); ${mid.what} -> ${last.what}: ${rssLastHalf >= 0 ? '+' : ''}${rssLastHalf}% (${Math.abs(rssLastHalf) <= cfg.rssTolPct ? 'levelled off' : 'still growing'})`);
  L.push(`- per-connection / per-call objects back to the start count (+${slack} tolerated) after every round: ${objsOk ? 'yes' : 'NO'} (max after a round: ${JSON.stringify(objsMax)}, at start: ${JSON.stringify(Object.fromEntries(perConn.map((c) => [c, start.live[c]])))}; ${cfg.clients * cfg.rounds} clients went through)`);
  L.push(`- server-side TCP connections all closed after every round: ${connsOk ? 'yes' : 'NO'}`);
  console.log(L.join('\n'));
  process.exit(0);
}
main().catch((e) => { console.log(JSON.stringify({ error: String(e && e.stack || e) })); process.exit(2); });
