/**
 * The Lua scripts of the Redis subscription support. Every one reads the
 * server's clock (`TIME`), so every member of a group agrees on expiry, and
 * checks before it writes, so each call is atomic.
 *
 * A checkpoint is stored as `position|updatedAtMs` in a hash field named by the
 * share; a lease as `epoch|expiresAtMs|released|member` (the member last, since
 * it may hold `|`). The names of subscriptions with checkpoints are kept in a
 * sorted set, every score 0, so it lists them in byte (code point) order
 * without a `SCAN` of the keyspace.
 */

const NOW = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local function int(value) return string.format('%.0f', value) end
`;

const LEASE = `
local function readLease(value)
  local epoch, expires, released, member = string.match(value, '^(%d+)|(%d+)|([01])|(.*)$')
  return tonumber(epoch), tonumber(expires), released == '1', member
end
`;

/**
 * KEYS: checkpoints hash, leases hash, checkpoint names sorted set. ARGV: share,
 * position, expected ('' for none), epoch ('' for none), subscription name. Returns 1 or 0.
 */
export const WRITE_CHECKPOINT_SCRIPT = `${NOW}${LEASE}
local share, position, expected, epoch = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if epoch ~= '' then
  local lease = redis.call('HGET', KEYS[2], share)
  if not lease then return 0 end
  local held = readLease(lease)
  if int(held) ~= epoch then return 0 end
end
local stored = redis.call('HGET', KEYS[1], share)
local current = stored and string.match(stored, '^(%d+)|') or nil
if current == position then return 1 end
if (current or '') ~= expected then return 0 end
-- Non-negative integers as decimal strings: the shorter is the smaller, else compare the text.
if current and (#position < #current or (#position == #current and position < current)) then return 0 end
redis.call('HSET', KEYS[1], share, position .. '|' .. int(now))
if not stored then redis.call('ZADD', KEYS[3], 0, ARGV[5]) end
return 1
`;

/**
 * KEYS: checkpoints hash, checkpoint names sorted set. ARGV: share, position
 * ('' to remove the checkpoint), subscription name. Overwrites unconditionally.
 */
export const RESET_CHECKPOINT_SCRIPT = `${NOW}
local share, position = ARGV[1], ARGV[2]
if position == '' then
  redis.call('HDEL', KEYS[1], share)
  if redis.call('HLEN', KEYS[1]) == 0 then redis.call('ZREM', KEYS[2], ARGV[3]) end
else
  redis.call('HSET', KEYS[1], share, position .. '|' .. int(now))
  redis.call('ZADD', KEYS[2], 0, ARGV[3])
end
return 1
`;

/** KEYS: parked hash, parked sorted set. ARGV: event id, sequence number, entry JSON. */
export const PARK_SCRIPT = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 1
`;

/** KEYS: parked hash, parked sorted set. ARGV: lowest score ('-inf' or '(after'), limit ('' for all). Returns entry JSONs. */
export const LIST_PARKED_SCRIPT = `
local ids
if ARGV[2] == '' then
  ids = redis.call('ZRANGEBYSCORE', KEYS[2], ARGV[1], '+inf')
else
  ids = redis.call('ZRANGEBYSCORE', KEYS[2], ARGV[1], '+inf', 'LIMIT', 0, tonumber(ARGV[2]))
end
if #ids == 0 then return {} end
return redis.call('HMGET', KEYS[1], unpack(ids))
`;

/** KEYS: parked hash, parked sorted set. ARGV: event ids. Returns how many were removed. */
export const REMOVE_PARKED_SCRIPT = `
local removed = 0
for i = 1, #ARGV do
  if redis.call('HDEL', KEYS[1], ARGV[i]) == 1 then
    redis.call('ZREM', KEYS[2], ARGV[i])
    removed = removed + 1
  end
end
return removed
`;

/** KEYS: members sorted set (score: expiry). ARGV: member, ttl ms. Returns the live members. */
export const HEARTBEAT_SCRIPT = `${NOW}
redis.call('ZADD', KEYS[1], int(now + tonumber(ARGV[2])), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', int(now))
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. int(now), '+inf')
`;

/** KEYS: members sorted set, leases hash. ARGV: member. Removes the heartbeat and releases the member's leases. */
export const LEAVE_GROUP_SCRIPT = `${LEASE}
redis.call('ZREM', KEYS[1], ARGV[1])
local leases = redis.call('HGETALL', KEYS[2])
for i = 1, #leases, 2 do
  local epoch, expires, released, member = readLease(leases[i + 1])
  if member == ARGV[1] and not released then
    redis.call('HSET', KEYS[2], leases[i], string.format('%.0f|%.0f|1|', epoch, expires) .. member)
  end
end
return 1
`;

/** KEYS: leases hash. ARGV: share, member, lease ms. Returns { epoch, expiresAtMs } or nil when another member holds it. */
export const ACQUIRE_LEASE_SCRIPT = `${NOW}${LEASE}
local share, member, leaseMs = ARGV[1], ARGV[2], tonumber(ARGV[3])
local stored = redis.call('HGET', KEYS[1], share)
local epoch, holder, held = 0, nil, false
if stored then
  local expires, released
  epoch, expires, released, holder = readLease(stored)
  held = (not released) and expires > now
end
if held and holder ~= member then return nil end
if not (held and holder == member) then epoch = epoch + 1 end
local expiresAt = now + leaseMs
redis.call('HSET', KEYS[1], share, int(epoch) .. '|' .. int(expiresAt) .. '|0|' .. member)
return { int(epoch), int(expiresAt) }
`;

/** KEYS: leases hash. ARGV: share, member, epoch, lease ms. Returns the new expiry, or nil when the share changed hands. */
export const RENEW_LEASE_SCRIPT = `${NOW}${LEASE}
local stored = redis.call('HGET', KEYS[1], ARGV[1])
if not stored then return nil end
local epoch, _, released, holder = readLease(stored)
if released or holder ~= ARGV[2] or int(epoch) ~= ARGV[3] then return nil end
local expiresAt = now + tonumber(ARGV[4])
redis.call('HSET', KEYS[1], ARGV[1], int(epoch) .. '|' .. int(expiresAt) .. '|0|' .. holder)
return int(expiresAt)
`;

/** KEYS: leases hash. ARGV: share, member, epoch. Returns 1 when released. */
export const RELEASE_LEASE_SCRIPT = `${LEASE}
local stored = redis.call('HGET', KEYS[1], ARGV[1])
if not stored then return 0 end
local epoch, expires, released, holder = readLease(stored)
if released or holder ~= ARGV[2] or string.format('%.0f', epoch) ~= ARGV[3] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], string.format('%.0f|%.0f|1|', epoch, expires) .. holder)
return 1
`;
