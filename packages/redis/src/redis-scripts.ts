/**
 * The Lua scripts that keep a store. Redis runs one script at a time, so each
 * is atomic and commit order is sequence order. Every key a script touches is
 * passed in KEYS and shares the store's hash tag, so the scripts run unchanged
 * on Redis Cluster.
 *
 * A stored event is one string, a JSON array:
 * `[sequenceNumber,position,occurredAtMs,observedAtMs,"name","id","category","stream",payload,metadata]`.
 * The client sends the part after the two dates ready-made (its "content"), so
 * the scripts never parse JSON: they put the numbers in front, compare content
 * text for idempotency, and match a name filter against the token that follows
 * the fourth comma.
 */

/** The version of the key layout and record format; `migrate()` records it. */
export const FORMAT_VERSION = "1";

/**
 * Appends. KEYS: sequence, log, events, ids, then each write's stream and
 * category. ARGV: the write count, then per write its condition (JSON, or ""
 * for none) and event count, then per event its id, `occurredAt,observedAt` and
 * content.
 *
 * Replies `{"ok", firstSequenceNumber, ...}` with, per write, its first
 * position or the records it replays; `{"unmet", writeIndex, streamLength}`;
 * or `{"duplicate", eventId, reason, record}`. Every check (idempotency,
 * conditions, and a read of each key so a key of the wrong type fails here)
 * runs before the first write, so a failing script leaves nothing behind.
 */
export const APPEND_SCRIPT = `
local sequenceKey, logKey, eventsKey, idsKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local CHUNK = 1000

local function chunked(command, key, items)
  local first = 1
  while first <= #items do
    local last = math.min(first + CHUNK - 1, #items)
    redis.call(command, key, unpack(items, first, last))
    first = last + 1
  end
end

local function hmget(key, fields)
  local values = {}
  local first = 1
  while first <= #fields do
    local last = math.min(first + CHUNK - 1, #fields)
    local got = redis.call('HMGET', key, unpack(fields, first, last))
    for index = 1, #got do values[first + index - 1] = got[index] end
    first = last + 1
  end
  return values
end

local function holds(condition, latest)
  local kind = condition.type
  if kind == 'noCondition' then return true end
  if kind == 'streamIsEmpty' then return latest == nil end
  if kind == 'streamExists' then return latest ~= nil end
  if kind == 'positionIs' then return latest == condition.position end
  if kind == 'allOf' then
    for _, nested in ipairs(condition.conditions) do
      if not holds(nested, latest) then return false end
    end
    return true
  end
  if kind == 'anyOf' then
    for _, nested in ipairs(condition.conditions) do
      if holds(nested, latest) then return true end
    end
    return false
  end
  error('unknown write condition type ' .. tostring(kind))
end

local writes = {}
local cursor = 2
for w = 1, tonumber(ARGV[1]) do
  local write = { stream = KEYS[3 + 2 * w], category = KEYS[4 + 2 * w], condition = ARGV[cursor], ids = {}, dates = {}, contents = {} }
  local count = tonumber(ARGV[cursor + 1])
  cursor = cursor + 2
  for e = 1, count do
    write.ids[e] = ARGV[cursor]
    write.dates[e] = ARGV[cursor + 1]
    write.contents[e] = ARGV[cursor + 2]
    cursor = cursor + 3
  end
  writes[w] = write
end

-- Idempotency first: a write whose ids are all stored, as they are now sent, replays.
for _, write in ipairs(writes) do
  if #write.ids > 0 then
    local sequences = hmget(idsKey, write.ids)
    local taken, missing
    for e = 1, #write.ids do
      if sequences[e] then taken = taken or e else missing = missing or e end
    end
    if taken and missing then
      return { 'duplicate', write.ids[taken], 'partial', write.ids[missing] }
    end
    if taken then
      local records = hmget(eventsKey, sequences)
      local previous
      for e = 1, #records do
        local record = records[e]
        if not redis.call('ZSCORE', write.stream, sequences[e]) then
          return { 'duplicate', write.ids[e], 'stream', record }
        end
        local position, content = string.match(record, '^%[[^,]*,([^,]*),[^,]*,[^,]*,(.*)$')
        position = tonumber(position)
        if previous and position ~= previous + 1 then
          return { 'duplicate', write.ids[e], 'order', record }
        end
        if content ~= write.contents[e] then
          return { 'duplicate', write.ids[e], 'content', record }
        end
        previous = position
      end
      write.replay = records
    end
  end
end

local total = 0
for w, write in ipairs(writes) do
  if not write.replay then
    write.length = redis.call('ZCARD', write.stream)
    if write.condition ~= '' then
      local latest
      if write.length > 0 then latest = write.length - 1 end
      if not holds(cjson.decode(write.condition), latest) then
        return { 'unmet', w, write.length }
      end
    end
    total = total + #write.ids
  end
end

local reply = { 'ok', 0 }
if total > 0 then
  -- Type checks of the keys written below, so WRONGTYPE cannot stop the script half way.
  redis.call('ZCARD', logKey)
  redis.call('HLEN', eventsKey)
  for _, write in ipairs(writes) do
    if not write.replay and #write.ids > 0 then redis.call('ZCARD', write.category) end
  end
  local sequence = redis.call('INCRBY', sequenceKey, total) - total + 1
  reply[2] = sequence
  local logItems, eventItems, idItems = {}, {}, {}
  for w, write in ipairs(writes) do
    if write.replay then
      reply[w + 2] = write.replay
    else
      reply[w + 2] = write.length
      local indexItems = {}
      for e = 1, #write.ids do
        local number = string.format('%d', sequence)
        local record = '[' .. number .. ',' .. string.format('%d', write.length + e - 1) .. ',' .. write.dates[e] .. ',' .. write.contents[e]
        indexItems[#indexItems + 1] = number
        indexItems[#indexItems + 1] = number
        logItems[#logItems + 1] = number
        logItems[#logItems + 1] = number
        eventItems[#eventItems + 1] = number
        eventItems[#eventItems + 1] = record
        idItems[#idItems + 1] = write.ids[e]
        idItems[#idItems + 1] = number
        sequence = sequence + 1
      end
      if #indexItems > 0 then
        chunked('ZADD', write.stream, indexItems)
        chunked('ZADD', write.category, indexItems)
      end
    end
  end
  chunked('HSET', eventsKey, eventItems)
  chunked('HSET', idsKey, idItems)
  chunked('ZADD', logKey, logItems)
else
  for w, write in ipairs(writes) do
    if write.replay then reply[w + 2] = write.replay else reply[w + 2] = write.length end
  end
end
return reply
`;

/**
 * One page of a read. KEYS: the sorted set of the target, events. ARGV:
 * direction ("forwards" or "backwards"), after and before (exclusive sequence
 * numbers, or ""), fromPosition and toPosition (ranks in a stream's set, or
 * ""), the most events to return, the most candidates and reply bytes to go
 * through, then the names to keep, each JSON-encoded and followed by a comma.
 *
 * Replies `{exhausted, cursor, records}`: whether the range has no more events,
 * the sequence number of the last candidate looked at, and the matching records
 * joined by commas (one `JSON.parse` on the client reads them all). Names are
 * matched here, so filtered-out payloads never cross the network.
 */
export const READ_SCRIPT = `
local indexKey, eventsKey = KEYS[1], KEYS[2]
local forwards = ARGV[1] == 'forwards'
local low, high
if ARGV[2] ~= '' then low = tonumber(ARGV[2]) + 1 end
if ARGV[3] ~= '' then high = tonumber(ARGV[3]) - 1 end
if ARGV[4] ~= '' then
  local at = redis.call('ZRANGE', indexKey, ARGV[4], ARGV[4], 'WITHSCORES')
  if #at == 0 then return { 1, '', '' } end
  local score = tonumber(at[2])
  if not low or score > low then low = score end
end
if ARGV[5] ~= '' then
  local at = redis.call('ZRANGE', indexKey, ARGV[5], ARGV[5], 'WITHSCORES')
  if #at > 0 then
    local score = tonumber(at[2])
    if not high or score < high then high = score end
  end
end
if low and high and low > high then return { 1, '', '' } end
local minimum, maximum = '-inf', '+inf'
if low then minimum = string.format('%d', low) end
if high then maximum = string.format('%d', high) end

local limit, budget, maxBytes = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local names = {}
for index = 9, #ARGV do names[#names + 1] = ARGV[index] end
local filtered = #names > 0

local function wanted(record)
  if not filtered then return true end
  local at = string.match(record, '^%[[^,]*,[^,]*,[^,]*,[^,]*,()')
  for _, name in ipairs(names) do
    if string.sub(record, at, at + #name - 1) == name then return true end
  end
  return false
end

local matches, bytes, scanned, cursor = {}, 0, 0, ''
while true do
  local chunk = limit - #matches
  if filtered then chunk = math.max(chunk, 200) end
  chunk = math.min(chunk, 1000, budget - scanned)
  local sequences
  if forwards then
    sequences = redis.call('ZRANGEBYSCORE', indexKey, minimum, maximum, 'LIMIT', 0, chunk)
  else
    sequences = redis.call('ZREVRANGEBYSCORE', indexKey, maximum, minimum, 'LIMIT', 0, chunk)
  end
  if #sequences == 0 then return { 1, cursor, table.concat(matches, ',') } end
  local records = redis.call('HMGET', eventsKey, unpack(sequences))
  for index = 1, #sequences do
    cursor = sequences[index]
    scanned = scanned + 1
    local record = records[index]
    if record and wanted(record) then
      matches[#matches + 1] = record
      bytes = bytes + #record
      if #matches >= limit or bytes >= maxBytes then
        return { 0, cursor, table.concat(matches, ',') }
      end
    end
  end
  if #sequences < chunk then return { 1, cursor, table.concat(matches, ',') } end
  if scanned >= budget then return { 0, cursor, table.concat(matches, ',') } end
  if forwards then minimum = '(' .. cursor else maximum = '(' .. cursor end
end
`;

/**
 * Records the key layout version unless one is there; replies the version
 * stored. KEYS: format. ARGV: the version to record.
 */
export const MIGRATE_SCRIPT = `
local stored = redis.call('GET', KEYS[1])
if stored then return stored end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]
`;

/**
 * What the node holding the store reports under \`INFO persistence\`; run as a
 * script so that on a cluster it is that node which answers. KEYS: format.
 */
export const PERSISTENCE_SCRIPT = `
return redis.call('INFO', 'persistence')
`;
