/**
 * The Lua scripts that keep a projection store. Redis runs one script at a
 * time, so each is atomic: a save's never-backwards check and its write, and
 * every change to the locate index with the projection it indexes.
 *
 * Layout (see `redis-projection-keys.ts`): one hash per projection with fields
 * `v` (version), `p` (position as a decimal string, "" for none), `s` (the key
 * of the locate index it is in) and `r` (the whole projection, one JSON
 * string); and per `(name, source)` a sorted set of ids, all with score 0, so
 * Redis orders them by their UTF-8 bytes, which is code point order. The
 * scripts reach the hash from the index (and the index from the hash) through
 * keys they derive or read rather than declare; they share the store's hash
 * tag, so they live in the cluster slot of the declared keys.
 */

/** The version of the projection key layout; `migrate()` records it. */
export const PROJECTION_FORMAT_VERSION = "1";

/**
 * Saves unless that moves the projection backwards. KEYS: the projection's
 * hash, its source's index. ARGV: version, position ("" for none), record, id.
 * Replies 1 when stored, 0 when ignored as older. Positions are compared as
 * decimal strings (by length, then 15 digits at a time, which doubles hold
 * exactly), so bigints beyond 2^53 compare exactly. Every key is read before
 * the first write, so a key of the wrong type fails the script with nothing written.
 */
export const SAVE_PROJECTION_SCRIPT = `
local key, sourceKey = KEYS[1], KEYS[2]
local version, position, record, id = ARGV[1], ARGV[2], ARGV[3], ARGV[4]

local function before(a, b)
  if a == b or b == '' then return false end
  if a == '' then return true end
  if #a ~= #b then return #a < #b end
  for first = 1, #a, 15 do
    local x, y = tonumber(string.sub(a, first, first + 14)), tonumber(string.sub(b, first, first + 14))
    if x ~= y then return x < y end
  end
  return false
end

local stored = redis.call('HMGET', key, 'v', 'p', 's')
redis.call('ZSCORE', sourceKey, id)
if stored[1] then
  local storedVersion, incomingVersion = tonumber(stored[1]), tonumber(version)
  if incomingVersion < storedVersion then return 0 end
  if incomingVersion == storedVersion and before(position, stored[2]) then return 0 end
  if stored[3] ~= sourceKey then redis.call('ZREM', stored[3], id) end
end
redis.call('HSET', key, 'v', version, 'p', position, 's', sourceKey, 'r', record)
redis.call('ZADD', sourceKey, 0, id)
return 1
`;

/**
 * The projection of a name over a source with the smallest id, or nil.
 * KEYS: the source's index. ARGV: what the keys of that name's projections start with.
 */
export const LOCATE_PROJECTION_SCRIPT = `
local ids = redis.call('ZRANGE', KEYS[1], 0, 0)
if #ids == 0 then return false end
return redis.call('HGET', ARGV[1] .. ids[1], 'r')
`;

/**
 * Deletes a projection and its index entry. KEYS: the projection's hash. ARGV:
 * its id. Replies 1 when there was one, 0 otherwise.
 */
export const DELETE_PROJECTION_SCRIPT = `
local sourceKey = redis.call('HGET', KEYS[1], 's')
if not sourceKey then return 0 end
redis.call('ZREM', sourceKey, ARGV[1])
redis.call('DEL', KEYS[1])
return 1
`;
