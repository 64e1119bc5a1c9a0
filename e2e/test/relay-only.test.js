'use strict';
// A relay-only node (dialtone.signaling.enabled = false), as an operator runs one near their users:
// the real jar with only the TURN secret the signaling nodes share, coturn's turnutils_uclient
// relaying through it over UDP and, through the edge port, over TCP with credentials computed here
// from that secret; no Socket.IO anywhere (the signaling port is not even bound), health, metrics
// and the admin API's allocations still served; and a start refused, with exit code 2 and a line
// that says why, when there would be nothing to run or no shared secret to check credentials with.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { freePort, tcpProbe, TEST_TIMEOUT } = require('../harness');
const { runJar } = require('../jar');
const { uclient, echoPeer } = require('../uclient');

const SECRET = crypto.randomBytes(24).toString('hex');
const ADMIN = crypto.randomBytes(24).toString('hex');
const REDIS_PASSWORD = crypto.randomBytes(12).toString('hex');
let jar;
let ports;
let peer;

async function get(port, path, headers = {}) {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
  return { status: r.status, body: await r.text() };
}

before(async () => {
  ports = { signaling: await freePort(), http: await freePort(), relay: await freePort(), edge: await freePort(), peer: await freePort() };
  jar = runJar({
    props: {
      'dialtone.signaling.enabled': false,
      'dialtone.signaling.port': ports.signaling,
      'dialtone.http.host': '127.0.0.1',
      'dialtone.http.port': ports.http,
      'dialtone.relay.listen-addresses.0': '127.0.0.1',
      'dialtone.relay.relay-address': '127.0.0.1',
      'dialtone.relay.port': ports.relay,
      'dialtone.relay.tls-port': 0,
      'dialtone.relay.allow-loopback-peers': true,
      'dialtone.edge.host': '127.0.0.1',
      'dialtone.edge.port': ports.edge,
      'dialtone.edge.udp': false,
      // copied from a full node's configuration: no Redis listens there, and none is needed
      'dialtone.cluster.redis-url': `redis://:${REDIS_PASSWORD}@127.0.0.1:1`,
    },
    // the signaling nodes' TURN secret, and no JWT secret: a relay-only node checks no client token
    env: { DIALTONE_TURN_SECRET: SECRET, DIALTONE_ADMIN_TOKEN: ADMIN },
  });
  await jar.waitFor(/Dialtone started as a relay-only node/);
  peer = await echoPeer(ports.peer);
});

after(async () => {
  if (peer) peer.kill();
  if (jar) await jar.stop();
});

test('relays for coturn\'s client over UDP, and over TCP through the edge port, with the signaling nodes\' secret',
  { timeout: TEST_TIMEOUT }, async () => {
    const udp = await uclient({ port: ports.relay, peerPort: ports.peer, secret: SECRET });
    assert.equal(udp.sent, 100, udp.output);
    assert.equal(udp.received, 100, `messages relayed over UDP and back\n${udp.output}`);
    const tcp = await uclient({ port: ports.edge, peerPort: ports.peer, secret: SECRET, extra: ['-t'] });
    assert.equal(tcp.sent, 100, tcp.output);
    assert.equal(tcp.received, 100, `messages relayed over TCP through the edge port and back\n${tcp.output}`);

    // a credential signed with another secret is refused
    const forged = await uclient({ port: ports.relay, peerPort: ports.peer, secret: 'not-the-secret', user: 'mallory',
      clients: 1, messages: 5, ms: 20000 });
    assert.ok(!forged.received, `relayed with a forged credential\n${forged.output}`);
  });

test('serves no Socket.IO: the signaling port is not bound, and the edge answers /socket.io/ with 404',
  { timeout: TEST_TIMEOUT }, async () => {
    assert.equal(await tcpProbe(ports.signaling), false, `something listens on the signaling port ${ports.signaling}`);
    const polling = await get(ports.edge, '/socket.io/?EIO=4&transport=polling');
    assert.equal(polling.status, 404, polling.body);
    for (const path of ['/', '/config.json', '/dev/token?user=alice']) {
      const r = await get(ports.http, path);
      assert.equal(r.status, 404, `${path}: ${r.body}`);
      assert.match(r.body, /relay-only node/);
    }
  });

test('health, metrics and the admin API\'s allocations are served; calls and users are not there to ask for',
  { timeout: TEST_TIMEOUT }, async () => {
    assert.equal((await get(ports.http, '/healthz')).status, 200);
    assert.equal((await get(ports.http, '/readyz')).status, 200);
    const edgeHealth = await get(ports.edge, '/readyz');
    assert.equal(edgeHealth.status, 200, edgeHealth.body);
    const metrics = await get(ports.http, '/metrics');
    const packets = metrics.body.match(/^dialtone_relay_packets_total\S* (\S+)$/m);
    assert.ok(packets && Number(packets[1]) > 0, `relayed packets counted in /metrics:\n${metrics.body.slice(0, 2000)}`);
    assert.doesNotMatch(metrics.body, /^dialtone_signaling_/m, 'no signaling metrics on a relay-only node');

    const auth = { Authorization: `Bearer ${ADMIN}` };
    const allocations = await get(ports.http, '/admin/allocations', auth);
    assert.equal(allocations.status, 200, allocations.body);
    assert.ok(Array.isArray(JSON.parse(allocations.body).allocations), allocations.body);
    for (const path of ['/admin/calls', '/admin/users/alice']) {
      const r = await get(ports.http, path, auth);
      assert.equal(r.status, 404, `${path}: ${r.body}`);
      assert.match(JSON.parse(r.body).error, /relay-only node/);
    }
    assert.ok(!jar.output().includes(SECRET), 'the TURN secret is never logged');
    assert.ok(!jar.output().includes(ADMIN), 'the admin token is never logged');
  });

test('names, once and without their values, the signaling settings it was given and ignores', { timeout: TEST_TIMEOUT }, async () => {
  const warnings = jar.output().split('\n').filter((l) => /relay-only node: settings of the signaling service/.test(l));
  assert.equal(warnings.length, 1, jar.output());
  // (the harness sets dialtone.signaling.warmup.calls on every jar it runs)
  assert.match(warnings[0],
    /WARN .*relay-only node: settings of the signaling service, which do nothing here: dialtone\.cluster\.redis-url, dialtone\.signaling\.port, dialtone\.signaling\.warmup\.calls$/);
  assert.ok(!jar.output().includes(REDIS_PASSWORD), 'the Redis URL (and its password) is never logged');
});

test('refuses to start, exit code 2 and one line each, with nothing to run or no shared TURN secret',
  { timeout: TEST_TIMEOUT }, async () => {
    const nothing = runJar({ props: { 'dialtone.signaling.enabled': false, 'dialtone.relay.enabled': false },
      env: { DIALTONE_TURN_SECRET: SECRET } });
    assert.equal((await nothing.exited).code, 2, nothing.output());
    assert.match(nothing.output(), /cannot start: dialtone\.signaling\.enabled and dialtone\.relay\.enabled are both false: nothing to run/);

    // no secret at all is a trial on a node that serves calls; on a relay-only node it is a mistake
    const noSecret = runJar({ props: { 'dialtone.signaling.enabled': false, 'dialtone.http.port': await freePort(),
      'dialtone.relay.port': await freePort(), 'dialtone.relay.tls-port': 0 } });
    assert.equal((await noSecret.exited).code, 2, noSecret.output());
    assert.match(noSecret.output(), /cannot start: a relay-only node \(dialtone\.signaling\.enabled = false\) needs dialtone\.turn\.secret/);
    assert.doesNotMatch(noSecret.output(), /TRIAL MODE|RANDOM secret/);
  });
