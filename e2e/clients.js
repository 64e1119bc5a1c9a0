'use strict';
// Third-party Socket.IO clients behind one small interface, for test/clients.test.js:
//   const driver = await startDriver('java' | 'python-sync' | 'python-async' | 'npm-v2');
//   const s = await driver.connect(srv.url, { transports, token, via: 'auth' | 'query', label });
//   await s.once('iceServers'); s.emit('endCall', {...}); await s.ack('callUser', {...}); await s.close();
//   const err = await driver.connectError(srv.url, { transports, token });  // a refused connect
// The Java client (io.socket:socket.io-client 2.x, e2e/java-client) and Debian's python3-socketio
// (clients/python_client.py) run in a child process each, spoken to in JSON lines: commands
// {cmd: 'connect'|'emit'|'close', sock, ...} on stdin, reports {sock, type, ...} on stdout, where
// type is connected | connect_error | event | ack | disconnect | closed. The npm socket.io-client
// 2.x (Engine.IO v3) runs in this process.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const assert = require('node:assert/strict');
const { sleep } = require('./harness');

const CONNECT_WAIT = 15000; // a client process on a loaded machine; the server answers far sooner
const DEFAULT_WAIT = 5000;  // bound for every expected event / ack, through a client process
const JAVA_CLIENT_JAR = path.join(__dirname, 'java-client', 'target', 'java-client.jar');
const javaBin = () => (process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java');

/** Events received by one socket, each awaited once, in order, with a bound. */
class Inbox {
  constructor(label) { this.label = label; this.queues = new Map(); this.waiters = new Map(); }

  push(name, data) {
    const ws = this.waiters.get(name);
    if (ws && ws.length) { ws.shift()(name, data); return; }
    if (!this.queues.has(name)) this.queues.set(name, []);
    this.queues.get(name).push(data);
  }

  /** The next `name` received (bounded). */
  async next(name, ms = DEFAULT_WAIT) { return (await this.nextOf([name], ms)).data; }

  /** The next of any of `names` received (bounded): {name, data}. */
  nextOf(names, ms = DEFAULT_WAIT) {
    for (const name of names) {
      const q = this.queues.get(name);
      if (q && q.length) return Promise.resolve({ name, data: q.shift() });
    }
    return new Promise((resolve, reject) => {
      const waiter = (name, data) => { settle(); resolve({ name, data }); };
      const settle = () => {
        clearTimeout(timer);
        for (const n of names) { const ws = this.waiters.get(n); const i = ws.indexOf(waiter); if (i >= 0) ws.splice(i, 1); }
      };
      const timer = setTimeout(() => {
        settle();
        const pending = [...this.queues].filter(([, v]) => v.length).map(([k, v]) => `${k}×${v.length}`).join(', ') || 'none';
        reject(new assert.AssertionError({ message: `${this.label}: expected ${names.join(' or ')} within ${ms} ms, got none (unconsumed: ${pending})` }));
      }, ms);
      for (const n of names) {
        if (!this.waiters.has(n)) this.waiters.set(n, []);
        this.waiters.get(n).push(waiter);
      }
    });
  }
}

/** One connected socket of a driver: what a test does with it. */
class Remote {
  constructor(label, send) { this.label = label; this.inbox = new Inbox(label); this.send = send; this.acks = 0; }

  once(event, ms) { return this.inbox.next(`event:${event}`, ms); }

  emit(event, data) { this.send({ cmd: 'emit', event, data, ack: null }); }

  ack(event, data, ms = DEFAULT_WAIT) {
    this.acks += 1;
    const id = this.acks;
    this.send({ cmd: 'emit', event, data, ack: id });
    return this.inbox.next(`ack:${id}`, ms);
  }

  async close() {
    this.send({ cmd: 'close' });
    await this.inbox.next('closed', DEFAULT_WAIT);
  }
}

/** A client in a child process speaking the JSON-lines protocol above. */
class ProcessDriver {
  constructor(kind, cmd, args) {
    this.kind = kind;
    this.sockets = new Map();
    this.seq = 0;
    this.stderr = '';
    this.child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = null;
    this.child.on('exit', (code, sig) => { this.exited = { code, sig }; });
    this.child.stderr.on('data', (d) => { this.stderr = (this.stderr + d).slice(-4000); });
    readline.createInterface({ input: this.child.stdout }).on('line', (line) => {
      const r = JSON.parse(line);
      const s = this.sockets.get(r.sock);
      if (!s) return;
      if (r.type === 'event') s.inbox.push(`event:${r.name}`, r.data);
      else if (r.type === 'ack') s.inbox.push(`ack:${r.id}`, r.data);
      else s.inbox.push(r.type, r);
    });
  }

  write(cmd) {
    // U+2028/2029 escaped too, so that no reader can take them for line ends
    this.child.stdin.write(`${JSON.stringify(cmd).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')}\n`);
  }

  open(url, { transports, token, via = 'auth', label }) {
    this.seq += 1;
    const sock = `${this.kind}-${this.seq}`;
    const remote = new Remote(label || sock, (c) => this.write({ ...c, sock }));
    this.sockets.set(sock, remote);
    const query = via === 'query' && token !== undefined ? `?token=${encodeURIComponent(token)}` : '';
    const auth = via === 'auth' && token !== undefined ? { token } : null;
    this.write({ cmd: 'connect', sock, url: `${url}/${query}`, transports, auth });
    return remote;
  }

  /** Connects; resolves with the socket once connected, fails on a connect error. */
  async connect(url, opts) {
    const remote = this.open(url, opts);
    const r = await remote.inbox.nextOf(['connected', 'connect_error'], CONNECT_WAIT);
    if (r.name !== 'connected') throw new assert.AssertionError({ message: `${remote.label} (${this.kind}): connect_error '${r.data.message}' (expected to connect)${this.diagnostics()}` });
    return remote;
  }

  /** Tries to connect; resolves with the connect error's message, fails if it connects. */
  async connectError(url, opts) {
    const remote = this.open(url, opts);
    const r = await remote.inbox.nextOf(['connected', 'connect_error'], CONNECT_WAIT);
    if (r.name === 'connected') throw new assert.AssertionError({ message: `${remote.label} (${this.kind}): connected, expected to be refused` });
    return r.data.message;
  }

  diagnostics() { return this.exited ? ` [driver exited ${JSON.stringify(this.exited)}: ${this.stderr}]` : ''; }

  async stop() {
    if (this.exited) return;
    this.child.stdin.end();
    const t0 = Date.now();
    while (!this.exited && Date.now() - t0 < 5000) await sleep(50);
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

/** npm socket.io-client 2.x (Engine.IO v3) in this process; its token travels in the query. */
class NpmV2Driver {
  constructor() { this.io = require('socket.io-client-v2'); this.seq = 0; this.kind = 'npm-v2'; this.sockets = new Set(); }

  open(url, { transports, token, label }) {
    this.seq += 1;
    const socket = this.io(url, {
      transports, forceNew: true, reconnection: false, timeout: CONNECT_WAIT, query: token !== undefined ? { token } : {},
    });
    this.sockets.add(socket);
    const remote = new Remote(label || `npm-v2-${this.seq}`, (c) => {
      if (c.cmd === 'close') {
        socket.close();
        remote.inbox.push('closed', {});
      } else if (c.ack === null) socket.emit(c.event, c.data);
      else socket.emit(c.event, c.data, (resp) => remote.inbox.push(`ack:${c.ack}`, resp));
    });
    const { onevent } = socket;
    socket.onevent = function capture(packet) {
      const [name, data] = packet.data || [];
      remote.inbox.push(`event:${name}`, data);
      return onevent.call(this, packet);
    };
    socket.on('connect', () => remote.inbox.push('connected', { type: 'connected' }));
    socket.on('connect_error', (e) => remote.inbox.push('connect_error', { type: 'connect_error', message: `${e.message} (${typeof e.description === 'number' ? `HTTP ${e.description}` : 'no HTTP status'})` }));
    socket.on('disconnect', () => remote.inbox.push('disconnect', {}));
    return remote;
  }

  connect(url, opts) { return ProcessDriver.prototype.connect.call(this, url, opts); }

  connectError(url, opts) { return ProcessDriver.prototype.connectError.call(this, url, opts); }

  diagnostics() { return ''; }

  async stop() { for (const s of this.sockets) s.close(); }
}

const drivers = new Set();
process.on('exit', () => { for (const d of drivers) if (d.child && !d.exited) d.child.kill('SIGKILL'); });

/** Start the driver of a client kind: 'java', 'python-sync', 'python-async' or 'npm-v2'. */
function startDriver(kind) {
  let d;
  if (kind === 'npm-v2') d = new NpmV2Driver();
  else if (kind === 'java') {
    if (!fs.existsSync(JAVA_CLIENT_JAR)) throw new Error(`${JAVA_CLIENT_JAR} is missing: build it with mvn -B -q -pl e2e/java-client package`);
    d = new ProcessDriver(kind, javaBin(), ['-Xmx128m', '-jar', JAVA_CLIENT_JAR]);
  } else if (kind === 'python-sync' || kind === 'python-async') {
    d = new ProcessDriver(kind, '/usr/bin/python3', [path.join(__dirname, 'clients', 'python_client.py'), kind.split('-')[1]]);
  } else throw new Error(`unknown client kind ${kind}`);
  drivers.add(d);
  return d;
}

module.exports = { startDriver, CONNECT_WAIT };
