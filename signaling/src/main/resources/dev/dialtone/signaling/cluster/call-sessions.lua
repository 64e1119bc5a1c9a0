-- Presence and call sessions of every node, in Redis. Each invocation is one transition of
-- docs/signaling-protocol.md, atomic because Redis runs a script alone: no locks to leak when a
-- node dies. The rules are those of call/Switchboard.java (the one-node implementation).
--
-- KEYS[1]: key prefix. ARGV[1]: the operation, then its arguments.
-- Reply: {status, value, {ended reasons...}, {node, socket, event, from, reason, ...}, extra,
-- {ended call id, caller, callee, reason, placedAt, connectedAt, type, waking, endedBy, ...}}: the caller
-- (RedisCallSessions) builds each event's payload and routes it to the socket's node, and logs
-- the calls that ended and reports them to the app's backend (dialtone.push).
--
-- Keys, under the prefix:
--   u:<user>:sockets       hash socket -> node      presence (gone when the user has no socket)
--   u:<user>:socket-info   hash socket -> JSON      what the admin API shows of each socket
--   u:<user>:call          call id                  the one call a user is in
--   call:<id>              hash                     caller, callerSocket, callerNode, callee,
--                                                   state (ringing|connected), calleeSocket,
--                                                   calleeNode, placedAt, connectedAt (epoch ms), type;
--                                                   a waking call (dialtone.push) also waking = 1,
--                                                   offer (the caller's, JSON), expiresAt (epoch ms)
--   call:<id>:ringing      hash socket -> node      callee sockets still ringing
--   calls                  set of call ids          live calls, for metrics
--   ringing-calls          set of call ids          live calls not answered yet, for metrics
--   node:<node>:alive      "1" with a TTL           refreshed by the node's heartbeat
--   node:<node>:sockets    hash socket -> user      what to clean up when the node is gone
--   nodes                  set of node ids          nodes that may have sockets

local P = KEYS[1]
local op = ARGV[1]

local function sockets_key(user) return P .. 'u:' .. user .. ':sockets' end
local function info_key(user) return P .. 'u:' .. user .. ':socket-info' end
local function call_of_key(user) return P .. 'u:' .. user .. ':call' end
local function call_key(id) return P .. 'call:' .. id end
local function ringing_key(id) return P .. 'call:' .. id .. ':ringing' end
local function alive_key(node) return P .. 'node:' .. node .. ':alive' end
local function node_sockets_key(node) return P .. 'node:' .. node .. ':sockets' end

local out = {}
local ended = {}
local ended_calls = {}

local function send(node, socket, event, from, reason)
  local n = #out
  out[n + 1] = node
  out[n + 2] = socket
  out[n + 3] = event
  out[n + 4] = from
  out[n + 5] = reason or ''
end

local function reply(status, value, extra)
  return {status, value or '', ended, out, extra or '', ended_calls}
end

local function load(id)
  local flat = redis.call('hgetall', call_key(id))
  if #flat == 0 then return nil end
  local c = {id = id}
  for i = 1, #flat, 2 do c[flat[i]] = flat[i + 1] end
  return c
end

local function call_of(user)
  local id = redis.call('get', call_of_key(user))
  if not id then return nil end
  return load(id)
end

local function is_ringing(c, socket)
  return c.state == 'ringing' and redis.call('hexists', ringing_key(c.id), socket) == 1
end

-- A callee socket still part of the call: ringing, or the one that answered.
local function is_callee_socket(c, socket)
  if c.state == 'ringing' then return is_ringing(c, socket) end
  return c.calleeSocket == socket
end

local function send_ringing(c, event, from, reason)
  local r = redis.call('hgetall', ringing_key(c.id))
  for i = 1, #r, 2 do send(r[i + 1], r[i], event, from, reason) end
end

local function send_callee(c, event, from, reason)
  if c.state == 'ringing' then
    send_ringing(c, event, from, reason)
  else
    send(c.calleeNode, c.calleeSocket, event, from, reason)
  end
end

local function send_caller(c, event, from, reason)
  send(c.callerNode, c.callerSocket, event, from, reason)
end

-- ended_by: the user whose act or disconnect ended the call; nil when the server ended it.
local function end_call(c, reason, ended_by)
  redis.call('del', call_key(c.id), ringing_key(c.id), call_of_key(c.caller), call_of_key(c.callee))
  redis.call('srem', P .. 'calls', c.id)
  redis.call('srem', P .. 'ringing-calls', c.id)
  ended[#ended + 1] = reason
  local n = #ended_calls
  ended_calls[n + 1] = c.id
  ended_calls[n + 2] = c.caller
  ended_calls[n + 3] = c.callee
  ended_calls[n + 4] = reason
  ended_calls[n + 5] = c.placedAt or ''
  ended_calls[n + 6] = c.connectedAt or ''
  ended_calls[n + 7] = c.type
  ended_calls[n + 8] = c.waking or ''
  ended_calls[n + 9] = ended_by or ''
end

-- The live call between user and peer in which socket takes part, or nil.
local function call_with(user, peer, socket)
  local c = call_of(user)
  if not c then return nil end
  local other = c.caller == user and c.callee or c.caller
  if other ~= peer then return nil end
  if c.callerSocket ~= socket and not is_callee_socket(c, socket) then return nil end
  return c
end

-- The ringing call from caller that this callee socket may still answer, or nil.
local function ringing_call_from(callee, socket, caller)
  local c = call_of(callee)
  if not c or c.state ~= 'ringing' or c.callee ~= callee or c.caller ~= caller
      or not is_ringing(c, socket) then
    return nil
  end
  return c
end

local function decline(c, socket)
  redis.call('hdel', ringing_key(c.id), socket)
  send_caller(c, 'callRejected', c.callee, 'declined')
  send_ringing(c, 'callEnded', c.caller, 'answered-elsewhere')
  end_call(c, 'declined', c.callee)
end

-- A socket is gone (its presence already removed): end its call if it was the last one there.
-- tell_self: the socket is still open (its node is leaving) and hears of the end too.
local function drop_from_call(node, user, socket, tell_self)
  local c = call_of(user)
  if not c then return end
  local ends = false
  if c.callerSocket == socket then
    send_callee(c, 'callEnded', c.caller, 'disconnected')
    ends = true
  elseif c.state == 'ringing' then
    -- a waking call goes on waiting: the phone that dropped may come back, another may wake
    if redis.call('hdel', ringing_key(c.id), socket) == 1
        and redis.call('hlen', ringing_key(c.id)) == 0 and c.waking ~= '1' then
      send_caller(c, 'callEnded', c.callee, 'disconnected')
      ends = true
    end
  elseif c.calleeSocket == socket then
    send_caller(c, 'callEnded', c.callee, 'disconnected')
    ends = true
  end
  if ends then
    if tell_self then send(node, socket, 'callEnded', c.caller == user and c.callee or c.caller, 'disconnected') end
    end_call(c, 'disconnected', user)
  end
end

local function disconnect(node, socket, user, tell_self)
  redis.call('hdel', node_sockets_key(node), socket)
  redis.call('hdel', info_key(user), socket)
  if redis.call('hdel', sockets_key(user), socket) == 1 then
    drop_from_call(node, user, socket, tell_self)
  end
end

-- A call as the admin API lists it: id, caller, callee, type, state, placedAt, callerNode.
local function describe(c, into)
  for _, v in ipairs({c.id, c.caller, c.callee, c.type, c.state, c.placedAt, c.callerNode}) do
    into[#into + 1] = v
  end
  return into
end

-- Every socket of node is gone: the node is leaving (tell_self) or its heartbeat ran out.
local function clear_node(node, tell_self)
  local sockets = redis.call('hgetall', node_sockets_key(node))
  for i = 1, #sockets, 2 do disconnect(node, sockets[i], sockets[i + 1], tell_self) end
  redis.call('del', node_sockets_key(node), alive_key(node))
  redis.call('srem', P .. 'nodes', node)
  return #sockets / 2
end

if op == 'connect' then
  local user, socket, node, max = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
  if redis.call('hlen', sockets_key(user)) >= max then return reply('FULL') end
  redis.call('hset', sockets_key(user), socket, node)
  redis.call('hset', node_sockets_key(node), socket, user)
  if ARGV[6] and ARGV[6] ~= '' then redis.call('hset', info_key(user), socket, ARGV[6]) end
  return reply('ok')

elseif op == 'disconnect' then
  disconnect(ARGV[2], ARGV[3], ARGV[4], false)
  return reply('ok')

elseif op == 'place' then
  -- expiresAt: '' without push (a callee with no socket is offline); with push, when a waking
  -- call gives up waiting for the callee's devices, which will ring with offer.
  local caller, socket, node, callee, id, callType, now, expiresAt, offer =
    ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10]
  if redis.call('exists', call_of_key(caller)) == 1 then return reply('BUSY') end
  local ringing = redis.call('hgetall', sockets_key(callee))
  local waking = #ringing == 0
  if waking and expiresAt == '' then return reply('USER_OFFLINE') end
  if redis.call('exists', call_of_key(callee)) == 1 then
    ended[1] = 'busy'
    return reply('CALLEE_BUSY')
  end
  redis.call('hset', call_key(id), 'caller', caller, 'callerSocket', socket, 'callerNode', node,
    'callee', callee, 'state', 'ringing', 'type', callType, 'placedAt', now)
  if waking then
    redis.call('hset', call_key(id), 'waking', '1', 'offer', offer, 'expiresAt', expiresAt)
  else
    redis.call('hset', ringing_key(id), unpack(ringing))
  end
  redis.call('set', call_of_key(caller), id)
  redis.call('set', call_of_key(callee), id)
  redis.call('sadd', P .. 'calls', id)
  redis.call('sadd', P .. 'ringing-calls', id)
  for i = 1, #ringing, 2 do send(ringing[i + 1], ringing[i], 'incomingCall', caller) end
  return reply('ok', id, waking and 'waking' or '')

elseif op == 'ring-if-waking' then
  -- A socket of user just connected (and has its iceServers): it rings if a waking call waits
  -- for user, once. Extra: {caller, offer, type} for its incomingCall.
  local user, socket, node = ARGV[2], ARGV[3], ARGV[4]
  local c = call_of(user)
  if not c or c.waking ~= '1' or c.state ~= 'ringing' or c.callee ~= user
      or redis.call('hget', sockets_key(user), socket) ~= node
      or redis.call('hsetnx', ringing_key(c.id), socket, node) == 0 then
    return reply('NONE')
  end
  send(node, socket, 'incomingCall', c.caller)
  return reply('ok', c.id, {c.caller, c.offer, c.type})

elseif op == 'callee-unreachable' then
  -- The app's backend knows no device to wake (404/410 to call.incoming): unless a device rang
  -- meanwhile, the waking call ends and its caller gets the error of a call to an offline user.
  local c = load(ARGV[2])
  if c and c.waking == '1' and c.state == 'ringing' and redis.call('hlen', ringing_key(c.id)) == 0 then
    send_caller(c, 'error', c.callee, 'offline')
    end_call(c, 'offline')
  end
  return reply('ok')

elseif op == 'answer' then
  local callee, socket, caller, now = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
  local c = ringing_call_from(callee, socket, caller)
  if not c then return reply('NOT_IN_CALL') end
  local node = redis.call('hget', ringing_key(c.id), socket)
  redis.call('hdel', ringing_key(c.id), socket)
  send_ringing(c, 'callEnded', caller, 'answered-elsewhere')
  redis.call('del', ringing_key(c.id))
  redis.call('hset', call_key(c.id), 'state', 'connected', 'calleeSocket', socket, 'calleeNode', node,
    'connectedAt', now)
  redis.call('hdel', call_key(c.id), 'offer') -- a waking call's offer: no device is left to ring
  redis.call('srem', P .. 'ringing-calls', c.id)
  send_caller(c, 'callAccepted', callee)
  return reply('ok', c.id, {c.placedAt, c.waking or ''})

elseif op == 'reject' then
  local callee, socket, caller = ARGV[2], ARGV[3], ARGV[4]
  local c = ringing_call_from(callee, socket, caller)
  if not c then return reply('NOT_IN_CALL') end
  decline(c, socket)
  return reply('ok')

elseif op == 'end' then
  local user, socket, peer = ARGV[2], ARGV[3], ARGV[4]
  local c = call_with(user, peer, socket)
  if not c then return reply('NOT_IN_CALL') end
  if c.callerSocket == socket then
    send_callee(c, 'callEnded', user, 'hangup')
    end_call(c, 'hangup', user)
  elseif c.state == 'ringing' then
    decline(c, socket)
  else
    send_caller(c, 'callEnded', user, 'hangup')
    end_call(c, 'hangup', user)
  end
  return reply('ok')

elseif op == 'candidate' then
  local user, socket, peer = ARGV[2], ARGV[3], ARGV[4]
  local c = call_with(user, peer, socket)
  if not c then return reply('NOT_IN_CALL') end
  if c.callerSocket == socket then
    send_callee(c, 'iceCandidate', user)
  else
    send_caller(c, 'iceCandidate', user)
  end
  return reply('ok')

elseif op == 'ring-timeout' then
  local c = load(ARGV[2])
  if c and c.state == 'ringing' then
    send_caller(c, 'callEnded', c.callee, 'no-answer')
    send_ringing(c, 'callEnded', c.caller, 'no-answer')
    end_call(c, 'no-answer')
  end
  return reply('ok')

elseif op == 'end-by-operator' then
  local c = load(ARGV[2])
  if not c then return reply('NOT_FOUND') end
  send_caller(c, 'callEnded', c.callee, 'ended-by-operator')
  send_callee(c, 'callEnded', c.caller, 'ended-by-operator')
  end_call(c, 'ended-by-operator')
  return reply('ok')

elseif op == 'calls' then
  -- At most ARGV[2] live calls (any of them), flattened as describe() lists them; value: how many in all.
  local listed = {}
  for _, id in ipairs(redis.call('srandmember', P .. 'calls', tonumber(ARGV[2]))) do
    local c = load(id)
    if c then describe(c, listed) end
  end
  return reply('ok', tostring(redis.call('scard', P .. 'calls')), listed)

elseif op == 'user' then
  -- {sockets: socket, node, ...}, {socket, info JSON, ...}, the call as describe() lists it or {}
  local user = ARGV[2]
  local c = call_of(user)
  return reply('ok', '', {redis.call('hgetall', sockets_key(user)), redis.call('hgetall', info_key(user)),
    c and describe(c, {}) or {}})

elseif op == 'online' then
  local online = {}
  for i = 2, #ARGV do online[i - 1] = tostring(redis.call('exists', sockets_key(ARGV[i]))) end
  return reply('ok', '', online)

elseif op == 'heartbeat' then
  -- Refreshes the node's TTL; 'lapsed' when it had run out (peers may have cleared its sockets).
  local node, ttl = ARGV[2], ARGV[3]
  local refreshed = redis.call('set', alive_key(node), '1', 'PX', ttl, 'XX')
  if not refreshed then redis.call('set', alive_key(node), '1', 'PX', ttl) end
  redis.call('sadd', P .. 'nodes', node)
  return reply(refreshed and 'ok' or 'lapsed')

elseif op == 'sweep' then
  -- Clears every node whose heartbeat ran out; the value is how many sockets were cleared.
  local cleared = 0
  for _, node in ipairs(redis.call('smembers', P .. 'nodes')) do
    if redis.call('exists', alive_key(node)) == 0 then cleared = cleared + clear_node(node, false) end
  end
  return reply('ok', tostring(cleared))

elseif op == 'leave' then
  return reply('ok', tostring(clear_node(ARGV[2], true)))

elseif op == 'stats' then
  return reply('ok', tostring(redis.call('scard', P .. 'calls')),
    tostring(redis.call('scard', P .. 'ringing-calls')))
end

return redis.error_reply('unknown operation ' .. tostring(op))
