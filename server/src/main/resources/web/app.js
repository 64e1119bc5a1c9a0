'use strict';
// Dialtone test-call page: the seed's call flow (callUser → incomingCall → answerCall →
// callAccepted → endCall → callEnded) plus trickle ICE (iceCandidate), over the real
// socket.io-client. Plain browser JavaScript, no build step. window.dialtone is a small hook
// for automated tests (e2e/test/browser.test.js).
(function () {
  const $ = (id) => document.getElementById(id);
  const ui = {
    connectForm: $('connect-form'), user: $('user'), token: $('token'),
    connect: $('connect'), disconnect: $('disconnect'), connState: $('conn-state'),
    callForm: $('call-form'), callee: $('callee'), relayOnly: $('relay-only'),
    call: $('call'), hangup: $('hangup'),
    incoming: $('incoming'), incomingText: $('incoming-text'), accept: $('accept'), reject: $('reject'),
    callState: $('call-state'), iceState: $('ice-state'), pair: $('pair'), bitrate: $('bitrate'),
    localVideo: $('local-video'), remoteVideo: $('remote-video'), log: $('log'),
  };

  const ACK_TIMEOUT = 5000;
  const params = new URLSearchParams(location.search);

  let config = null;        // {signalingUrl}
  let socket = null;
  let userId = null;
  let iceServers = [];      // from the 'iceServers' event / getIceServers
  let connection = 'disconnected';
  let call = idleCall();
  let gen = 0;              // bumps on every new call: late async steps of an old call are dropped
  let pc = null;
  let localStream = null;
  let remoteCandidates = [];   // received before the remote description was set
  let outgoing = [];           // own candidates gathered before the server knew the call
  let canSendCandidates = false;
  let statsTimer = null;
  let lastBytes = null;        // {t, in, out} for the bitrate
  let current = emptyStats();

  const events = [];           // every signaling event received, for tests: {name, payload, t}
  const errors = [];           // every error shown: strings

  function idleCall() {
    return { state: 'idle', reason: null, peer: null, callType: null, role: null, callId: null, incoming: null, relayOnly: false };
  }
  function emptyStats() {
    return { pair: null, kbpsIn: 0, kbpsOut: 0 };
  }

  // ------------------------------------------------------------------ display

  function log(text, kind = 'event') {
    const li = document.createElement('li');
    li.className = kind;
    li.textContent = `${new Date().toLocaleTimeString()} ${text}`;
    ui.log.prepend(li);
    while (ui.log.children.length > 100) ui.log.lastChild.remove();
    if (kind === 'error') errors.push(text);
    (kind === 'error' ? console.warn : console.log)(`[dialtone] ${text}`);
  }

  function render() {
    const connected = connection === 'connected';
    ui.connState.textContent = connected ? `connected as ${userId}` : connection;
    ui.connect.disabled = connected || connection === 'connecting';
    ui.disconnect.disabled = !socket;
    ui.user.disabled = connected;
    const busy = call.state === 'calling' || call.state === 'ringing' || call.state === 'connected';
    ui.call.disabled = !connected || busy;
    ui.hangup.disabled = !busy;
    let text = call.state;
    if (call.peer && busy) {
      text += ` (${call.callType} ${call.role === 'caller' ? 'to' : 'from'} ${call.peer}${call.relayOnly ? ', relay only' : ''})`;
    }
    if (call.state === 'ended' && call.reason) text += `: ${call.reason}`;
    ui.callState.textContent = text;
    ui.incoming.hidden = !(call.state === 'ringing' && call.role === 'callee');
    if (!ui.incoming.hidden) ui.incomingText.textContent = `Incoming ${call.callType} call from ${call.peer}`;
    ui.iceState.textContent = pc ? `${pc.iceConnectionState} (connection ${pc.connectionState})` : '–';
    const p = current.pair;
    ui.pair.textContent = p
      ? `local ${p.local.candidateType} ${p.local.protocol || ''} ${p.local.address || ''}:${p.local.port || ''}`
        + ` ⇄ remote ${p.remote.candidateType} ${p.remote.protocol || ''} ${p.remote.address || ''}:${p.remote.port || ''}`
      : '–';
    ui.bitrate.textContent = pc ? `${current.kbpsIn.toFixed(1)} / ${current.kbpsOut.toFixed(1)} kbit/s` : '–';
  }

  function setCall(patch) {
    Object.assign(call, patch);
    render();
  }

  // ------------------------------------------------------------------ signaling

  async function loadConfig() {
    if (config) return config;
    const r = await fetch('config.json', { cache: 'no-store' });
    if (!r.ok) throw new Error(`config.json: HTTP ${r.status}`);
    config = await r.json();
    return config;
  }

  async function devToken(user) {
    const r = await fetch(`dev/token?user=${encodeURIComponent(user)}`, { cache: 'no-store' });
    if (r.status === 404) throw new Error('development tokens are off on this server (dialtone.http.dev-tokens); paste a token instead (java -jar dialtone.jar token <userId>)');
    if (!r.ok) throw new Error(`dev/token: HTTP ${r.status}`);
    return (await r.json()).token;
  }

  /** emit with a bounded acknowledgement; resolves with the ack, or {ok:false, error} on timeout */
  function request(event, payload) {
    return new Promise((resolve) => {
      if (!socket) { resolve({ ok: false, error: { code: 'NOT_CONNECTED', message: 'not connected' } }); return; }
      socket.timeout(ACK_TIMEOUT).emit(event, payload, (err, resp) => {
        if (err) resolve({ ok: false, error: { code: 'TIMEOUT', message: `no answer to ${event} within ${ACK_TIMEOUT} ms` } });
        else resolve(resp);
      });
    });
  }

  function failedAck(event, resp) {
    if (resp && resp.ok) return false;
    const e = (resp && resp.error) || {};
    log(`${event} refused: ${e.code || '?'} ${e.message || JSON.stringify(resp)}`, 'error');
    return true;
  }

  async function connect(user) {
    user = String(user || '').trim();
    if (!user) { log('type a user id first', 'error'); return; }
    if (socket) disconnect();
    connection = 'connecting';
    render();
    try {
      const cfg = await loadConfig();
      const token = ui.token.value.trim() || await devToken(user);
      userId = user;
      socket = io(cfg.signalingUrl, { auth: { token }, reconnectionAttempts: 5 });
      wire(socket);
    } catch (e) {
      connection = 'disconnected';
      log(`cannot connect: ${e.message}`, 'error');
      render();
    }
  }

  function disconnect() {
    if (call.state !== 'idle' && call.state !== 'ended') endLocal('you disconnected');
    if (socket) { socket.removeAllListeners(); socket.io.removeAllListeners(); socket.disconnect(); }
    socket = null;
    connection = 'disconnected';
    render();
  }

  function wire(s) {
    s.on('connect', () => { connection = 'connected'; log(`connected to ${config.signalingUrl} as ${userId}`); render(); });
    s.on('connect_error', (err) => {
      connection = `connect error: ${err.message}`;
      log(`connect_error: ${err.message}`, 'error');
      render();
    });
    s.on('disconnect', (reason) => {
      connection = `disconnected (${reason})`;
      log(`disconnected: ${reason}`);
      if (call.state !== 'idle' && call.state !== 'ended') endLocal('signaling disconnected');
      render();
    });
    s.onAny((name, payload) => {
      const ev = { name, payload, t: Date.now() };
      events.push(ev);
      if (events.length > 500) events.shift();
      api.lastEvent = ev;
    });
    s.on('iceServers', (msg) => {
      iceServers = (msg && msg.iceServers) || [];
      log(`iceServers: ${iceServers.map((x) => [].concat(x.urls).join(' ')).join(' ')} (ttl ${msg && msg.ttl} s)`);
    });
    s.on('error', (e) => log(`server error: ${e && e.code} ${e && e.message}`, 'error'));
    s.on('incomingCall', onIncoming);
    s.on('callAccepted', onAccepted);
    s.on('callRejected', (m) => {
      if (call.role === 'caller' && m && m.from === call.peer) endLocal(`rejected (${m.reason})`, m.reason);
    });
    s.on('callEnded', (m) => {
      log(`callEnded from ${m && m.from}: ${m && m.reason}`);
      if (m && m.from === call.peer && call.state !== 'idle' && call.state !== 'ended') endLocal(m.reason, m.reason);
    });
    s.on('iceCandidate', onRemoteCandidate);
  }

  // ------------------------------------------------------------------ WebRTC

  async function getMedia(callType) {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      throw new Error('getUserMedia is unavailable: open the page over https or from 127.0.0.1/localhost');
    }
    return navigator.mediaDevices.getUserMedia({ audio: true, video: callType === 'video' });
  }

  function newPeer(servers, relayOnly) {
    const p = new RTCPeerConnection({ iceServers: servers, iceTransportPolicy: relayOnly ? 'relay' : 'all' });
    p.onicecandidate = (e) => {
      if (!e.candidate) return;
      const c = e.candidate.toJSON();
      if (canSendCandidates) sendCandidate(c); else outgoing.push(c);
    };
    p.onicecandidateerror = (e) => {
      // STUN/TURN trouble (e.g. 401 when the relay refuses the credentials); not fatal by itself.
      log(`ICE candidate error ${e.errorCode} ${e.errorText || ''} at ${e.url || '?'}`, 'error');
    };
    p.oniceconnectionstatechange = () => {
      if (p !== pc) return;
      if (p.iceConnectionState === 'failed') {
        log(`ICE failed${relayOnly ? ' (relay only: is the relay reachable and does it accept the credentials?)' : ''}`, 'error');
      }
      render();
    };
    p.onconnectionstatechange = () => { if (p === pc) render(); };
    p.ontrack = (e) => {
      const stream = e.streams[0] || new MediaStream([e.track]);
      if (ui.remoteVideo.srcObject !== stream) ui.remoteVideo.srcObject = stream;
    };
    return p;
  }

  function sendCandidate(c) {
    const to = call.peer;
    request('iceCandidate', { to, candidate: c }).then((resp) => {
      // NOT_IN_CALL right after the call ended is expected; anything else is worth showing.
      if (!(resp && resp.ok) && call.peer === to && call.state !== 'ended') failedAck('iceCandidate', resp);
    });
  }

  function flushOutgoing() {
    canSendCandidates = true;
    const list = outgoing;
    outgoing = [];
    list.forEach(sendCandidate);
  }

  async function flushRemote() {
    const list = remoteCandidates;
    remoteCandidates = [];
    for (const c of list) await addRemote(c);
  }

  async function addRemote(c) {
    try { await pc.addIceCandidate(c); } catch (e) { log(`addIceCandidate: ${e.message}`, 'error'); }
  }

  function onRemoteCandidate(m) {
    if (!m || m.from !== call.peer || !m.candidate) return;
    if (pc && pc.remoteDescription) addRemote(m.candidate);
    else remoteCandidates.push(m.candidate);
  }

  async function startCall(to, callType = 'voice', { relayOnly = ui.relayOnly.checked } = {}) {
    to = String(to || '').trim();
    if (connection !== 'connected') { log('connect first', 'error'); return { ok: false }; }
    if (!to) { log('type the user id to call', 'error'); return { ok: false }; }
    if (call.state === 'calling' || call.state === 'ringing' || call.state === 'connected') {
      log('already in a call', 'error'); return { ok: false };
    }
    const my = resetCall({ state: 'calling', peer: to, callType, role: 'caller', relayOnly });
    try {
      const fresh = await request('getIceServers');
      if (fresh && fresh.ok && fresh.iceServers) iceServers = fresh.iceServers;
      localStream = await getMedia(callType);
      if (my !== gen) return { ok: false };
      ui.localVideo.srcObject = localStream;
      pc = newPeer(iceServers, relayOnly);
      localStream.getTracks().forEach((t) => pc.addTrack(t, localStream));
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      if (my !== gen) return { ok: false };
      startStats();
      const resp = await request('callUser', { to, signalData: { type: offer.type, sdp: offer.sdp }, callType });
      if (my !== gen) return resp;
      if (failedAck('callUser', resp)) { endLocal(`call failed: ${(resp && resp.error && resp.error.code) || '?'}`); return resp; }
      setCall({ callId: resp.callId });
      log(`calling ${to} (${callType}${relayOnly ? ', relay only' : ''}), call ${resp.callId}`);
      flushOutgoing();
      return resp;
    } catch (e) {
      log(`call: ${e.message}`, 'error');
      if (my === gen) endLocal(`error: ${e.message}`);
      return { ok: false, error: { code: 'CLIENT', message: e.message } };
    }
  }

  function onIncoming(m) {
    if (!m || !m.from) return;
    if (call.state === 'calling' || call.state === 'ringing' || call.state === 'connected') {
      log(`ignoring incoming call from ${m.from}: already in a call`);
      return;
    }
    resetCall({ state: 'ringing', peer: m.from, callType: m.callType, role: 'callee', callId: m.callId, incoming: m });
    log(`incoming ${m.callType} call from ${m.from}`);
    ui.accept.focus();
  }

  async function answer({ relayOnly = ui.relayOnly.checked } = {}) {
    if (call.state !== 'ringing' || call.role !== 'callee') { log('no incoming call to answer', 'error'); return { ok: false }; }
    const my = gen;
    const m = call.incoming;
    setCall({ relayOnly });
    try {
      localStream = await getMedia(m.callType);
      if (my !== gen) return { ok: false };
      ui.localVideo.srcObject = localStream;
      pc = newPeer(m.iceServers || iceServers, relayOnly);
      await pc.setRemoteDescription(m.signalData);
      localStream.getTracks().forEach((t) => pc.addTrack(t, localStream));
      const ans = await pc.createAnswer();
      await pc.setLocalDescription(ans);
      await flushRemote();
      if (my !== gen) return { ok: false };
      startStats();
      const resp = await request('answerCall', { to: m.from, signalData: { type: ans.type, sdp: ans.sdp } });
      if (my !== gen) return resp;
      if (failedAck('answerCall', resp)) { endLocal(`answer failed: ${(resp && resp.error && resp.error.code) || '?'}`); return resp; }
      setCall({ state: 'connected' });
      flushOutgoing();
      return resp;
    } catch (e) {
      log(`answer: ${e.message}`, 'error');
      if (my === gen) {
        request('rejectCall', { to: m.from });
        endLocal(`error: ${e.message}`);
      }
      return { ok: false, error: { code: 'CLIENT', message: e.message } };
    }
  }

  async function onAccepted(sd) {
    if (call.role !== 'caller' || call.state !== 'calling' || !pc) return;
    const my = gen;
    try {
      await pc.setRemoteDescription(sd);
      if (my !== gen) return;
      await flushRemote();
      setCall({ state: 'connected' });
      log(`${call.peer} accepted`);
    } catch (e) {
      log(`callAccepted: ${e.message}`, 'error');
      hangup();
    }
  }

  async function reject() {
    if (call.state !== 'ringing' || call.role !== 'callee') return { ok: false };
    const to = call.peer;
    endLocal('you rejected');
    const resp = await request('rejectCall', { to });
    failedAck('rejectCall', resp);
    return resp;
  }

  async function hangup() {
    if (!(call.state === 'calling' || call.state === 'ringing' || call.state === 'connected')) return { ok: false };
    const to = call.peer;
    endLocal('you hung up', 'hangup');
    const resp = await request('endCall', { to });
    failedAck('endCall', resp);
    return resp;
  }

  function resetCall(patch) {
    gen += 1;
    teardownMedia();
    call = Object.assign(idleCall(), patch);
    remoteCandidates = [];
    outgoing = [];
    canSendCandidates = false;
    render();
    return gen;
  }

  function endLocal(reason, code) {
    gen += 1;
    teardownMedia();
    setCall({ state: 'ended', reason, endCode: code || null, incoming: null });
  }

  function teardownMedia() {
    stopStats();
    if (pc) { pc.close(); pc = null; }
    if (localStream) { localStream.getTracks().forEach((t) => t.stop()); localStream = null; }
    ui.localVideo.srcObject = null;
    ui.remoteVideo.srcObject = null;
  }

  // ------------------------------------------------------------------ stats

  async function rawStats() {
    if (!pc) return [];
    const out = [];
    (await pc.getStats()).forEach((r) => out.push(JSON.parse(JSON.stringify(r))));
    return out;
  }

  /** summary of a getStats() report list: selected pair, rtp counters */
  function summarize(reports) {
    const byId = new Map(reports.map((r) => [r.id, r]));
    const transport = reports.find((r) => r.type === 'transport' && r.selectedCandidatePairId);
    let pair = transport ? byId.get(transport.selectedCandidatePairId) : null;
    if (!pair) pair = reports.find((r) => r.type === 'candidate-pair' && r.state === 'succeeded' && (r.nominated || r.selected));
    const cand = (id) => {
      const c = byId.get(id) || {};
      return { candidateType: c.candidateType, protocol: c.protocol, address: c.address || c.ip, port: c.port, relayProtocol: c.relayProtocol, url: c.url };
    };
    const sum = (type, kind, field) => reports.filter((r) => r.type === type && (!kind || r.kind === kind))
      .reduce((a, r) => a + (r[field] || 0), 0);
    return {
      pair: pair ? { id: pair.id, state: pair.state, nominated: !!pair.nominated, local: cand(pair.localCandidateId), remote: cand(pair.remoteCandidateId) } : null,
      bytesReceived: sum('inbound-rtp', null, 'bytesReceived'),
      bytesSent: sum('outbound-rtp', null, 'bytesSent'),
      audio: { bytesReceived: sum('inbound-rtp', 'audio', 'bytesReceived'), packetsReceived: sum('inbound-rtp', 'audio', 'packetsReceived') },
      video: { bytesReceived: sum('inbound-rtp', 'video', 'bytesReceived'), framesDecoded: sum('inbound-rtp', 'video', 'framesDecoded') },
    };
  }

  async function stats() {
    const s = summarize(await rawStats());
    return Object.assign(s, {
      kbpsIn: current.kbpsIn, kbpsOut: current.kbpsOut,
      iceConnectionState: pc ? pc.iceConnectionState : null,
      connectionState: pc ? pc.connectionState : null,
    });
  }

  function startStats() {
    stopStats();
    lastBytes = null;
    current = emptyStats();
    statsTimer = setInterval(async () => {
      if (!pc) return;
      try {
        const s = summarize(await rawStats());
        const t = performance.now();
        if (lastBytes) {
          const dt = (t - lastBytes.t) / 1000;
          current.kbpsIn = Math.max(0, (s.bytesReceived - lastBytes.in) * 8 / 1000 / dt);
          current.kbpsOut = Math.max(0, (s.bytesSent - lastBytes.out) * 8 / 1000 / dt);
        }
        lastBytes = { t, in: s.bytesReceived, out: s.bytesSent };
        current.pair = s.pair;
        render();
      } catch (e) { /* pc closed meanwhile */ }
    }, 1000);
  }

  function stopStats() {
    if (statsTimer) clearInterval(statsTimer);
    statsTimer = null;
    current = emptyStats();
  }

  // ------------------------------------------------------------------ wiring

  ui.connectForm.addEventListener('submit', (e) => { e.preventDefault(); connect(ui.user.value); });
  ui.disconnect.addEventListener('click', disconnect);
  ui.callForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const type = ui.callForm.querySelector('input[name=callType]:checked').value;
    startCall(ui.callee.value, type, { relayOnly: ui.relayOnly.checked });
  });
  ui.hangup.addEventListener('click', hangup);
  ui.accept.addEventListener('click', () => answer({ relayOnly: ui.relayOnly.checked }));
  ui.reject.addEventListener('click', reject);

  const api = {
    get state() {
      return {
        connection, userId,
        call: { state: call.state, reason: call.reason, endCode: call.endCode || null, peer: call.peer, callType: call.callType, role: call.role, callId: call.callId },
        ice: pc ? pc.iceConnectionState : null,
        pc: pc ? pc.connectionState : null,
      };
    },
    connect, disconnect,
    call: (to, type, opts) => startCall(to, type, opts),
    answer, reject, hangup, stats, rawStats,
    events, errors, lastEvent: null,
  };
  window.dialtone = api;

  if (params.get('relay') === '1') ui.relayOnly.checked = true;
  if (params.get('to')) ui.callee.value = params.get('to');
  if (params.get('user')) { ui.user.value = params.get('user'); connect(params.get('user')); }
  render();
}());
