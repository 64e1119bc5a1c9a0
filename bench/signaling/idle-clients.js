// Connects N socket.io clients that then do nothing, in batches of 100, and holds them until it is
// killed (at most 10 minutes). Prints "connected K errors E" once all have answered.
//
//   node idle-clients.js URL JWT_SECRET N
const { io } = require('socket.io-client');
const jwt = require('jsonwebtoken');

const [url, secret, count] = [process.argv[2], process.argv[3], Number(process.argv[4])];
const BATCH = 100;

function connect(userId) {
  const token = jwt.sign({ sub: userId }, secret, { expiresIn: '1h' });
  const s = io(url, {
    auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true, timeout: 20000,
    rejectUnauthorized: false, // the edge's self-signed certificate
  });
  return new Promise((resolve) => {
    s.once('iceServers', () => resolve(true)); // Dialtone's greeting: the socket is registered
    s.once('connect_error', () => resolve(false));
  });
}

(async () => {
  let connected = 0;
  for (let first = 0; first < count; first += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, count - first) }, (_, i) => connect(`idle-${first + i}`));
    connected += (await Promise.all(batch)).filter(Boolean).length;
  }
  console.log(`connected ${connected} errors ${count - connected}`);
  setTimeout(() => process.exit(0), 10 * 60 * 1000);
})();
