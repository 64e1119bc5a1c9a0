'use strict';
// Test harness: starts the real dialtone.jar, mints tokens, opens real socket.io-client
// connections and records every event they get, so that tests can wait for an event
// (bounded) without racing its arrival.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const assert = require('node:assert/strict');
const { io } = require('socket.io-client');
const jwt = require('jsonwebtoken');

const DEFAULT_WAIT = 3000;     // bound for every expected event / ack
const NEGATIVE_WAIT = 300;     // how long "no event" is watched for
const START_TIMEOUT = 30000;   // JVM start until the signaling port accepts

// Transports for the feature tests (auth, calls, errors). transports.test.js covers every
// transport explicitly; E2E_TRANSPORT=polling|default|websocket reruns the rest over another.
const FEATURE_TRANSPORT = process.env.E2E_TRANSPORT || 'websocket';
const FEATURE_IO_OPTS = FEATURE_TRANSPORT === 'default' ? {} : { transports: [FEATURE_TRANSPORT] };
// E2E_CLUSTER=1 reruns the feature tests on two nodes sharing a redis-server (docs/cluster.md):
// startServer starts both, and each new connection goes to the next node in turn, so callers,
// callees and one user's devices are spread over the two.
const CLUSTER = process.env.E2E_CLUSTER === '1';

const JAR = path.resolve(__dirname, process.env.DIALTONE_JAR || '../server/target/dialtone.jar');
// The jar leaves Netty's leak tracking off unless asked (Main); the tests ask, so a leaked buffer
// is logged as LEAK (warmup.test.js looks for it).
const LEAK_CHECK = '-Dio.netty.leakDetection.level=simple';

// The JDK Maven runs on (JAVA_HOME) runs the jar too; `java` on PATH may be an older one.
const javaBin = () => (process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Ports for the servers under test come from below the kernel's ephemeral range (32768 and up
// here), so that no client's outgoing connection can take one between this check and the server's
// bind, and no port is handed out twice by this process (two nodes of a cluster start at once).
const handedOut = new Set();
const PORT_BASE = 20000;
const PORT_SPAN = 12000;

/**
 * Waits until the server's log has a line matching `pattern`: INFO lines reach the log in
 * batches (at most 100 ms late, BatchedConsoleAppender), so a test never reads it at once.
 */
async function waitForLog(server, pattern, ms = DEFAULT_WAIT) {
  const deadline = Date.now() + ms;
  while (!pattern.test(server.logTail(500))) {
    if (Date.now() > deadline) {
      throw new assert.AssertionError({
        message: `no log line matching ${pattern} within ${ms} ms\n--- server log tail ---\n${server.logTail(30)}`,
      });
    }
    await sleep(25);
  }
}

/**
 * The jar's own relay on loopback, as every relay test wants it: listening and relaying on
 * 127.0.0.1, loopback peers allowed (the tests' peers live there), no TLS port unless `more` sets one.
 */
function loopbackRelay(port, more = {}) {
  return {
    'dialtone.relay.enabled': 'true',
    'dialtone.relay.listen-addresses.0': '127.0.0.1',
    'dialtone.relay.relay-address': '127.0.0.1',
    'dialtone.relay.allow-loopback-peers': 'true',
    'dialtone.relay.port': port,
    'dialtone.relay.tls-port': 0,
    ...more,
  };
}

async function freePort() {
  for (let tries = 0; tries < 200; tries++) {
    const port = PORT_BASE + crypto.randomInt(PORT_SPAN);
    if (handedOut.has(port)) continue;
    const free = await new Promise((resolve) => {
      const s = net.createServer();
      s.unref();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port in ${PORT_BASE}-${PORT_BASE + PORT_SPAN - 1} after 200 tries`);
}

/** True when something accepts TCP connections on 127.0.0.1:`port` within a second. */
function tcpProbe(port) {
  return new Promise((resolve) => {
    const c = net.connect({ host: '127.0.0.1', port });
    const done = (ok) => { c.destroy(); resolve(ok); };
    c.once('connect', () => done(true));
    c.once('error', () => done(false));
    c.setTimeout(1000, () => done(false));
  });
}

const live = new Set(); // child processes, killed on exit whatever happens
const killAll = () => { for (const c of live) { try { c.kill('SIGKILL'); } catch (_) { /* gone */ } } };
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => { killAll(); process.exit(sig === 'SIGINT' ? 130 : 143); });
}

/** per-test bound: every wait inside is bounded too, this only stops a runaway test */
const TEST_TIMEOUT = 60000;

/** Start the jar (startNode), or with E2E_CLUSTER=1 two of them sharing Redis (startCluster). */
function startServer(opts = {}) {
  return CLUSTER ? startCluster(opts) : startNode(opts);
}

/**
 * Start one redis-server and two nodes on it with the same secrets; `url` names the next node in
 * turn at every read. Otherwise the same fields as one node's (token, turnUrls, logTail, stop...),
 * and `redis` (url, pid, stop). opts as startNode's, and `nodeProps(i)`: settings of node i alone
 * (its own data directory, say).
 */
async function startCluster(opts = {}) {
  const { startRedis } = require('./redis');
  const redis = await startRedis();
  const props = {
    'dialtone.cluster.redis-url': redis.url,
    'dialtone.auth.jwt-secret': crypto.randomBytes(24).toString('hex'),
    'dialtone.turn.secret': crypto.randomBytes(24).toString('hex'),
    ...(opts.props || {}),
  };
  // Both nodes start at once; when one fails, the other is stopped too, or its process would
  // keep the test runner alive.
  const nodeProps = opts.nodeProps || (() => ({}));
  const started = await Promise.allSettled([0, 1].map((i) => startNode({ ...opts, props: { ...props, ...nodeProps(i) } })));
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.all(started.filter((r) => r.status === 'fulfilled').map((r) => r.value.stop()));
    await redis.stop();
    throw failed.reason;
  }
  const nodes = started.map((r) => r.value);
  let turn = 0;
  const [first] = nodes;
  return {
    nodes,
    redis,
    get url() { const { url } = nodes[turn % nodes.length]; turn += 1; return url; },
    jwtSecret: first.jwtSecret, turnSecret: first.turnSecret, turnUrls: first.turnUrls, userClaim: first.userClaim,
    token: first.token,
    logFile: nodes.map((n) => n.logFile).join(', '),
    logTail: (n) => nodes.map((node, i) => `[node ${i}]\n${node.logTail(n)}`).join('\n'),
    get exited() { return nodes.map((n) => n.exited).find(Boolean) || null; },
    async stop(o) {
      await Promise.all(nodes.map((n) => n.stop(o)));
      await redis.stop();
    },
  };
}

/**
 * Start the jar. opts:
 *   ringTimeout ('2s'), ttl (credential-ttl, HOCON duration, e.g. '1h'),
 *   callsPerMinute, userClaim, maxSignalBytes, maxCandidateBytes, maxCheckOnline,
 *   deriveTurnUrls (true: no dialtone.turn.urls, the jar derives them from its relay),
 *   props: { 'dialtone.x.y': value } for anything else.
 */
async function startNode(opts = {}) {
  if (!fs.existsSync(JAR)) {
    throw new Error(`dialtone jar not found at ${JAR} (set DIALTONE_JAR or build server/target/dialtone.jar)`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dialtone-e2e-'));
  const jar = path.join(dir, 'dialtone.jar');
  fs.copyFileSync(JAR, jar); // never read a jar that is being rebuilt
  const logFile = path.join(dir, 'server.log');
  const port = await freePort();
  const httpPort = await freePort();
  const jwtSecret = crypto.randomBytes(24).toString('hex');
  const turnSecret = crypto.randomBytes(24).toString('hex');
  const turnUrls = ['stun:127.0.0.1:3478', 'turn:127.0.0.1:3478?transport=udp'];
  const props = {
    'dialtone.signaling.port': port,
    'dialtone.signaling.host': '127.0.0.1',
    'dialtone.http.host': '127.0.0.1',
    'dialtone.http.port': httpPort,
    'dialtone.relay.enabled': 'false',
    'dialtone.auth.jwt-secret': jwtSecret,
    'dialtone.turn.secret': turnSecret,
    'dialtone.signaling.ring-timeout': opts.ringTimeout || '2s',
    // tests start hundreds of servers: no call-path warm-up (e2e/test/warmup.test.js tests it)
    'dialtone.signaling.warmup.calls': 0,
  };
  if (!opts.deriveTurnUrls) turnUrls.forEach((u, i) => { props[`dialtone.turn.urls.${i}`] = u; });
  if (opts.ttl) props['dialtone.turn.credential-ttl'] = opts.ttl;
  if (opts.userClaim) props['dialtone.auth.user-claim'] = opts.userClaim;
  if (opts.callsPerMinute != null) props['dialtone.signaling.limits.calls-per-minute'] = opts.callsPerMinute;
  if (opts.maxSignalBytes != null) props['dialtone.signaling.limits.max-signal-bytes'] = opts.maxSignalBytes;
  if (opts.maxCandidateBytes != null) props['dialtone.signaling.limits.max-candidate-bytes'] = opts.maxCandidateBytes;
  if (opts.maxCheckOnline != null) props['dialtone.signaling.limits.max-check-online'] = opts.maxCheckOnline;
  Object.assign(props, opts.props || {});
  // what the server really runs with, if opts.props overrode it
  const jwtSecretEff = String(props['dialtone.auth.jwt-secret']);
  const turnSecretEff = String(props['dialtone.turn.secret']);
  const turnUrlsEff = Object.keys(props).filter((k) => /^dialtone\.turn\.urls\.\d+$/.test(k))
    .sort((x, y) => Number(x.split('.').pop()) - Number(y.split('.').pop())).map((k) => String(props[k]));

  const args = ['-Xmx256m', LEAK_CHECK, ...Object.entries(props).map(([k, v]) => `-D${k}=${v}`), '-jar', jar];
  const fd = fs.openSync(logFile, 'a');
  // own process group: signals meant for the test runner's group do not reach the jar
  // (SIGINT/SIGTERM to the runner still kill it, see killAll)
  const child = spawn(javaBin(), args, { stdio: ['ignore', fd, fd], detached: true });
  fs.closeSync(fd);
  live.add(child);
  let exited = null;
  let stopping = false;
  const exitP = new Promise((r) => child.once('exit', (code, sig) => {
    exited = { code, sig, at: new Date().toISOString(), byHarness: stopping };
    live.delete(child);
    try { fs.appendFileSync(logFile, `[e2e harness] pid ${child.pid} exited code=${code} signal=${sig} ${stopping ? '(stopped by the harness)' : '(NOT stopped by the harness)'} at ${exited.at}\n`); } catch (_) { /* ignore */ }
    r();
  }));

  const logTail = (n = 60) => {
    try {
      const lines = fs.readFileSync(logFile, 'utf8').split('\n');
      return lines.slice(-n).join('\n');
    } catch (e) { return `(no log: ${e.message})`; }
  };

  const t0 = Date.now();
  for (;;) {
    if (exited) {
      throw new Error(`dialtone exited during start (code ${exited.code}, signal ${exited.sig}); args: ${args.join(' ')}\n--- server log tail (${logFile}) ---\n${logTail()}`);
    }
    if (await tcpProbe(port)) break;
    if (Date.now() - t0 > START_TIMEOUT) {
      child.kill('SIGKILL');
      throw new Error(`dialtone did not accept on 127.0.0.1:${port} within ${START_TIMEOUT} ms\n--- server log tail (${logFile}) ---\n${logTail()}`);
    }
    await sleep(100);
  }

  const srv = {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    port, httpPort, jwtSecret: jwtSecretEff, turnSecret: turnSecretEff, turnUrls: turnUrlsEff, logFile, dir, args,
    userClaim: opts.userClaim || 'sub',
    logTail,
    get exited() { return exited; },
    /** a valid token for userId (claim per server config); extra claims / jwt options optional */
    token(userId, { claims = {}, options = {} } = {}) {
      return jwt.sign({ [srv.userClaim]: userId, ...claims }, jwtSecretEff, { algorithm: 'HS256', expiresIn: '1h', ...options });
    },
    /** SIGTERM, then SIGKILL after graceMs (the jar's drain takes ~5 s; tests do not need it) */
    async stop({ graceMs = 2000 } = {}) {
      if (!exited) {
        stopping = true;
        child.kill('SIGTERM');
        const killer = setTimeout(() => { if (!exited) child.kill('SIGKILL'); }, graceMs);
        await exitP;
        clearTimeout(killer);
      }
      if (!process.env.DIALTONE_E2E_KEEP) {
        try { fs.rmSync(jar, { force: true }); } catch (_) { /* ignore */ }
      }
    },
  };
  return srv;
}

// ---------------------------------------------------------------- event recording

const records = new WeakMap();

function record(socket, label) {
  const rec = { label, queues: new Map(), waiters: new Map() };
  records.set(socket, rec);
  socket.onAny((ev, ...args) => {
    const ws = rec.waiters.get(ev);
    if (ws && ws.length) { ws.shift()(args); return; }
    if (!rec.queues.has(ev)) rec.queues.set(ev, []);
    rec.queues.get(ev).push(args);
  });
  return rec;
}

function summary(rec) {
  const parts = [];
  for (const [ev, q] of rec.queues) if (q.length) parts.push(`${ev}×${q.length} ${JSON.stringify(q.map((a) => a[0])).slice(0, 300)}`);
  return parts.length ? parts.join('; ') : 'none';
}

/** Wait (bounded) for the next `event` on `socket`; resolves with its payload (first argument). */
function once(socket, event, ms = DEFAULT_WAIT) {
  const rec = records.get(socket);
  if (!rec) throw new Error('socket not created through the harness');
  const q = rec.queues.get(event);
  if (q && q.length) return Promise.resolve(q.shift()[0]);
  return new Promise((resolve, reject) => {
    if (!rec.waiters.has(event)) rec.waiters.set(event, []);
    const ws = rec.waiters.get(event);
    const waiter = (args) => { clearTimeout(timer); resolve(args[0]); };
    const timer = setTimeout(() => {
      const i = ws.indexOf(waiter);
      if (i >= 0) ws.splice(i, 1);
      reject(new assert.AssertionError({
        message: `${rec.label}: expected '${event}' within ${ms} ms, got none (unconsumed events on this socket: ${summary(rec)})`,
      }));
    }, ms);
    ws.push(waiter);
  });
}

/** Assert `socket` gets no `event` within `ms` (that has not been consumed yet). */
async function noEvent(socket, event, ms = NEGATIVE_WAIT) {
  const rec = records.get(socket);
  await sleep(ms);
  const q = rec.queues.get(event);
  if (q && q.length) {
    throw new assert.AssertionError({
      message: `${rec.label}: expected no '${event}', got ${JSON.stringify(q.map((a) => a[0])).slice(0, 500)}`,
    });
  }
}

/** Remove and return every queued (unconsumed) `event` payload of `socket`. */
function drain(socket, event) {
  const q = records.get(socket).queues.get(event) || [];
  return q.splice(0, q.length).map((a) => a[0]);
}

/** Several sockets, none gets `event` within one shared window. */
async function noEventOn(sockets, event, ms = NEGATIVE_WAIT) {
  await sleep(ms);
  for (const s of sockets) await noEvent(s, event, 0);
}

/** Emit with an acknowledgement callback; resolves with the ack's first argument (bounded). */
function ack(socket, event, ...args) {
  return ackWithin(DEFAULT_WAIT, socket, event, ...args);
}

function ackWithin(ms, socket, event, ...args) {
  const rec = records.get(socket);
  return new Promise((resolve, reject) => {
    const what = `'${event}' ${JSON.stringify(args).slice(0, 160)}`;
    const onDisconnect = (reason) => {
      clearTimeout(timer);
      reject(new assert.AssertionError({ message: `${rec ? rec.label : 'socket'}: disconnected (${reason}) while waiting for the ack of ${what}` }));
    };
    const timer = setTimeout(() => {
      socket.off('disconnect', onDisconnect);
      reject(new assert.AssertionError({
        message: `${rec ? rec.label : 'socket'}: no ack for ${what} within ${ms} ms (unconsumed events: ${rec ? summary(rec) : '?'})`,
      }));
    }, ms);
    socket.once('disconnect', onDisconnect);
    socket.emit(event, ...args, (resp) => { clearTimeout(timer); socket.off('disconnect', onDisconnect); resolve(resp); });
  });
}

/**
 * Poll checkOnline from `socket` until userId's presence is `expected` (bounded): the server
 * notices a disconnect asynchronously, so presence is awaited, not slept for.
 */
async function waitPresence(socket, userId, expected, ms = DEFAULT_WAIT) {
  const t0 = Date.now();
  let last;
  for (;;) {
    last = await ack(socket, 'checkOnline', { userIds: [userId] });
    if (last && last.ok === true && last.online && last.online[userId] === expected) return;
    if (Date.now() - t0 > ms) {
      throw new assert.AssertionError({ message: `${userId} should be ${expected ? 'online' : 'offline'} within ${ms} ms; checkOnline says ${JSON.stringify(last)}` });
    }
    await sleep(50);
  }
}

// ---------------------------------------------------------------- per-test scope

let userSeq = 0;
const fileTag = crypto.randomBytes(2).toString('hex');

class Scope {
  constructor(srv) {
    this.srv = srv;
    this.sockets = [];
    this.raws = [];
  }

  /** a fresh user id, unique across the whole run */
  id(name = 'u') { userSeq += 1; return `${name}-${fileTag}-${userSeq}`; }

  token(userId, o) { return this.srv.token(userId, o); }

  _socket(opts, label) {
    const socket = io(this.srv.url, {
      reconnection: false,
      forceNew: true,
      autoConnect: false,
      timeout: 5000,
      ...FEATURE_IO_OPTS,
      ...opts,
    });
    record(socket, label);
    this.sockets.push(socket);
    return socket;
  }

  /**
   * Connect user `userId` (token in auth by default). opts: transports, via ('auth'|'query'),
   * token (override), any io() option. Resolves once connected.
   */
  async connect(userId, { via = 'auth', token, label, ...ioOpts } = {}) {
    const tok = token !== undefined ? token : this.token(userId);
    const o = { ...ioOpts };
    if (via === 'auth') o.auth = { token: tok }; else o.query = { token: tok };
    const n = this.sockets.filter((s) => records.get(s).label.startsWith(`${userId}#`)).length + 1;
    const socket = this._socket(o, label || `${userId}#${n}`);
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${userId}: connect timed out`)), 8000);
      socket.once('connect', () => { clearTimeout(timer); resolve(); });
      socket.once('connect_error', (err) => {
        clearTimeout(timer);
        const ctx = err.context && typeof err.context === 'object'
          ? ` [http status ${err.context.status}, response ${JSON.stringify(String(err.context.responseText || '').slice(0, 160))}]` : '';
        const desc = err.description !== undefined && typeof err.description !== 'object' ? ` (${err.description})` : '';
        reject(new assert.AssertionError({ message: `${userId}: connect_error '${err.message}'${desc}${ctx} (expected to connect)` }));
      });
      socket.connect();
    });
    socket.userId = userId;
    socket.srv = this.srv;
    return socket;
  }

  /** Try to connect with io options `opts`; resolves with the connect_error (fails if it connects). */
  async connectError(opts, label = 'refused') {
    const socket = this._socket(opts, label);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new assert.AssertionError({ message: `${label}: neither connect nor connect_error within 8000 ms` })), 8000);
      socket.once('connect', () => {
        clearTimeout(timer);
        reject(new assert.AssertionError({ message: `${label}: connected, expected connect_error 'Authentication error'` }));
      });
      socket.once('connect_error', (err) => { clearTimeout(timer); err.socket = socket; resolve(err); });
      socket.connect();
    });
  }

  /** A raw Engine.IO connection (no Socket.IO client logic); see rawEngine(). */
  async raw(transport = 'websocket') {
    const r = await rawEngine(this.srv, transport);
    this.raws.push(r);
    return r;
  }

  /** Disconnect a socket and wait until the client side is closed. */
  async disconnect(socket) {
    if (socket.connected) {
      const p = new Promise((r) => socket.once('disconnect', r));
      socket.disconnect();
      await Promise.race([p, sleep(1000)]);
    } else socket.disconnect();
  }

  async close() {
    for (const s of this.sockets) { try { s.disconnect(); } catch (_) { /* ignore */ } }
    for (const r of this.raws) { try { r.close(); } catch (_) { /* ignore */ } }
    this.sockets = [];
    this.raws = [];
  }
}

/**
 * Raw Engine.IO v4 connection on the Socket.IO path. `send(str)` sends a Socket.IO packet
 * string (e.g. '0{"token":"x"}' = CONNECT, '2["ev",{...}]' = EVENT, '21["ev"]' = EVENT with
 * ack id 1); `packets` collects every Socket.IO packet string received; `closed` becomes true
 * when the Engine.IO connection closes.
 */
function rawEngine(srv, transport) {
  const { Socket } = require('engine.io-client');
  return new Promise((resolve, reject) => {
    const eio = new Socket(srv.url, { path: '/socket.io/', transports: [transport], upgrade: false });
    const r = {
      eio,
      packets: [],
      closed: false,
      closeReason: null,
      send: (s) => eio.send(s),
      close: () => eio.close(),
      waitPacket(pred, ms = DEFAULT_WAIT) {
        const t0 = Date.now();
        return (async () => {
          for (;;) {
            const p = r.packets.find(pred);
            if (p) return p;
            if (Date.now() - t0 > ms) return null;
            await sleep(20);
          }
        })();
      },
      async waitClosedOrDisconnected(ms) {
        const t0 = Date.now();
        while (Date.now() - t0 < ms) {
          if (r.closed || r.packets.some((p) => p.startsWith('1'))) return true;
          await sleep(20);
        }
        return false;
      },
    };
    const timer = setTimeout(() => reject(new Error(`raw ${transport}: engine.io open timed out`)), 5000);
    eio.on('open', () => { clearTimeout(timer); resolve(r); });
    eio.on('message', (d) => r.packets.push(String(d)));
    eio.on('close', (reason) => { r.closed = true; r.closeReason = reason; });
    eio.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

/**
 * Wrap a test body for several nodes (e.g. two sharing Redis): a fresh scope on each, cleaned up
 * after; on failure every node's log tail is appended to the error.
 */
function scenarioOnNodes(getNodes, fn) {
  return async (t) => {
    const nodes = getNodes();
    if (nodes.some((n) => !n)) throw new Error('nodes did not start (see the before hook failure)');
    const scopes = nodes.map((n) => new Scope(n));
    try {
      await fn(...scopes, t);
    } catch (err) {
      if (err && typeof err.message === 'string') {
        nodes.forEach((n, i) => {
          err.message += `\n--- node ${String.fromCharCode(65 + i)} log tail (${n.logFile})${n.exited ? ` [exited ${JSON.stringify(n.exited)}]` : ''} ---\n${n.logTail(30)}`;
        });
      }
      throw err;
    } finally {
      for (const s of scopes) await s.close();
    }
  };
}

/**
 * Wrap a test body: fresh scope h with auto cleanup; on failure the server's log tail is
 * appended to the error so the lead sees what the server said.
 */
function scenario(getSrv, fn) {
  return async (t) => {
    const srv = getSrv();
    if (!srv) throw new Error('server did not start (see the before hook failure)');
    const h = new Scope(srv);
    try {
      await fn(h, t);
    } catch (err) {
      if (err && typeof err.message === 'string' && !err.__tailed) {
        err.message += `\n--- server log tail (${srv.logFile})${srv.exited ? ` [server exited ${JSON.stringify(srv.exited)}]` : ''} ---\n${srv.logTail(40)}`;
        err.__tailed = true;
      }
      throw err;
    } finally {
      await h.close();
    }
  };
}

// ---------------------------------------------------------------- payload helpers

/** A realistic ~4 KB SDP offer (CRLF line endings, quotes, backslash, non-ASCII in s=). */
function sdp(kind = 'offer', targetBytes = 4096) {
  const lines = [
    'v=0',
    `o=- ${crypto.randomInt(1e9)} 2 IN IP4 127.0.0.1`,
    's=Dialtone "e2e" \\ Ünïcødé ☎',
    't=0 0',
    'a=group:BUNDLE 0 1',
    'a=extmap-allow-mixed',
    'a=msid-semantic: WMS stream',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    `a=ice-ufrag:${crypto.randomBytes(3).toString('hex')}`,
    `a=ice-pwd:${crypto.randomBytes(12).toString('base64')}`,
    'a=ice-options:trickle',
    `a=fingerprint:sha-256 ${Array.from(crypto.randomBytes(32)).map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':')}`,
    `a=setup:${kind === 'offer' ? 'actpass' : 'active'}`,
    'a=mid:0',
    'a=sendrecv',
    'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2',
    'a=fmtp:111 minptime=10;useinbandfec=1',
  ];
  let i = 0;
  while (lines.join('\r\n').length < targetBytes - 64) {
    lines.push(`a=ssrc:${1000 + i} cname:${crypto.randomBytes(8).toString('hex')}`);
    i += 1;
  }
  return `${lines.join('\r\n')}\r\n`;
}

function offer(bytes) { return { type: 'offer', sdp: sdp('offer', bytes) }; }
function answer(bytes) { return { type: 'answer', sdp: sdp('answer', bytes) }; }
function candidate(n = 1) {
  return { candidate: `candidate:${n} 1 udp 2122260223 127.0.0.1 ${50000 + n} typ host generation 0`, sdpMid: '0', sdpMLineIndex: 0 };
}

/** TURN REST credential, computed independently of the server. */
function turnCredential(secret, username) {
  return crypto.createHmac('sha1', secret).update(username).digest('base64');
}

/** Assert an error ack: {ok:false, error:{code, message}} (message exact when given). */
function assertErrorAck(resp, code, message) {
  assert.ok(resp && typeof resp === 'object', `expected an error ack object, got ${JSON.stringify(resp)}`);
  assert.equal(resp.ok, false, `expected ok:false with ${code}, got ${JSON.stringify(resp)}`);
  assert.ok(resp.error && typeof resp.error === 'object', `expected error object in ${JSON.stringify(resp)}`);
  assert.equal(resp.error.code, code, `expected code ${code}, got ${JSON.stringify(resp)}`);
  assert.equal(typeof resp.error.message, 'string', `error.message must be a string: ${JSON.stringify(resp)}`);
  if (message !== undefined) assert.equal(resp.error.message, message);
}

/** Assert an `error` event payload: {message, code}. */
function assertErrorEvent(ev, code, message) {
  assert.ok(ev && typeof ev === 'object', `expected an error event object, got ${JSON.stringify(ev)}`);
  assert.equal(ev.code, code, `expected error event code ${code}, got ${JSON.stringify(ev)}`);
  assert.equal(typeof ev.message, 'string', `error event message must be a string: ${JSON.stringify(ev)}`);
  if (message !== undefined) assert.equal(ev.message, message);
}

module.exports = {
  JAR, LEAK_CHECK, FEATURE_TRANSPORT, TEST_TIMEOUT, DEFAULT_WAIT, NEGATIVE_WAIT,
  startServer, startNode, startCluster, scenario, scenarioOnNodes, Scope, freePort, tcpProbe, loopbackRelay, waitForLog, sleep,
  once, noEvent, noEventOn, drain, ack, ackWithin, waitPresence,
  sdp, offer, answer, candidate, turnCredential, assertErrorAck, assertErrorEvent,
};
