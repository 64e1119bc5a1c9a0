// Call-signaling load generator for the side-by-side benchmark (bench/signaling/run.sh).
//
// It speaks only the seed's wire protocol, exactly like the seed-protocol generator that came with the reference server
// (callUser -> incomingCall -> answerCall -> callAccepted, endCall -> callEnded, no acks, no
// extension events), so the Node reference and Dialtone are driven identically. What it adds
// to the shared generator:
//   * several generator processes (--procs K): the pairs are split over K forked workers, so one
//     generator process at 100% of a core is not mistaken for the server's limit;
//   * the generator's own CPU (per worker, over the loaded phase) and the machine's CPU busy;
//   * a warm-up (--warmup W calls per pair, not measured) so the JVM's JIT is not measured;
//   * idle connections measured on their own: server RSS before and after connecting --idle N
//     sockets (after warm-up, on a warm server), RSS per idle connection = delta / N;
//   * server RSS sampled through the loaded phase (peak), server CPU per completed call and
//     server CPU utilisation from /proc/PID/stat;
//   * per-pair call timeouts instead of one global abort, so errors are counted, not fatal;
//   * an offered rate (--rate R calls/s over all pairs; 0: every pair calls again as soon as its
//     call ended): the server's CPU per call depends on how many messages each wake-up of its
//     event loop finds, so two servers compare best at the same rate, below both their limits.
// Prints one JSON object last (and only JSON on stdout).
//
//   node load.js --url http://127.0.0.1:4002 --secret S --pid SERVER_PID
//                [--pairs 100] [--calls 100] [--warmup 20] [--idle 2000] [--procs 1]
//                [--sdp 4000] [--transport websocket|default] [--sub-claim sub]
//                [--settle-ms 3000] [--call-timeout-ms 10000] [--deadline-ms 180000]
//                [--clk-tck 100] [--label name] [--client-deflate default|off] [--rewarm 50]
//                [--storm-ms 10000 --ready-event connect|iceServers] [--rate 0]
'use strict';
const { spawnWorker } = require('./workers');
const fs = require('fs');
const os = require('os');

const arg = (name, dflt) => {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const num = (name, dflt) => Number(arg(name, dflt));

const cfg = {
  url: arg('url', 'http://127.0.0.1:4002'),
  secret: arg('secret', 'bench-secret'),
  pid: arg('pid', null),
  pairs: num('pairs', 100),
  calls: num('calls', 100),
  warmup: num('warmup', 20),
  idle: num('idle', 2000),
  procs: Math.max(1, num('procs', 1)),
  sdpBytes: num('sdp', 4000),
  transport: arg('transport', 'websocket'),
  subClaim: arg('sub-claim', 'sub'),
  settleMs: num('settle-ms', 3000),
  callTimeoutMs: num('call-timeout-ms', 10000),
  deadlineMs: num('deadline-ms', 180000),
  clkTck: num('clk-tck', 100),
  label: arg('label', ''),
  connectBatch: num('connect-batch', 200),
  // Reconnect storm after the measured phase: all idle sockets drop and reconnect within this
  // many ms (0: no storm); a socket is back when readyEvent arrives.
  stormMs: num('storm-ms', 0),
  readyEvent: arg('ready-event', 'connect'),
  // 'default': socket.io-client's own default (offers permessage-deflate, threshold 1 KiB, as
  // browsers offer it too); 'off': the client does not offer it (a diagnostic: shows what the
  // server costs when compression is not negotiated).
  clientDeflate: arg('client-deflate', 'default'),
  rate: num('rate', 0),
};

// ---------------------------------------------------------------------------------------------
// Worker: owns a share of the pairs and idle sockets, answers the coordinator's commands.
// ---------------------------------------------------------------------------------------------
function worker() {
  const { io } = require('socket.io-client');
  const jwt = require('jsonwebtoken');
  const w = JSON.parse(process.env.SIGBENCH_WORKER);
  const c = w.cfg;
  const sdp = (kind) => 'v=0\r\n' + `a=${kind}:`.padEnd(c.sdpBytes, 'x') + '\r\n';
  const OFFER = { type: 'offer', sdp: sdp('offer') };
  const ANSWER = { type: 'answer', sdp: sdp('answer') };

  const pairs = [];      // { a, b, aId, bId }
  const idle = [];   // { s, id }
  let connectErrors = 0;
  const errorEvents = {}; // message/code -> count

  // Resolves with the socket once `readyEvent` arrived ('connect'; Dialtone's 'iceServers' follows
  // it), or null on a connect_error.
  function connect(userId, readyEvent = 'connect') {
    const token = jwt.sign({ [c.subClaim]: userId }, c.secret, { expiresIn: '2h' });
    const opts = { auth: { token }, reconnection: false, forceNew: true, timeout: 20000 };
    if (c.transport === 'websocket') opts.transports = ['websocket'];
    if (c.clientDeflate === 'off') opts.perMessageDeflate = false;
    if (c.url.startsWith('https:')) opts.rejectUnauthorized = false; // the edge's self-signed certificate
    const s = io(c.url, opts);
    return new Promise((resolve) => {
      s.once(readyEvent, () => resolve(s));
      s.once('connect_error', (e) => { connectErrors++; errorEvents['connect_error: ' + e.message] = (errorEvents['connect_error: ' + e.message] || 0) + 1; s.close(); resolve(null); });
    });
  }

  async function connectMany(ids) {
    const out = [];
    for (let i = 0; i < ids.length; i += c.connectBatch) {
      out.push(...await Promise.all(ids.slice(i, i + c.connectBatch).map((id) => connect(id))));
    }
    return out;
  }

  // One pair runs `n` full cycles back to back. Resolves with what it saw.
  function runPair(p, n, lat, stats) {
    return new Promise((resolve) => {
      const { a, b, aId, bId } = p;
      let left = n, t0 = 0n, done = false, timer = null, pace = null;
      // at an offered rate, each pair places a call every `every` ms, from a random start
      const every = c.rate > 0 ? 1000 * c.pairs / c.rate : 0;
      let due = Date.now() + Math.random() * every;
      const next = () => {
        if (!every) return place();
        due += every;
        pace = setTimeout(place, Math.max(0, due - Date.now()));
      };
      const finish = (why) => {
        if (done) return;
        done = true;
        clearTimeout(timer); clearTimeout(pace);
        a.off('callAccepted', onAccepted); a.off('error', onError); a.off('callRejected', onRejected);
        b.off('incomingCall', onIncoming); b.off('callEnded', onEnded); b.off('error', onError);
        if (why) { stats.aborted++; stats.incomplete += left; stats.reasons[why] = (stats.reasons[why] || 0) + 1; }
        resolve();
      };
      const arm = () => { clearTimeout(timer); timer = setTimeout(() => finish('call-timeout'), c.callTimeoutMs); };
      const place = () => { arm(); t0 = process.hrtime.bigint(); a.emit('callUser', { to: bId, signalData: OFFER, callType: 'video' }); };
      const onIncoming = (d) => {
        if (!d || String(d.from) !== aId || !d.signalData || d.signalData.sdp.length !== OFFER.sdp.length) stats.bad++;
        b.emit('answerCall', { to: aId, signalData: ANSWER });
      };
      const onAccepted = (sig) => {
        lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (!sig || sig.type !== 'answer' || sig.sdp.length !== ANSWER.sdp.length) stats.bad++;
        a.emit('endCall', { to: bId });
      };
      const onEnded = () => {
        stats.completed++;
        cycle.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (--left === 0) return finish(null);
        next();
      };
      const onError = (e) => {
        const k = 'error: ' + (e && (e.code || e.message) || JSON.stringify(e));
        errorEvents[k] = (errorEvents[k] || 0) + 1;
        stats.errorEvents++;
        finish('error-event');
      };
      const onRejected = (r) => {
        const k = 'callRejected: ' + (r && r.reason);
        errorEvents[k] = (errorEvents[k] || 0) + 1;
        stats.errorEvents++;
        finish('call-rejected');
      };
      const cycle = stats.cycle;
      if (!a || !b) { stats.incomplete += n; stats.aborted++; return resolve(); }
      a.on('callAccepted', onAccepted); a.on('error', onError); a.on('callRejected', onRejected);
      b.on('incomingCall', onIncoming); b.on('callEnded', onEnded); b.on('error', onError);
      if (n === 0) return finish(null);
      if (every) pace = setTimeout(place, Math.max(0, due - Date.now())); else place();
    });
  }

  const handlers = {
    async connectIdle({ n }) {
      const t = process.hrtime.bigint();
      const ids = [];
      for (let i = 0; i < n; i++) ids.push(`idle-${w.runId}-${w.index}-${i}`);
      const socks = await connectMany(ids);
      socks.forEach((s, i) => { if (s) idle.push({ s, id: ids[i] }); });
      return { connected: socks.filter(Boolean).length, ms: Number(process.hrtime.bigint() - t) / 1e6, connectErrors };
    },
    async connectPairs({ n }) {
      const t = process.hrtime.bigint();
      const ids = [];
      for (let i = 0; i < 2 * n; i++) ids.push(`u-${w.runId}-${w.index}-${i}`);
      const socks = await connectMany(ids);
      for (let i = 0; i < n; i++) pairs.push({ a: socks[2 * i], b: socks[2 * i + 1], aId: ids[2 * i], bId: ids[2 * i + 1] });
      return { connected: socks.filter(Boolean).length, ms: Number(process.hrtime.bigint() - t) / 1e6, connectErrors };
    },
    async run({ calls, deadlineMs }) {
      for (const k of Object.keys(errorEvents)) delete errorEvents[k]; // per phase
      const lat = [];
      const stats = { completed: 0, bad: 0, errorEvents: 0, aborted: 0, incomplete: 0, reasons: {}, cycle: [] };
      const cpu0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      let timedOut = false;
      await Promise.race([
        Promise.all(pairs.map((p) => runPair(p, calls, lat, stats))),
        new Promise((r) => setTimeout(() => { timedOut = true; r(); }, deadlineMs).unref()),
      ]);
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      const cpu = process.cpuUsage(cpu0);
      const cycle = stats.cycle; delete stats.cycle;
      if (timedOut) stats.reasons.deadline = 1;
      return { lat, cycle, stats, timedOut, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, errorEvents, connectErrors };
    },
    // Every pair's A calls B and B lets it ring (no answer): used by soak.js to disconnect
    // sockets that are in a live call. Resolves once every B saw its incomingCall (or timeout).
    async ringAll({ timeoutMs }) {
      let ringing = 0;
      await Promise.all(pairs.map((p) => new Promise((resolve) => {
        if (!p.a || !p.b) return resolve();
        const t = setTimeout(resolve, timeoutMs || c.callTimeoutMs);
        p.b.once('incomingCall', () => { ringing++; clearTimeout(t); resolve(); });
        p.a.emit('callUser', { to: p.bId, signalData: OFFER, callType: 'video' });
      })));
      return { ringing };
    },
    // A reconnect storm, as after a restart behind a load balancer: every idle socket drops and
    // comes back (same user) at a random moment within spreadMs. Resolves when all are back and
    // have seen readyEvent, or at timeoutMs.
    async storm({ spreadMs, readyEvent, timeoutMs }) {
      const t0 = process.hrtime.bigint();
      const elapsed = () => Number(process.hrtime.bigint() - t0) / 1e6;
      const errors0 = connectErrors;
      const back = [];
      let timedOut = false;
      const each = idle.splice(0).map((x) => new Promise((resolve) => {
        x.s.close();
        setTimeout(async () => {
          const start = elapsed();
          const s = await connect(x.id, readyEvent);
          if (s) { idle.push({ s, id: x.id }); back.push(elapsed() - start); }
          resolve();
        }, Math.random() * spreadMs);
      }));
      await Promise.race([Promise.all(each),
        new Promise((r) => setTimeout(() => { timedOut = true; r(); }, timeoutMs).unref())]);
      back.sort((a, b) => a - b);
      return { reconnected: back.length, allBackMs: elapsed(), errors: connectErrors - errors0, timedOut,
        connectMsP50: back[Math.floor(back.length / 2)] ?? null, connectMsP99: back[Math.floor(back.length * 0.99)] ?? null };
    },
    async close() {
      for (const p of pairs) { if (p.a) p.a.close(); if (p.b) p.b.close(); }
      for (const x of idle) x.s.close();
      return { closed: true };
    },
  };

  process.on('message', async (m) => {
    try {
      process.send({ id: m.id, result: await handlers[m.cmd](m.args || {}) });
    } catch (e) {
      process.send({ id: m.id, error: String(e && e.stack || e) });
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ ready: true });
}

// ---------------------------------------------------------------------------------------------
// Coordinator: forks the workers, runs the phases, reads the server's /proc, prints JSON.
// ---------------------------------------------------------------------------------------------
// The server's CPU in clock ticks, split into user space (utime) and the kernel (stime): both
// servers make the same system calls per call, so the kernel's part is a floor neither can cut.
function procStat(pid) {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return { user: Number(f[11]), kernel: Number(f[12]) };
  } catch { return null; }
}
function rssKiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch { return null; }
}
function threads(pid) {
  try {
    const m = /Threads:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch { return null; }
}
// CPU ticks of each of the server's threads, grouped by name with digits folded
// (nioEventLoopGroup-3-1 -> nioEventLoopGroup-N-N, "C2 CompilerThread0", "G1 Conc#0", ...).
function threadTicks(pid) {
  const out = {};
  let tids = [];
  try { tids = fs.readdirSync(`/proc/${pid}/task`); } catch { return out; }
  for (const t of tids) {
    try {
      const raw = fs.readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
      const name = raw.slice(raw.indexOf('(') + 1, raw.lastIndexOf(')')).replace(/\d+/g, 'N');
      const f = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
      out[t] = { name, ticks: Number(f[11]) + Number(f[12]) };
    } catch { /* thread gone */ }
  }
  return out;
}
function threadDelta(a, b, clkTck) {
  const g = {};
  for (const [t, v] of Object.entries(b)) {
    const d = v.ticks - (a[t] ? a[t].ticks : 0);
    if (d > 0) g[v.name] = (g[v.name] || 0) + d * 1000 / clkTck;
  }
  return Object.fromEntries(Object.entries(g).sort((x, y) => y[1] - x[1]).slice(0, 8).map(([k, v]) => [k, Math.round(v)]));
}
function machineCpu() { // [busy, total] jiffies over all cores
  const l = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = l[3] + (l[4] || 0);
  const total = l.slice(0, 8).reduce((x, y) => x + y, 0);
  return [total - idle, total];
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted, p) => sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p / 100 * sorted.length))] : null;
const r2 = (x) => x == null || Number.isNaN(x) ? null : Math.round(x * 100) / 100;
const r3 = (x) => x == null || Number.isNaN(x) ? null : Math.round(x * 1000) / 1000;

async function coordinator() {
  const hard = setTimeout(() => {
    console.log(JSON.stringify({ label: cfg.label, error: 'hard deadline' }));
    process.exit(3);
  }, cfg.deadlineMs + 240000);
  const runId = Math.random().toString(36).slice(2, 8);
  const workers = [];
  const split = (n) => Array.from({ length: cfg.procs }, (_, i) => Math.floor(n / cfg.procs) + (i < n % cfg.procs ? 1 : 0));
  const pairShare = split(cfg.pairs), idleShare = split(cfg.idle);
  for (let i = 0; i < cfg.procs; i++) workers.push(spawnWorker(cfg, runId, i));
  const all = (cmd, argsFor) => Promise.all(workers.map((w, i) => w.call(cmd, argsFor(i))));
  await Promise.all(workers.map((w) => w.ready));

  const out = { label: cfg.label, url: cfg.url, transport: cfg.transport, client_deflate: cfg.clientDeflate, offered_rate: cfg.rate || null, pairs: cfg.pairs, calls_per_pair: cfg.calls,
    warmup_per_pair: cfg.warmup, idle: cfg.idle, sdp_bytes: cfg.sdpBytes, gen_procs: cfg.procs, server_pid: cfg.pid ? Number(cfg.pid) : null };
  const pid = cfg.pid;
  out.server_rss_kib = { start: rssKiB(pid) };

  // 1. call pairs, warm-up (not measured)
  const cp = await all('connectPairs', (i) => ({ n: pairShare[i] }));
  out.pair_sockets = cp.reduce((s, x) => s + x.connected, 0);
  out.pair_connect_ms = r2(Math.max(...cp.map((x) => x.ms)));
  if (cfg.warmup > 0) {
    const wu = await all('run', () => ({ calls: cfg.warmup, deadlineMs: cfg.deadlineMs }));
    out.warmup_calls = wu.reduce((s, x) => s + x.stats.completed, 0);
    out.warmup_incomplete = wu.reduce((s, x) => s + x.stats.incomplete, 0);
    out.warmup_error_events = wu.reduce((s, x) => s + x.stats.errorEvents, 0);
  }
  await sleep(cfg.settleMs);

  // 2. idle connections on the warm server: RSS per idle connection
  out.server_rss_kib.before_idle = rssKiB(pid);
  out.server_threads_before_idle = threads(pid);
  if (cfg.idle > 0) {
    const ci = await all('connectIdle', (i) => ({ n: idleShare[i] }));
    out.idle_connected = ci.reduce((s, x) => s + x.connected, 0);
    out.idle_connect_ms = r2(Math.max(...ci.map((x) => x.ms)));
    await sleep(cfg.settleMs);
    out.server_rss_kib.with_idle = rssKiB(pid);
    out.rss_per_idle_conn_kib = out.idle_connected
      ? r2((out.server_rss_kib.with_idle - out.server_rss_kib.before_idle) / out.idle_connected) : null;
  }
  out.server_threads_with_idle = threads(pid);
  // Connecting the idle sockets ran other code (handshakes, JWT checks) and can make the JIT
  // recompile the call path: a short second warm-up, not measured, before the measured phase.
  const rewarm = Math.min(cfg.warmup, num('rewarm', 50));
  if (rewarm > 0) {
    const rw = await all('run', () => ({ calls: rewarm, deadlineMs: cfg.deadlineMs }));
    out.rewarm_calls = rw.reduce((s, x) => s + x.stats.completed, 0);
    await sleep(Math.min(cfg.settleMs, 1000));
  }

  // 3. loaded phase, measured
  let peak = 0;
  const sampler = setInterval(() => { const r = rssKiB(pid); if (r > peak) peak = r; }, 100);
  const m0 = machineCpu();
  const s0 = procStat(pid);
  const th0 = threadTicks(pid);
  const t0 = process.hrtime.bigint();
  const res = await all('run', () => ({ calls: cfg.calls, deadlineMs: cfg.deadlineMs }));
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const s1 = procStat(pid);
  const th1 = threadTicks(pid);
  const m1 = machineCpu();
  clearInterval(sampler);
  out.server_rss_kib.loaded_peak = Math.max(peak, rssKiB(pid) || 0) || null;
  out.server_rss_kib.loaded_end = rssKiB(pid);

  const lat = [].concat(...res.map((x) => x.lat)).sort((x, y) => x - y);
  const cyc = [].concat(...res.map((x) => x.cycle)).sort((x, y) => x - y);
  const completed = res.reduce((s, x) => s + x.stats.completed, 0);
  const sum = (k) => res.reduce((s, x) => s + x.stats[k], 0);
  const errorEvents = {};
  for (const x of res) for (const [k, v] of Object.entries(x.errorEvents)) errorEvents[k] = (errorEvents[k] || 0) + v;
  const reasons = {};
  for (const x of res) for (const [k, v] of Object.entries(x.stats.reasons)) reasons[k] = (reasons[k] || 0) + v;
  const ticksMs = (k) => s0 == null || s1 == null ? null : (s1[k] - s0[k]) * 1000 / cfg.clkTck;
  const serverCpuMs = s0 == null || s1 == null ? null : ticksMs('user') + ticksMs('kernel');
  const perCall = (ms) => ms == null ? null : r3(ms / Math.max(1, completed));

  Object.assign(out, {
    loaded_wall_ms: r2(wallMs),
    calls_completed: completed,
    calls_per_s: r2(completed / (wallMs / 1000)),
    setup_ms_p50: r2(pct(lat, 50)), setup_ms_p95: r2(pct(lat, 95)), setup_ms_p99: r2(pct(lat, 99)),
    setup_ms_max: r2(lat[lat.length - 1]),
    cycle_ms_p50: r2(pct(cyc, 50)), cycle_ms_p99: r2(pct(cyc, 99)),
    errors: sum('bad') + sum('errorEvents') + sum('incomplete') + res.reduce((s, x) => s + x.connectErrors, 0),
    error_detail: { connect_errors: res.reduce((s, x) => s + x.connectErrors, 0), bad_payloads: sum('bad'), error_events: errorEvents, aborted_pairs: sum('aborted'), incomplete_calls: sum('incomplete'), abort_reasons: reasons, deadline_hit: res.some((x) => x.timedOut) },
    server_cpu_ms: r2(serverCpuMs),
    server_cpu_ms_per_call: perCall(serverCpuMs),
    server_cpu_ms_per_call_kernel: perCall(ticksMs('kernel')),
    server_cpu_cores: serverCpuMs == null ? null : r2(serverCpuMs / wallMs),
    server_cpu_ms_by_thread: threadDelta(th0, th1, cfg.clkTck),
    gen_cpu_cores_per_proc: res.map((x) => r2(x.cpuMs / x.wallMs)),
    gen_cpu_ms_per_call: r3(res.reduce((s, x) => s + x.cpuMs, 0) / Math.max(1, completed)),
    machine_busy_pct: r2(100 * (m1[0] - m0[0]) / Math.max(1, m1[1] - m0[1])),
    machine_cores: os.cpus().length,
    loadavg: fs.readFileSync('/proc/loadavg', 'utf8').trim(),
  });
  // CPU the rest of the machine used meanwhile (other work on a shared box: noise indicator).
  out.other_cpu_cores = r2(out.machine_busy_pct / 100 * out.machine_cores - (out.server_cpu_cores || 0)
    - out.gen_cpu_cores_per_proc.reduce((a, b) => a + b, 0));
  out.gen_saturated = out.gen_cpu_cores_per_proc.some((x) => x >= 0.9);
  out.machine_saturated = out.machine_busy_pct >= 90;

  if (cfg.stormMs > 0 && cfg.idle > 0) {
    const st = await all('storm', () => ({ spreadMs: cfg.stormMs, readyEvent: cfg.readyEvent, timeoutMs: cfg.stormMs + 60000 }));
    out.storm = {
      sockets: out.idle_connected, spread_ms: cfg.stormMs, ready_event: cfg.readyEvent,
      reconnected: st.reduce((s, x) => s + x.reconnected, 0),
      all_back_ms: r2(Math.max(...st.map((x) => x.allBackMs))),
      errors: st.reduce((s, x) => s + x.errors, 0) + (out.idle_connected - st.reduce((s, x) => s + x.reconnected, 0)),
      connect_ms_p50: r2(Math.max(...st.map((x) => x.connectMsP50 ?? 0))),
      connect_ms_p99: r2(Math.max(...st.map((x) => x.connectMsP99 ?? 0))),
      timed_out: st.some((x) => x.timedOut),
      server_rss_kib_after: rssKiB(pid),
    };
  }

  await all('close', () => ({}));
  for (const w of workers) w.child.disconnect();
  clearTimeout(hard);
  console.log(JSON.stringify(out));
  process.exit(0);
}

if (process.argv.includes('--worker')) worker();
else coordinator().catch((e) => { console.log(JSON.stringify({ label: cfg.label, error: String(e && e.stack || e) })); process.exit(2); });
