// Summarises `jfr print --stack-depth 64 --events jdk.ExecutionSample` output (profile.sh):
// CPU samples by area, then the hottest frames, self and inclusive.
'use strict';
const fs = require('fs');
const [samplesFile, nativeFile] = process.argv.slice(2);
const evs = fs.readFileSync(samplesFile, 'utf8').split('jdk.ExecutionSample {').slice(1);
const frameRe = /^\s+([\w.$<>]+)\(.*?\)\s+line:/gm;
const areas = [
  ['permessage-deflate (netty websocket compression)', (s) => s.includes('.compression.')],
  ['JSON (Jackson)', (s) => s.includes('com.fasterxml.jackson')],
  ['Dialtone code (switchboard, events, auth, gate)', (s) => /dev\.dialtone\.signaling\.(call|ClientEvents|auth\.TokenVerifier|protocol|limit|turn)/.test(s)],
  ['netty-socketio (decode/encode/dispatch)', (s) => s.includes('com.corundumstudio')],
  ['netty and the rest', () => true],
];
const area = new Map(areas.map(([n]) => [n, 0]));
const self = new Map(), incl = new Map();
for (const e of evs) {
  const frames = [...e.matchAll(frameRe)].map((m) => m[1]);
  if (!frames.length) continue;
  const s = frames.join(' ');
  for (const [n, f] of areas) if (f(s)) { area.set(n, area.get(n) + 1); break; }
  self.set(frames[0], (self.get(frames[0]) || 0) + 1);
  for (const f of new Set(frames)) incl.set(f, (incl.get(f) || 0) + 1);
}
const n = evs.length;
const pc = (v) => (100 * v / n).toFixed(1).padStart(5) + '%';
console.log(`\n${n} Java execution samples (nioEventLoop and other threads)\n\nby area (first match in this order):`);
for (const [k, v] of area) console.log(`${pc(v)}  ${k}`);
const top = (m, k) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k);
console.log('\nhottest frames (self):');
for (const [k, v] of top(self, 15)) console.log(`${pc(v)}  ${k}`);
console.log('\ninclusive, Dialtone / netty-socketio / Jackson / compression frames:');
for (const [k, v] of top(incl, 400).filter(([k]) => /dialtone|corundum|jackson|compression/.test(k)).slice(0, 25)) console.log(`${pc(v)}  ${k}`);
if (nativeFile && fs.existsSync(nativeFile)) {
  const nat = fs.readFileSync(nativeFile, 'utf8').split('jdk.NativeMethodSample {').slice(1);
  const c = new Map();
  for (const e of nat) { const m = /^\s+([\w.$<>]+)\(.*?\)\s+line:/m.exec(e); if (m) c.set(m[1], (c.get(m[1]) || 0) + 1); }
  console.log(`\nnative method samples (${nat.length}; epoll waits are idle time):`);
  for (const [k, v] of top(c, 8)) console.log(`${String(v).padStart(6)}  ${k}`);
}
