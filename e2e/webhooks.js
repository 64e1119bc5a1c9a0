'use strict';
// A real webhook receiver on loopback for the push tests: every request is checked with npm
// `standardwebhooks` (an implementation independent of the server's), and every verified
// webhook is recorded so tests can wait for one (bounded). Its answer is chosen per webhook
// (`respond`), and it can be taken down (connection refused) and brought back on the same port.
const http = require('node:http');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const assert = require('node:assert/strict');
const { Webhook } = require('standardwebhooks');
const { sleep } = require('./harness');

/** A fresh whsec_ secret, as an operator would make one. */
function newSecret() {
  return `whsec_${crypto.randomBytes(32).toString('base64')}`;
}

const MAX_BODY = 64 * 1024;

/**
 * Start a receiver. opts.respond(webhook) → HTTP status (default 200), opts.port to reuse one,
 * opts.down to only reserve the port (start with `up()`).
 */
async function startReceiver({ secret = newSecret(), respond = () => 200, port = 0, down = false } = {}) {
  const verifier = new Webhook(secret);
  const r = {
    secret,
    respond,
    /** every verified webhook, in arrival order: {id, timestamp, type, data, status} */
    received: [],
    /** requests that failed verification, with why: must stay empty */
    rejected: [],
    port,
    server: null,
    get url() { return `http://127.0.0.1:${r.port}/hooks`; },
    async up() {
      r.server = http.createServer((req, res) => {
        const chunks = [];
        let size = 0;
        req.on('data', (c) => { size += c.length; if (size <= MAX_BODY) chunks.push(c); });
        req.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          let payload;
          try {
            payload = verifier.verify(body, req.headers);
          } catch (err) {
            r.rejected.push({ error: err.message, headers: req.headers, body: body.slice(0, 300) });
            res.writeHead(400).end();
            return;
          }
          const hook = {
            id: req.headers['webhook-id'],
            timestamp: Number(req.headers['webhook-timestamp']),
            type: payload.type,
            eventTimestamp: payload.timestamp,
            data: payload.data,
          };
          hook.status = r.respond(hook);
          r.received.push(hook);
          res.writeHead(hook.status).end();
        });
      });
      await new Promise((resolve, reject) => {
        r.server.once('error', reject);
        r.server.listen(r.port, '127.0.0.1', () => { r.port = r.server.address().port; resolve(); });
      });
    },
    /** Stop listening: connections are refused until `up()`. */
    async down() {
      if (!r.server) return;
      const s = r.server;
      r.server = null;
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    },
    /** Verified webhooks matching `pred` (type string or predicate), answered 2xx or not. */
    all(pred) {
      const p = typeof pred === 'string' ? (h) => h.type === pred : pred;
      return r.received.filter(p);
    },
    /** Wait (bounded) for the first verified webhook matching `pred`. */
    async wait(pred, ms = 5000, what = String(pred)) {
      const t0 = Date.now();
      for (;;) {
        const found = r.all(pred);
        if (found.length) return found[0];
        if (Date.now() - t0 > ms) {
          throw new assert.AssertionError({
            message: `webhook receiver: expected ${what} within ${ms} ms; got ${JSON.stringify(r.received.map((h) => [h.type, h.data && h.data.callId, h.status])).slice(0, 800)}`,
          });
        }
        await sleep(20);
      }
    },
    /** The request that failed verification, if any: fails the test. */
    assertAllVerified() {
      assert.deepEqual(r.rejected, [], 'every webhook must carry a valid Standard Webhooks signature');
    },
    async stop() { await r.down(); },
  };
  if (!down) await r.up();
  else if (!r.port) throw new Error('a receiver started down needs a port');
  return r;
}

/** A fresh data-dir for one server's webhook outbox (never ./data under the test's working directory). */
function newDataDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'dialtone-e2e-data-'));
}

/** Server properties that send webhooks to `receiver`. */
function pushProps(receiver, { wait = '4s', events = ['call.incoming', 'call.cancelled'], dataDir, extra = {} } = {}) {
  const props = {
    'dialtone.push.webhook-url': receiver.url,
    'dialtone.push.secret': receiver.secret,
    'dialtone.push.wait': wait,
    'dialtone.push.retry-min': '100ms',
    'dialtone.push.retry-max': '1s',
    'dialtone.push.timeout': '3s',
    ...extra,
  };
  props['dialtone.data-dir'] = dataDir || newDataDir();
  events.forEach((e, i) => { props[`dialtone.push.events.${i}`] = e; });
  return props;
}

module.exports = { startReceiver, pushProps, newSecret, newDataDir };
