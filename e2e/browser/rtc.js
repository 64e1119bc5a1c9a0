'use strict';
// What the browser tests read from a test-call page: its state (window.dialtone.state) and the
// getStats() of its RTCPeerConnection, analysed here (not by the page), with bounded waits.
const assert = require('node:assert/strict');
const { sleep } = require('../harness');

const state = (page) => page.evaluate(() => window.dialtone.state).catch((e) => ({ unavailable: e.message }));

/** poll window.dialtone.state until pred(state) holds (bounded) */
async function waitState(page, pred, ms, what) {
  const t0 = Date.now();
  let s;
  for (;;) {
    s = await state(page);
    if (s && !s.unavailable && pred(s)) return s;
    if (Date.now() - t0 > ms) {
      throw new assert.AssertionError({ message: `${page.label}: expected ${what} within ${ms} ms; state ${JSON.stringify(s)}` });
    }
    await sleep(100);
  }
}

/** getStats() of the page's RTCPeerConnection: selected pair, candidates, media received */
async function rtcStats(page) {
  const reports = await page.evaluate(() => window.dialtone.rawStats());
  const byId = new Map(reports.map((r) => [r.id, r]));
  const transport = reports.find((r) => r.type === 'transport' && r.selectedCandidatePairId);
  const pair = transport ? byId.get(transport.selectedCandidatePairId) : null;
  const inbound = (kind) => reports.filter((r) => r.type === 'inbound-rtp' && r.kind === kind);
  const total = (list, f) => list.reduce((a, r) => a + (r[f] || 0), 0);
  return {
    pair: pair && {
      state: pair.state,
      local: byId.get(pair.localCandidateId),
      remote: byId.get(pair.remoteCandidateId),
    },
    localCandidates: reports.filter((r) => r.type === 'local-candidate'),
    audioBytes: total(inbound('audio'), 'bytesReceived'),
    videoFrames: total(inbound('video'), 'framesDecoded'),
    videoBytes: total(inbound('video'), 'bytesReceived'),
  };
}

async function waitStats(page, pred, ms, what) {
  const t0 = Date.now();
  let s;
  for (;;) {
    s = await rtcStats(page);
    if (pred(s)) return s;
    if (Date.now() - t0 > ms) {
      throw new assert.AssertionError({ message: `${page.label}: expected ${what} within ${ms} ms; stats ${brief(s)}` });
    }
    await sleep(250);
  }
}

function brief(s) {
  const c = (x) => x && `${x.candidateType} ${x.protocol} ${x.address}:${x.port}${x.relayProtocol ? ` via ${x.relayProtocol}` : ''}`;
  return JSON.stringify({
    pair: s.pair && { state: s.pair.state, local: c(s.pair.local), remote: c(s.pair.remote) },
    localCandidates: s.localCandidates.map(c), audioBytes: s.audioBytes, videoBytes: s.videoBytes, videoFrames: s.videoFrames,
  });
}

/** what a failing test appends about each page: its state, stats and last console lines */
async function describePages(pages, consoleLines = 40) {
  const parts = [];
  for (const p of pages) {
    parts.push(`--- ${p.label} state ${JSON.stringify(await state(p))}`);
    parts.push(`--- ${p.label} stats ${brief(await rtcStats(p).catch(() => ({ localCandidates: [] })))}`);
    parts.push(`--- ${p.label} console (last ${consoleLines}) ---\n${p.logs.slice(-consoleLines).join('\n')}`);
  }
  return parts;
}

module.exports = { state, waitState, rtcStats, waitStats, brief, describePages };
