// Preloaded into the Node reference server (node -r ./loopback.js ref-server.js): a listen()
// given only a port binds 127.0.0.1 instead of every interface. The benchmark uses loopback
// addresses only; the reference server's handlers are untouched.
'use strict';
const net = require('net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' && (args.length === 1 || typeof args[1] === 'function')) {
    args.splice(1, 0, '127.0.0.1');
  }
  return listen.apply(this, args);
};
