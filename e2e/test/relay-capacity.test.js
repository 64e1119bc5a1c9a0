'use strict';
// The relay at its cap, as an operator and a client see it: a relayed port range of one port,
// coturn's turnutils_uclient asking for two allocations. The second Allocate is answered 508
// Insufficient Capacity (RFC 8656), the refusal is counted in
// dialtone_relay_allocations_refused_total{limit="relay_ports"}, and the log says so in one line
// that names the range and the knob (docs/relay.md, "Capacity").
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const { spawnSync } = require('node:child_process');
const { startNode, freePort, loopbackRelay } = require('../harness');

let srv = null;
let relayPort = 0;
let relayedPort = 0;

before(async () => {
  relayPort = await freePort();
  // an even port: uclient asks some allocations for EVEN-PORT, and the one port must serve the first
  // Allocate whichever it is
  for (let i = 0; i < 50 && (relayedPort === 0 || relayedPort % 2 !== 0); i++) relayedPort = await freePort();
  assert.equal(relayedPort % 2, 0, 'no free even port found');
  srv = await startNode({
    props: {
      ...loopbackRelay(relayPort),
      'dialtone.relay.udp-threads': 1,
      'dialtone.relay.min-port': relayedPort,
      'dialtone.relay.max-port': relayedPort,
      'dialtone.relay.user-quota': 0,
      'dialtone.relay.total-quota': 0,
    },
  });
});

after(async () => {
  if (srv) await srv.stop();
});

/** the value of one sample in the jar's /metrics (private HTTP port), 0 when absent */
function metric(name, labels) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: srv.httpPort, path: '/metrics' }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => {
        const line = body.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
        resolve(line ? Number(line.split(' ').pop()) : 0);
      });
    }).on('error', reject);
  });
}

test('a full relayed port range answers 508 Insufficient Capacity, counted and logged once', async () => {
  const peerPort = await freePort(); // nothing is relayed: the allocations are what is tested
  const uclient = spawnSync('turnutils_uclient', ['-X', '-c', '-W', srv.turnSecret, '-u', 'capacity', '-m', '2',
    '-n', '5', '-l', '100', '-e', '127.0.0.1', '-r', String(peerPort), '-p', String(relayPort), '127.0.0.1'],
  { encoding: 'utf8', timeout: 60000 });
  const output = `${uclient.stdout}${uclient.stderr}`;
  const refusals = output.split('\n').filter((l) => l.includes('error 508 (Insufficient Capacity)')).length;
  assert.ok(refusals >= 1, `uclient was not answered 508:\n${output.slice(-2000)}`);
  assert.notEqual(uclient.status, 0, 'uclient fails when it cannot allocate');

  // uclient prints its one refusal twice
  assert.ok(await metric('dialtone_relay_allocations_refused_total', 'limit="relay_ports"') >= 1, '508 counted under relay_ports');
  assert.equal(await metric('dialtone_relay_allocations_refused_total', 'limit="total_quota"'), 0);
  const lines = fs.readFileSync(srv.logFile, 'utf8').split('\n').filter((l) => l.includes('Allocate answered'));
  assert.equal(lines.length, 1, `one log line for ${refusals} refusals:\n${lines.join('\n')}`);
  assert.match(lines[0], new RegExp(`WARN .*Allocate answered 508 Insufficient Capacity \\(no free (even )?relay port in ${relayedPort}-${relayedPort} on 127\\.0\\.0\\.1\\), 1 allocations live; .*widen dialtone\\.relay\\.min-port/max-port`));
});
