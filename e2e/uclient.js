'use strict';
// coturn's own test client, turnutils_uclient, relaying through a TURN server to a turnutils_peer
// that echoes, with TURN REST credentials (RFC 8489 long-term, "expiry:user" signed with the
// shared secret) computed here as a signaling node would hand them out.
const { execFile, spawn } = require('node:child_process');
const { turnCredential, sleep } = require('./harness');

/**
 * Runs uclient to completion (bounded by `ms`): `clients` allocations on 127.0.0.1:`port`, each
 * sending `messages` 120-byte messages through a channel to the peer on 127.0.0.1:`peerPort`.
 * Resolves with its totals (null when it printed none, as when every request was refused) and
 * the tail of its output, for assertion messages.
 */
function uclient({ port, peerPort, secret, user = 'carol', clients = 2, messages = 50, extra = [], ms = 30000 }) {
  const username = `${Math.floor(Date.now() / 1000) + 600}:${user}`;
  const args = ['-X', '-c', '-p', String(port), '-u', username, '-w', turnCredential(secret, username),
    '-m', String(clients), '-n', String(messages), '-l', '120', '-z', '5', '-e', '127.0.0.1', '-r', String(peerPort),
    ...extra, '127.0.0.1'];
  return new Promise((resolve) => {
    execFile('turnutils_uclient', args, { timeout: ms }, (err, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      const totals = [...output.matchAll(/tot_send_msgs=(\d+), tot_recv_msgs=(\d+)/g)].pop();
      resolve({ sent: totals ? Number(totals[1]) : null, received: totals ? Number(totals[2]) : null, output: output.slice(-3000) });
    });
  });
}

/** An echoing turnutils_peer on 127.0.0.1:`port`; kill the child it returns. */
async function echoPeer(port) {
  const peer = spawn('turnutils_peer', ['-L', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  await sleep(300);
  return peer;
}

module.exports = { uclient, echoPeer };
