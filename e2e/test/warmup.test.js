'use strict';
// The call-path warm-up as an operator sees it: the real jar in production mode, its log lines in
// order, /readyz and the signaling port closed while it runs, nothing of the made-up calls in the
// log, and then a real call between two socket.io clients. Trial mode turning it off is in
// trial.test.js.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const jwt = require('jsonwebtoken');
const { freePort, Scope, sleep } = require('../harness');
const { connectCall, hangup } = require('../flows');
const { runJar } = require('../jar');
const { makeTlsCert } = require('../browser/stack');

const WARMING = /warming up the call path before the signaling port opens: (\d+) calls on a private loopback server/;
const WARMED = /call path warmed up: (\d+) calls in (\d+) ms, (\d+) sockets of them upgraded from long-polling/;
const THROUGH_EDGE = /, (\d+) connections through a private copy of the edge port/;
const STOPPED = /WARN .*call path warm-up stopped after (\d+) of (\d+) calls in (\d+) ms: (.*); starting anyway, the first calls will be slower/;
/**
 * The warm-up's bound in these tests: generous, the machine is shared and loaded (2000 calls and
 * then the JIT idle took 21-27 s on a loaded 2-core machine: the calls go on until it is).
 */
const MAX_TIME_S = 90;

/**
 * The jar in production mode on free loopback ports, relay off, with `props` on top; returns
 * { jar, ports, srv } where srv is what the harness's Scope and flows need to connect and call.
 */
async function start(props) {
  const ports = { signaling: await freePort(), http: await freePort() };
  const jwtSecret = crypto.randomBytes(24).toString('hex');
  const turnSecret = crypto.randomBytes(24).toString('hex');
  const turnUrls = ['stun:127.0.0.1:3478', 'turn:127.0.0.1:3478?transport=udp'];
  const jar = runJar({ props: {
    'dialtone.signaling.host': '127.0.0.1',
    'dialtone.signaling.port': ports.signaling,
    'dialtone.http.host': '127.0.0.1',
    'dialtone.http.port': ports.http,
    'dialtone.relay.enabled': 'false',
    'dialtone.auth.jwt-secret': jwtSecret,
    'dialtone.turn.secret': turnSecret,
    ...Object.fromEntries(turnUrls.map((u, i) => [`dialtone.turn.urls.${i}`, u])),
    ...props,
  } });
  const srv = {
    url: `http://127.0.0.1:${ports.signaling}`,
    turnUrls,
    turnSecret,
    token: (userId) => jwt.sign({ sub: userId }, jwtSecret, { algorithm: 'HS256', expiresIn: '1h' }),
  };
  return { jar, ports, srv };
}

/** 'refused', 'accepted' or the error code of a TCP connect to 127.0.0.1:port (bounded). */
function tcpConnect(port) {
  return new Promise((resolve) => {
    const c = net.connect({ host: '127.0.0.1', port });
    const done = (what) => { c.destroy(); resolve(what); };
    c.once('connect', () => done('accepted'));
    c.once('error', (e) => done(e.code === 'ECONNREFUSED' ? 'refused' : e.code));
    c.setTimeout(2000, () => done('timeout'));
  });
}

async function readyz(httpPort) {
  return (await fetch(`http://127.0.0.1:${httpPort}/readyz`, { signal: AbortSignal.timeout(5000) })).status;
}

/** A call from alice to bob through the started server: offer in, answer back, hung up; `opts` for io(). */
async function aCallWorks(srv, jar, opts = {}) {
  const scope = new Scope(srv);
  try {
    const alice = await scope.connect(scope.id('alice'), opts);
    const bob = await scope.connect(scope.id('bob'), opts);
    const { callId } = await connectCall(alice, bob.userId, [bob]);
    await hangup(alice, bob);
    // the call's own INFO lines are logged as usual: only the warm-up's were quieted
    await jar.waitFor(new RegExp(`INFO .*call ${callId} placed: ${alice.userId} -> ${bob.userId}`), 10000);
    await jar.waitFor(new RegExp(`INFO .*call ${callId} ended: hangup`), 10000);
  } finally {
    await scope.close();
  }
}

/** What the warm-up must never leave in the log, whatever the outcome. */
function assertCleanOutput(out) {
  const lines = out.split('\n');
  for (const [what, re] of [['a made-up user of the warm-up', /warmup-(caller|callee)/], ['ERROR', /\bERROR\b/],
    ['a Netty leak report', /LEAK/]]) {
    const found = lines.filter((l) => re.test(l));
    assert.deepEqual(found.slice(0, 5), [], `no line with ${what}; ${found.length} found, the first of them here`);
  }
}

test('the warm-up runs before the port opens: /readyz 503 and the port closed meanwhile, then a call works', { timeout: 180000 }, async (t) => {
  const { jar, ports, srv } = await start({
    'dialtone.signaling.warmup.calls': 2000,
    'dialtone.signaling.warmup.max-time': `${MAX_TIME_S}s`,
  });
  try {
    const first = await jar.waitFor(WARMING, 60000);
    assert.equal(Number(first.match(WARMING)[1]), 2000);
    // Probed at once and again until the warm-up says it is done: it takes at least the 500 ms
    // the compilers must be idle, so the first probe lands inside it even when it is quick.
    const whileWarming = [];
    const giveUp = Date.now() + (MAX_TIME_S + 30) * 1000;
    while (!WARMED.test(jar.output()) && !STOPPED.test(jar.output())) {
      const [status, tcp] = await Promise.all([readyz(ports.http), tcpConnect(ports.signaling)]);
      whileWarming.push(`${status} ${tcp}`);
      if (Date.now() > giveUp) assert.fail(`the warm-up did not end (bounded by max-time ${MAX_TIME_S}s)\n${jar.output()}`);
      await sleep(50);
    }
    // (the last probes may race the line's way to stdout, which comes in batches: the first may not)
    assert.equal(whileWarming[0], '503 refused',
      `while warming up: /readyz 503 and the signaling port refusing connections; the first probes said ${whileWarming.slice(0, 10).join(', ')}`);

    const second = await jar.waitFor(WARMED, 1000).catch(() => assert.fail(`the warm-up did not complete\n${jar.output()}`));
    assert.ok(Number(second.match(WARMED)[1]) >= 2000, second);
    // a third of the warm-up's 50 pairs connect as socket.io-client does by default, long-polling then
    // the upgrade, as the private server counted: at least their first connections (18 pairs, 2 sockets each)
    assert.ok(Number(second.match(WARMED)[3]) >= 36, second);
    t.diagnostic(`${second.replace(/^.*call path/, 'call path')}; ${whileWarming.length} probes while warming, the first: ${whileWarming[0]}`);
    await jar.waitFor(/Dialtone started/, 30000);
    assert.equal(await readyz(ports.http), 200);
    await aCallWorks(srv, jar);

    const lines = jar.output().split('\n');
    const warming = lines.findIndex((l) => WARMING.test(l));
    const warmed = lines.findIndex((l) => WARMED.test(l));
    assert.ok(warming < warmed, `"warming up" comes before "warmed up"\n${jar.output()}`);
    const placedBefore = lines.slice(0, warmed).filter((l) => /call \S+ placed/.test(l));
    assert.deepEqual(placedBefore, [], 'no call line of the warm-up\'s made-up calls');
  } finally {
    await jar.stop();
  }
  assertCleanOutput(jar.output());
});

test('a warm-up that runs out of max-time warns and the server then serves calls', { timeout: 120000 }, async (t) => {
  const { jar, srv } = await start({
    'dialtone.signaling.warmup.calls': 100000000,
    'dialtone.signaling.warmup.max-time': '3s',
  });
  try {
    await jar.waitFor(WARMING, 60000);
    const warn = (await jar.waitFor(STOPPED, 60000)).match(STOPPED);
    assert.ok(Number(warn[1]) < 100000000, warn[0]);
    assert.equal(Number(warn[2]), 100000000);
    assert.match(warn[4], /max-time/, warn[0]);
    t.diagnostic(warn[0].replace(/^.*call path/, 'call path'));
    await jar.waitFor(/Dialtone started/, 30000);
    await aCallWorks(srv, jar);
    assert.doesNotMatch(jar.output(), WARMED);
  } finally {
    await jar.stop();
  }
  assertCleanOutput(jar.output());
});

test('with the edge port on, the warm-up comes in through a private copy of it too, and a call through the edge works', { timeout: 180000 }, async (t) => {
  const cert = makeTlsCert();
  const edgePort = await freePort();
  const { jar, srv } = await start({
    'dialtone.signaling.warmup.calls': 2000,
    'dialtone.signaling.warmup.max-time': `${MAX_TIME_S}s`,
    'dialtone.edge.host': '127.0.0.1',
    'dialtone.edge.port': edgePort,
    'dialtone.edge.udp': 'false',
    'dialtone.edge.cert-file': cert.certFile,
    'dialtone.edge.key-file': cert.keyFile,
  });
  try {
    const line = await jar.waitFor(WARMED, (MAX_TIME_S + 60) * 1000)
      .catch(() => assert.fail(`the warm-up did not complete\n${jar.output()}`));
    const through = line.match(THROUGH_EDGE);
    assert.ok(through, `the warmed-up line counts the edge copy's connections: ${line}`);
    // every pair's callee (50) connects through it, over TLS, and reconnects every 10 calls
    assert.ok(Number(through[1]) >= 50, line);
    t.diagnostic(line.replace(/^.*call path/, 'call path'));
    await jar.waitFor(/Dialtone started/, 30000);
    await aCallWorks({ ...srv, url: `https://127.0.0.1:${edgePort}` }, jar, { ca: fs.readFileSync(cert.certFile) });
  } finally {
    await jar.stop();
  }
  assertCleanOutput(jar.output());
});
