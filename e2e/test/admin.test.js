'use strict';
// The admin API on the private HTTP port (docs/admin-api.md), driven over real HTTP against the
// real jar: bearer-token auth, live calls listed and ended (both parties hear callEnded
// ended-by-operator), a user's sockets shown and disconnected, relay allocations made by coturn's
// turnutils_uclient, and the same across two nodes sharing a real redis-server.
const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const http = require('node:http');
const { spawn } = require('node:child_process');
const {
  startNode, startCluster, scenario, scenarioOnNodes, once, noEvent, freePort, loopbackRelay, sleep, TEST_TIMEOUT, DEFAULT_WAIT,
} = require('../harness');
const { ring, accept, connectCall, assertCanCall } = require('../flows');

const TOKEN = crypto.randomBytes(32).toString('hex');
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * One admin request; resolves with {status, headers, body} (body parsed when JSON). opts: token
 * (default the right one, null for none), localAddress (another loopback address to come from).
 */
function admin(srv, method, path, { token = TOKEN, localAddress } = {}) {
  return new Promise((resolve, reject) => {
    const headers = token === null ? {} : { Authorization: `Bearer ${token}` };
    const req = http.request({ host: '127.0.0.1', port: srv.httpPort, method, path, headers, localAddress, timeout: 10000 }, (res) => {
      let raw = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { raw += d; });
      res.on('end', () => {
        const json = /application\/json/.test(res.headers['content-type'] || '');
        resolve({ status: res.statusCode, headers: res.headers, body: json ? JSON.parse(raw) : raw });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** GET that must answer 200; returns the body. */
async function get(srv, path) {
  const r = await admin(srv, 'GET', path);
  assert.equal(r.status, 200, `GET ${path}: ${JSON.stringify(r.body)}`);
  assert.equal(r.headers['cache-control'], 'no-store');
  return r.body;
}

/** Poll GET `path` until `pred(body)` holds (bounded); returns that body. */
async function waitFor(srv, path, pred, what, ms = DEFAULT_WAIT * 3) {
  const t0 = Date.now();
  let last;
  for (;;) {
    last = await get(srv, path);
    if (pred(last)) return last;
    if (Date.now() - t0 > ms) assert.fail(`${what} within ${ms} ms; GET ${path} last answered ${JSON.stringify(last)}`);
    await sleep(100);
  }
}

function assertCall(c, { id, from, to, type, state }) {
  assert.deepEqual(Object.keys(c).sort(), ['from', 'id', 'node', 'since', 'state', 'to', 'type']);
  assert.deepEqual({ id: c.id, from: c.from, to: c.to, type: c.type, state: c.state }, { id, from, to, type, state });
  const since = Date.parse(c.since);
  assert.ok(since > Date.now() - 60000 && since <= Date.now() + 1000, `since is when the call was placed: ${c.since}`);
}

describe('admin API off (no dialtone.admin.token)', () => {
  let srv;
  before(async () => { srv = await startNode(); });
  after(async () => { if (srv) await srv.stop(); });

  test('every /admin/ path answers 404, with or without a token', { timeout: TEST_TIMEOUT }, async () => {
    for (const [method, path] of [['GET', '/admin/calls'], ['DELETE', `/admin/calls/${crypto.randomUUID()}`],
      ['GET', '/admin/users/bob'], ['DELETE', '/admin/users/bob/sockets'], ['GET', '/admin/allocations']]) {
      assert.equal((await admin(srv, method, path)).status, 404, `${method} ${path}`);
      assert.equal((await admin(srv, method, path, { token: null })).status, 404, `${method} ${path} without a token`);
    }
  });
});

describe('admin API on one node with the built-in relay', () => {
  let srv;
  before(async () => {
    const relayPort = await freePort();
    const min = 49152 + Math.floor(Math.random() * 80) * 200;
    srv = await startNode({
      props: {
        'dialtone.admin.token': TOKEN,
        ...loopbackRelay(relayPort, { 'dialtone.relay.min-port': min, 'dialtone.relay.max-port': min + 199 }),
      },
    });
    srv.relayPort = relayPort;
  });
  after(async () => { if (srv) await srv.stop(); });
  const t = (name, fn) => test(name, { timeout: TEST_TIMEOUT }, scenario(() => srv, fn));

  t('no token, a wrong one or another scheme: 401 with WWW-Authenticate: Bearer; the token is never logged', async () => {
    for (const token of [null, 'wrong', TOKEN.slice(1), `${TOKEN}x`]) {
      const r = await admin(srv, 'GET', '/admin/calls', { token });
      assert.equal(r.status, 401, `token ${token}`);
      assert.match(r.headers['www-authenticate'], /^Bearer\b/);
      assert.equal(typeof r.body.error, 'string');
    }
    const basic = await new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: srv.httpPort, path: '/admin/calls', headers: { Authorization: `Basic ${TOKEN}` } },
        (res) => { res.resume(); resolve(res.statusCode); }).on('error', reject);
    });
    assert.equal(basic, 401);
    assert.equal((await admin(srv, 'GET', '/admin/calls')).status, 200);
    assert.ok(!srv.logTail(10000).includes(TOKEN), 'the admin token appears in the log');
  });

  t('bad requests: 400 for malformed ids and limits, 404 for unknown resources, 405 for the wrong method', async () => {
    assert.equal((await admin(srv, 'DELETE', '/admin/calls/not-a-call-id')).status, 400);
    assert.equal((await admin(srv, 'GET', `/admin/users/${'x'.repeat(257)}`)).status, 400);
    assert.equal((await admin(srv, 'GET', '/admin/users/bad%0Aid')).status, 400);
    assert.equal((await admin(srv, 'GET', '/admin/users/bad%zzid')).status, 400);
    for (const q of ['limit=0', 'limit=1001', 'limit=x', 'limit=5&x=1', 'other=1']) {
      assert.equal((await admin(srv, 'GET', `/admin/calls?${q}`)).status, 400, q);
    }
    assert.equal((await admin(srv, 'GET', '/admin/nothing')).status, 404);
    assert.equal((await admin(srv, 'GET', '/admin/calls/')).status, 404);
    assert.equal((await admin(srv, 'GET', `/admin/calls/${crypto.randomUUID()}`)).status, 405, 'DELETE only');
    const wrong = await admin(srv, 'POST', '/admin/calls');
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.allow, 'GET');
    const unknown = await admin(srv, 'DELETE', `/admin/calls/${crypto.randomUUID()}`);
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.error, /no live call/);
  });

  t('GET /admin/calls lists ringing and connected calls; limit cuts the list and says so', async (h) => {
    const alice = await h.connect(h.id('alice'));
    const bob = await h.connect(h.id('bob'));
    const carol = await h.connect(h.id('carol'));
    const dave = await h.connect(h.id('dave'));
    const { callId: connected } = await connectCall(alice, bob.userId, [bob], 0, { callType: 'video' });
    const { callId: ringing } = await ring(carol, dave.userId, [dave]);

    const all = await get(srv, '/admin/calls');
    const mine = all.calls.filter((c) => [connected, ringing].includes(c.id));
    assert.equal(mine.length, 2, JSON.stringify(all));
    assertCall(mine.find((c) => c.id === connected), { id: connected, from: alice.userId, to: bob.userId, type: 'video', state: 'connected' });
    assertCall(mine.find((c) => c.id === ringing), { id: ringing, from: carol.userId, to: dave.userId, type: 'voice', state: 'ringing' });
    assert.equal(mine[0].node, null, 'one node: no node id');
    assert.equal(all.total, all.calls.length);
    assert.equal(all.truncated, false);

    const one = await get(srv, '/admin/calls?limit=1');
    assert.equal(one.calls.length, 1);
    assert.equal(one.total, all.total);
    assert.equal(one.truncated, true);
  });

  t('DELETE /admin/calls/{id}: both parties get callEnded ended-by-operator, the call is gone, both can call again', async (h) => {
    const alice = await h.connect(h.id('alice'));
    const bob = await h.connect(h.id('bob'));
    const { callId } = await connectCall(alice, bob.userId, [bob]);

    const r = await admin(srv, 'DELETE', `/admin/calls/${callId}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body, { ended: callId });
    assert.deepEqual(await once(alice, 'callEnded'), { from: bob.userId, reason: 'ended-by-operator' });
    assert.deepEqual(await once(bob, 'callEnded'), { from: alice.userId, reason: 'ended-by-operator' });
    assert.ok(!(await get(srv, '/admin/calls')).calls.some((c) => c.id === callId));
    assert.equal((await admin(srv, 'DELETE', `/admin/calls/${callId}`)).status, 404, 'ended already');
    await assertCanCall(bob, alice.userId, [alice]);
  });

  t('DELETE of a ringing call: the caller and every ringing device get callEnded ended-by-operator', async (h) => {
    const alice = await h.connect(h.id('alice'));
    const bobId = h.id('bob');
    const phone = await h.connect(bobId);
    const laptop = await h.connect(bobId);
    const { callId } = await ring(alice, bobId, [phone, laptop]);
    assert.equal((await admin(srv, 'DELETE', `/admin/calls/${callId}`)).status, 200);
    assert.deepEqual(await once(alice, 'callEnded'), { from: bobId, reason: 'ended-by-operator' });
    for (const s of [phone, laptop]) assert.deepEqual(await once(s, 'callEnded'), { from: alice.userId, reason: 'ended-by-operator' });
  });

  t('GET /admin/users/{id}: every socket with transport, remote address and since, and the current call', async (h) => {
    const alice = await h.connect(h.id('alice'));
    const bobId = h.id('bob@example.com+x');
    const before = Date.now();
    await h.connect(bobId, { transports: ['websocket'] });
    await h.connect(bobId, { transports: ['polling'] });
    const { callId } = await ring(alice, bobId, h.sockets.slice(1));

    const user = await get(srv, `/admin/users/${encodeURIComponent(bobId)}`);
    assert.equal(user.userId, bobId);
    assert.equal(user.online, true);
    assert.equal(user.sockets.length, 2);
    assert.deepEqual(user.sockets.map((s) => s.transport).sort(), ['polling', 'websocket']);
    for (const s of user.sockets) {
      assert.deepEqual(Object.keys(s).sort(), ['connectedSince', 'id', 'node', 'remoteAddress', 'transport']);
      assert.match(s.id, UUID_RE);
      assert.match(s.remoteAddress, /^127\.0\.0\.1:\d+$/);
      const since = Date.parse(s.connectedSince);
      assert.ok(since >= before - 1000 && since <= Date.now() + 1000, `connectedSince ${s.connectedSince}`);
    }
    assertCall(user.call, { id: callId, from: alice.userId, to: bobId, type: 'voice', state: 'ringing' });

    const nobody = await get(srv, `/admin/users/${h.id('nobody')}`);
    assert.deepEqual({ online: nobody.online, sockets: nobody.sockets, call: nobody.call }, { online: false, sockets: [], call: null });
  });

  t('DELETE /admin/users/{id}/sockets: every socket of the user is disconnected, the other party gets callEnded disconnected', async (h) => {
    const alice = await h.connect(h.id('alice'));
    const bobId = h.id('bob');
    const phone = await h.connect(bobId, { transports: ['websocket'] });
    const laptop = await h.connect(bobId, { transports: ['polling'] });
    await connectCall(alice, bobId, [phone, laptop]);
    const gone = [phone, laptop].map((s) => new Promise((resolve) => s.once('disconnect', resolve)));

    const r = await admin(srv, 'DELETE', `/admin/users/${bobId}/sockets`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body, { userId: bobId, disconnected: 2 });
    const reasons = await Promise.race([Promise.all(gone), sleep(DEFAULT_WAIT).then(() => null)]);
    assert.deepEqual(reasons, ['io server disconnect', 'io server disconnect'], 'both sockets closed by the server');
    assert.deepEqual(await once(alice, 'callEnded'), { from: bobId, reason: 'disconnected' });
    await waitFor(srv, `/admin/users/${bobId}`, (u) => !u.online, `${bobId} offline`);
    assert.deepEqual((await admin(srv, 'DELETE', `/admin/users/${bobId}/sockets`)).body, { userId: bobId, disconnected: 0 });
    assert.ok(alice.connected, 'the other party stays connected');
  });

  t('GET /admin/allocations: a real TURN client\'s allocations with user, addresses, transport, age and bytes', async (h) => {
    const user = h.id('turn-user');
    // two clients relaying to each other (-y) for up to ~30 s; stopped once the allocations are seen
    const uclient = spawn('turnutils_uclient', ['-y', '-c', '-X', '-p', String(srv.relayPort), '-W', srv.turnSecret,
      '-u', user, '-m', '1', '-n', '6000', '-l', '120', '-z', '5', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    uclient.stdout.on('data', (d) => { output = (output + d).slice(-4000); });
    uclient.stderr.on('data', (d) => { output = (output + d).slice(-4000); });
    try {
      const flowing = (a) => a.user === user && a.bytesToPeer > 0 && a.bytesToClient > 0;
      const body = await waitFor(srv, '/admin/allocations', (b) => b.allocations.filter(flowing).length >= 2,
        `two allocations of ${user} relaying both ways (uclient: ${output})`, 20000);
      assert.equal(body.truncated, false);
      assert.equal(body.total, body.allocations.length);
      for (const a of body.allocations.filter(flowing)) {
        assert.deepEqual(Object.keys(a).sort(), ['ageSeconds', 'bytesToClient', 'bytesToPeer', 'client', 'relayed', 'transport', 'user']);
        assert.equal(a.transport, 'udp');
        assert.match(a.client, /^127\.0\.0\.1:\d+$/);
        assert.match(a.relayed, /^127\.0\.0\.1:\d+$/);
        assert.ok(Number.isInteger(a.ageSeconds) && a.ageSeconds >= 0 && a.ageSeconds < 60, `ageSeconds ${a.ageSeconds}`);
      }
      const one = await get(srv, '/admin/allocations?limit=1');
      assert.equal(one.allocations.length, 1);
      assert.equal(one.truncated, true);
    } finally {
      uclient.kill('SIGKILL');
    }
  });

  // last: it blocks the address it comes from for a minute (127.0.0.2, so the others are unaffected)
  t('ten wrong tokens from one address: 429 with Retry-After for it, even with the right token; others unaffected', async () => {
    const from = { localAddress: '127.0.0.2' };
    for (let i = 0; i < 10; i += 1) {
      assert.equal((await admin(srv, 'GET', '/admin/calls', { ...from, token: `guess-${i}` })).status, 401, `guess ${i}`);
    }
    const blocked = await admin(srv, 'GET', '/admin/calls', from);
    assert.equal(blocked.status, 429);
    const retry = Number(blocked.headers['retry-after']);
    assert.ok(retry >= 1 && retry <= 60, `Retry-After ${blocked.headers['retry-after']}`);
    assert.equal((await admin(srv, 'GET', '/admin/calls')).status, 200, '127.0.0.1 still served');
  });
});

describe('admin API across two nodes sharing Redis', () => {
  let cluster;
  let nodeA;
  let nodeB;
  before(async () => {
    cluster = await startCluster({ props: { 'dialtone.admin.token': TOKEN } });
    [nodeA, nodeB] = cluster.nodes;
  });
  after(async () => { if (cluster) await cluster.stop(); });
  const t = (name, fn) => test(name, { timeout: TEST_TIMEOUT }, scenarioOnNodes(() => [nodeA, nodeB], fn));

  t('either node lists a call between the two and ends it: both parties get callEnded ended-by-operator', async (onA, onB) => {
    const alice = await onA.connect(onA.id('alice'));
    const bob = await onB.connect(onB.id('bob'));
    const { callId } = await ring(alice, bob.userId, [bob], { callType: 'video' });
    await accept(alice, bob, callId);

    const [fromA, fromB] = await Promise.all([get(nodeA, '/admin/calls'), get(nodeB, '/admin/calls')]);
    const onNodeA = fromA.calls.find((c) => c.id === callId);
    assertCall(onNodeA, { id: callId, from: alice.userId, to: bob.userId, type: 'video', state: 'connected' });
    assert.match(onNodeA.node, UUID_RE, 'the node holding the caller');
    assert.deepEqual(fromB.calls.find((c) => c.id === callId), onNodeA, 'both nodes see the same call');

    // ended through the callee's node: the caller is on the other one
    assert.equal((await admin(nodeB, 'DELETE', `/admin/calls/${callId}`)).status, 200);
    assert.deepEqual(await once(alice, 'callEnded'), { from: bob.userId, reason: 'ended-by-operator' });
    assert.deepEqual(await once(bob, 'callEnded'), { from: alice.userId, reason: 'ended-by-operator' });
    assert.equal((await admin(nodeA, 'DELETE', `/admin/calls/${callId}`)).status, 404);
    await assertCanCall(alice, bob.userId, [bob]);
  });

  t('a user\'s sockets on both nodes are shown by either, and disconnected by their own node', async (onA, onB) => {
    const alice = await onA.connect(onA.id('alice'));
    const bobId = onB.id('bob');
    const bobOnA = await onA.connect(bobId);
    const bobOnB = await onB.connect(bobId);
    const { callId } = await connectCall(alice, bobId, [bobOnB, bobOnA]);

    const user = await get(nodeA, `/admin/users/${bobId}`);
    assert.equal(user.sockets.length, 2);
    const nodes = new Set(user.sockets.map((s) => s.node));
    assert.equal(nodes.size, 2, `one socket on each node: ${JSON.stringify(user.sockets)}`);
    for (const s of user.sockets) {
      assert.equal(s.transport, 'websocket');
      assert.match(s.remoteAddress, /^127\.0\.0\.1:\d+$/);
    }
    assert.equal(user.call.id, callId);
    assert.deepEqual(await get(nodeB, `/admin/users/${bobId}`), user);

    const gone = [bobOnA, bobOnB].map((s) => new Promise((resolve) => s.once('disconnect', resolve)));
    assert.deepEqual((await admin(nodeA, 'DELETE', `/admin/users/${bobId}/sockets`)).body, { userId: bobId, disconnected: 2 });
    const reasons = await Promise.race([Promise.all(gone), sleep(DEFAULT_WAIT).then(() => null)]);
    assert.deepEqual(reasons, ['io server disconnect', 'io server disconnect']);
    assert.deepEqual(await once(alice, 'callEnded'), { from: bobId, reason: 'disconnected' });
    await noEvent(alice, 'callEnded');
    await waitFor(nodeB, `/admin/users/${bobId}`, (u) => !u.online && u.call === null, `${bobId} offline on every node`);
  });
});
