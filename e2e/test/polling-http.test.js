'use strict';
// Engine.IO over HTTP as clients with connection pools see it (aiohttp, OkHttp, Node's agent):
// every polling response says `Connection: close` and the server closes; a pending poll is
// answered as soon as its session ends (client close packet, server disconnect, ping timeout);
// Engine.IO v3 (Socket.IO v2) handshakes are refused with Node's 400 unless allow-eio3 is on.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { startNode, TEST_TIMEOUT, waitForLog, sleep } = require('../harness');
const { startDriver } = require('../clients');

const UNSUPPORTED = { code: 5, message: 'Unsupported protocol version' };

let srv;
let quick; // short heartbeat: a silent client times out within 2 s
before(async () => {
  [srv, quick] = await Promise.all([
    startNode(),
    startNode({ props: { 'dialtone.signaling.ping-interval': '1s', 'dialtone.signaling.ping-timeout': '1s' } }),
  ]);
});
after(async () => { await Promise.all([srv, quick].filter(Boolean).map((s) => s.stop())); });
const t = (name, fn) => test(name, { timeout: TEST_TIMEOUT }, fn);

/** One HTTP request; resolves with {status, headers, body, ms} (bounded by `ms`). */
function request(url, { method = 'GET', body, agent = false, headers = {}, ms = 10000 } = {}) {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: { ...headers, ...(body ? { 'content-type': 'text/plain;charset=UTF-8' } : {}) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ms: Date.now() - t0, socket: req.socket }));
    });
    req.setTimeout(ms, () => req.destroy(new Error(`${method} ${url}: no answer within ${ms} ms`)));
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

/** An Engine.IO v4 polling session (no Socket.IO client): its url with sid, and the open packet. */
async function openSession(server, opts) {
  const r = await request(`${server.url}/socket.io/?EIO=4&transport=polling`, opts);
  assert.equal(r.status, 200, r.body);
  const open = JSON.parse(r.body.slice(1));
  return { url: `${server.url}/socket.io/?EIO=4&transport=polling&sid=${open.sid}`, open };
}

/** Open a session, CONNECT with a valid token and read the acknowledgement and iceServers. */
async function connectedSession(server, opts = {}) {
  const s = await openSession(server, opts);
  await request(s.url, { ...opts, method: 'POST', body: `40${JSON.stringify({ token: server.token('polly') })}` });
  let got = '';
  for (let i = 0; i < 5 && !got.includes('iceServers'); i += 1) got += (await request(s.url, opts)).body;
  assert.match(got, /^40\{"sid"/, `CONNECT acknowledged: ${got}`);
  assert.match(got, /iceServers/, `iceServers after connect: ${got}`);
  return s;
}

t('a pooled keep-alive HTTP agent runs a whole polling session on one socket pool: every response says Connection: close and the server closes', async () => {
  // Node's agent reuses a kept-alive connection; the server used to say keep-alive and close
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const s = await connectedSession(srv, { agent });
    const responses = [];
    for (let i = 0; i < 5; i += 1) {
      responses.push(await request(s.url, { agent, method: 'POST', body: `42${i + 1}["checkOnline",{"userIds":["polly"]}]` }));
      responses.push(await request(s.url, { agent }));
    }
    for (const r of responses) {
      assert.equal(r.status, 200);
      assert.equal(r.headers.connection, 'close');
    }
    const answers = responses.filter((_, i) => i % 2 === 1).map((r) => r.body);
    assert.equal(answers.filter((b) => b.includes('"online":{"polly":true}')).length, 5, `every checkOnline answered: ${answers}`);
    const closed = await request(s.url, { agent, method: 'POST', body: '1' });
    assert.equal(closed.headers.connection, 'close');
  } finally {
    agent.destroy();
  }
});

t('a handshake and an error response say Connection: close too, and the connection is closed after them', async () => {
  for (const url of [`${srv.url}/socket.io/?EIO=4&transport=polling`, `${srv.url}/socket.io/?EIO=4&transport=polling&sid=00000000-0000-0000-0000-000000000000`]) {
    const r = await request(url);
    assert.equal(r.headers.connection, 'close', `${url}: ${JSON.stringify(r.headers)}`);
    const t0 = Date.now();
    while (!r.socket.destroyed && Date.now() - t0 < 3000) await sleep(20);
    assert.ok(r.socket.destroyed, `${url}: the server closes the connection after its response`);
  }
});

t('a pending poll is answered at once when the client closes the session (close packet)', async () => {
  for (let i = 0; i < 3; i += 1) {
    const s = await connectedSession(srv);
    const pending = request(s.url);
    await sleep(200); // the poll is waiting on the server
    const t0 = Date.now();
    await request(s.url, { method: 'POST', body: '1' });
    const r = await pending;
    const waited = Date.now() - t0;
    // a NOOP if the poll was waiting; had a loaded server read the close first, the poll finds
    // its session gone and gets an error: answered either way, never left open
    if (r.status === 200) assert.equal(r.body, '6');
    assert.ok(waited < 2000, `the pending poll was answered ${waited} ms after the close packet (Node's engine.io: at once)`);
  }
});

t('a pending poll is answered when the server ends the session', async () => {
  // An event before CONNECT: the server refuses it and disconnects the session.
  const s = await openSession(srv);
  const pending = request(s.url);
  await sleep(200);
  await request(s.url, { method: 'POST', body: '42["checkOnline",{"userIds":["x"]}]' });
  const r = await pending;
  assert.equal(r.status, 200);
  assert.match(r.body, /UNAUTHORIZED|41|^6$/, `the pending poll carries the end of the session: ${r.body}`);
});

t('the polls of a client that went silent are answered until its ping timeout ends the session', async () => {
  const s = await connectedSession(quick);
  // the client polls but never answers the server's pings: every poll is answered (by a ping,
  // at last by the disconnect), none is left open, and the session ends at the ping timeout
  const t0 = Date.now();
  const bodies = [];
  for (;;) {
    const r = await request(s.url, { ms: 5000 });
    if (r.status !== 200) break;
    bodies.push(r.body);
    assert.ok(Date.now() - t0 < 10000, `the session should have ended by its ping timeout (2 s); polls answered: ${JSON.stringify(bodies)}`);
  }
  assert.ok(Date.now() - t0 < 6000, `session ended ${Date.now() - t0} ms after the last pong (interval + timeout: 2 s)`);
  assert.ok(bodies.some((b) => b.split('\u001e').includes('41')), `the last poll carries the disconnect: ${JSON.stringify(bodies)}`);
});

t('Engine.IO v3 handshakes are refused by default with HTTP 400 and Node\'s body, over polling and websocket', async () => {
  for (const query of ['EIO=3&transport=polling', 'EIO=3&transport=polling&b64=1', 'EIO=3&transport=websocket', 'transport=polling', 'EIO=5&transport=polling']) {
    const r = await request(`${srv.url}/socket.io/?${query}`, query.includes('websocket') ? { headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } } : {});
    assert.equal(r.status, 400, `${query}: ${r.status} ${r.body}`);
    assert.deepEqual(JSON.parse(r.body), UNSUPPORTED, query);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers.connection, 'close');
  }
  // Engine.IO v4 is served by the same server
  await connectedSession(srv);
});

t('npm socket.io-client 2.x is refused cleanly by default: connect_error, never a connect', async () => {
  const v2 = startDriver('npm-v2');
  try {
    for (const transports of [['polling'], ['websocket'], ['polling', 'websocket']]) {
      const message = await v2.connectError(srv.url, { transports, token: srv.token('old-client') });
      if (transports[0] === 'polling') assert.match(message, /HTTP 400/, `${transports}: ${message}`);
      else assert.match(message, /error/, `${transports}: ${message}`);
    }
  } finally {
    await v2.stop();
  }
  await waitForLog(srv, /handshake refused: Engine\.IO version 3 .*allow-eio3 is off/);
});
