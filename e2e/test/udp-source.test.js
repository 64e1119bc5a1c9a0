'use strict';
// The relay answers over UDP from the address the client sent to. A host with two addresses (in a
// network namespace this file creates; needs root) runs the jar with the default listen address
// 0.0.0.0; a client there sends STUN Binding requests to each address, from a socket on each, and
// every answer must come from the address it was sent to: clients such as Chromium drop the others.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Namespaces } = require('../nat/topology');
const { startJarIn } = require('../nat/jar');

const ADDRESSES = ['192.0.2.1', '198.51.100.1', '127.0.0.1'];

let host = null;
let dir = null;
let jar = null;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dialtone-udp-'));
  host = new Namespaces(['udp']).create();
  // two more addresses on the namespace's loopback device: a host with several addresses
  host.ipn(host.ns.udp, 'addr', 'add', '192.0.2.1/32', 'dev', 'lo');
  host.ipn(host.ns.udp, 'addr', 'add', '198.51.100.1/32', 'dev', 'lo');
  jar = await startJarIn(host, host.ns.udp, dir, 'udp', {
    'dialtone.auth.jwt-secret': crypto.randomBytes(24).toString('hex'),
    'dialtone.turn.secret': crypto.randomBytes(24).toString('hex'),
    'dialtone.relay.tls-port': 0,
  });
});

after(() => {
  if (host) host.teardown();
  if (dir && !process.env.DIALTONE_E2E_KEEP) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * Inside the namespace: from a socket bound to each address, a STUN Binding request to each
 * address; prints, per pair, where the success answer came from (or null after 3 s).
 */
const CLIENT = `
const dgram = require('node:dgram');
const crypto = require('node:crypto');
const addrs = ${JSON.stringify(ADDRESSES)};
async function ask(from, to) {
  const s = dgram.createSocket('udp4');
  await new Promise((r) => s.bind(0, from, r));
  const req = Buffer.alloc(20);
  req.writeUInt16BE(0x0001, 0); req.writeUInt16BE(0, 2); req.writeUInt32BE(0x2112A442, 4);
  const id = crypto.randomBytes(12); id.copy(req, 8);
  return new Promise((resolve) => {
    const timer = setTimeout(() => { s.close(); resolve(null); }, 3000);
    s.on('message', (m, rinfo) => {
      if (m.length >= 20 && m.readUInt16BE(0) === 0x0101 && m.subarray(8, 20).equals(id)) {
        clearTimeout(timer); s.close(); resolve(rinfo.address);
      }
    });
    s.send(req, 3478, to);
  });
}
(async () => {
  const out = [];
  for (const from of addrs) for (const to of addrs) out.push({ from, to, answeredFrom: await ask(from, to) });
  console.log(JSON.stringify(out));
})();
`;

test('with listen address 0.0.0.0, every UDP answer leaves from the address the client sent to', { timeout: 60000 }, () => {
  const results = JSON.parse(host.runIn(host.ns.udp, process.execPath, ['-e', CLIENT], 40000));
  assert.equal(results.length, ADDRESSES.length * ADDRESSES.length);
  const wrong = results.filter((r) => r.answeredFrom !== r.to);
  assert.deepEqual(wrong, [], `answers from another address than the one asked (or none):\n${JSON.stringify(results, null, 1)}\n--- jar log ---\n${jar.logTail(20)}`);
  const line = jar.log().split('\n').find((l) => l.includes('TURN relay listening on UDP')) || '(no such line)';
  for (const address of ADDRESSES) assert.ok(line.includes(address), `the start log names a UDP listener on ${address}: ${line}`);
});
