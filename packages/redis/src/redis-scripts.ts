/**
 * The Lua scripts that keep a store. Redis runs one script at a time, so each
 * is atomic and commit order is sequence order. Every key a script touches
 * shares the store's hash tag, so the scripts run unchanged on Redis Cluster.
 *
 * Layout (see `redis-keys.ts`): a counter handing out sequence numbers 1, 2, …
 * without gaps (so the log needs no index of its own); one string key per
 * event holding its record; a hash from id to sequence number; and per stream
 * and per category a list of sequence numbers, where an event's index in its
 * stream's list is its position. Lists append in O(1) and read ranges by
 * index, and plain MGET / SORT … GET read the records of a range in one round
 * trip, which is what a store does most. The scripts derive the event keys
 * from a prefix passed in ARGV rather than declaring each in KEYS; they share
 * the store's hash tag, so they live in the same cluster slot as the declared keys.
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
 * Appends: one or more saves, each atomic on its own, run in order. Saves
 * made at the same time share one script call, which costs one round trip and
 * one script start instead of one each. KEYS: sequence, ids, then each write's
 * stream and category lists, save after save. ARGV: the event key prefix, the
 * save count, then per save its write count and per write its condition and
 * event count, then per event its id, `occurredAt,observedAt` and content. A
 * condition is "" for none, "e" for streamIsEmpty, "x" for streamExists, "p"
 * and a number for positionIs, or JSON for the rest (decoded only then, since
 * cjson costs more than the common cases).
 *
 * Replies one reply per save: `{"ok", firstSequenceNumber, ...}` with, per
 * write, its stream's length before the write (its first position) or the
 * records it replays; `{"unmet", writeIndex, streamLength}`; or
 * `{"duplicate", eventId, reason, detail}`. Every check of a save
 * (idempotency, conditions, and a read of each list and hash so a key of the
 * wrong type fails here) runs before its first write, so a save that fails
 * leaves nothing behind.
 */
export const APPEND_SCRIPT = `
local sequenceKey, idsKey, eventPrefix = KEYS[1], KEYS[2], ARGV[1]
local CHUNK = 1000
-- The highest sequence number this call stored, published once at the end as a wake-up hint for subscriptions.
local lastSequence = nil

local function chunked(command, key, items)
  local first = 1
  while first <= #items do
    local last = math.min(first + CHUNK - 1, #items)
    if key then
      redis.call(command, key, unpack(items, first, last))
    else
      redis.call(command, unpack(items, first, last))
    end
    first = last + 1
  end
end

local function fetch(command, key, fields)
  local values = {}
  local first = 1
  while first <= #fields do
    local last = math.min(first + CHUNK - 1, #fields)
    local got
    if key then
      got = redis.call(command, key, unpack(fields, first, last))
    else
      got = redis.call(command, unpack(fields, first, last))
    end
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

-- One save: every check first, then every write, so a save that fails leaves nothing behind.
local function save(writes)
  -- Idempotency first: a write whose ids are all stored, as they are now sent, replays.
  for _, write in ipairs(writes) do
    if #write.ids > 0 then
      local sequences = fetch('HMGET', idsKey, write.ids)
      local taken, missing
      for e = 1, #write.ids do
        if sequences[e] then taken = taken or e else missing = missing or e end
      end
      if taken and missing then
        return { 'duplicate', write.ids[taken], 'partial', write.ids[missing] }
      end
      if taken then
        local keys = {}
        for e = 1, #sequences do keys[e] = eventPrefix .. sequences[e] end
        local records = fetch('MGET', nil, keys)
        local previous
        for e = 1, #records do
          local record = records[e]
          local position, content = string.match(record, '^%[[^,]*,([^,]*),[^,]*,[^,]*,(.*)$')
          if redis.call('LINDEX', write.stream, position) ~= sequences[e] then
            return { 'duplicate', write.ids[e], 'stream', record }
          end
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
      write.length = redis.call('LLEN', write.stream)
      local condition = write.condition
      if condition ~= '' then
        local latest
        if write.length > 0 then latest = write.length - 1 end
        local held
        if condition == 'e' then held = latest == nil
        elseif condition == 'x' then held = latest ~= nil
        elseif string.sub(condition, 1, 1) == 'p' then held = latest == tonumber(string.sub(condition, 2))
        else held = holds(cjson.decode(condition), latest) end
        if not held then return { 'unmet', w, write.length } end
      end
      total = total + #write.ids
    end
  end

  local reply = { 'ok', 0 }
  for w, write in ipairs(writes) do
    reply[w + 2] = write.replay or write.length
  end
  if total == 0 then return reply end

  -- The one type check the reads above have not made (HMGET checked ids, LLEN each stream),
  -- so WRONGTYPE cannot stop the writes half way.
  for _, write in ipairs(writes) do
    if not write.replay and #write.ids > 0 then redis.call('LLEN', write.category) end
  end
  -- The first write: a counter that is not an integer fails here, before anything changed.
  local sequence = redis.call('INCRBY', sequenceKey, total) - total + 1
  lastSequence = sequence + total - 1
  reply[2] = sequence
  local eventItems, idItems = {}, {}
  for _, write in ipairs(writes) do
    if not write.replay and #write.ids > 0 then
      local sequences = {}
      for e = 1, #write.ids do
        local number = string.format('%d', sequence)
        sequences[e] = number
        eventItems[#eventItems + 1] = eventPrefix .. number
        eventItems[#eventItems + 1] = '[' .. number .. ',' .. string.format('%d', write.length + e - 1) .. ',' .. write.dates[e] .. ',' .. write.contents[e]
        idItems[#idItems + 1] = write.ids[e]
        idItems[#idItems + 1] = number
        sequence = sequence + 1
      end
      chunked('RPUSH', write.stream, sequences)
      chunked('RPUSH', write.category, sequences)
    end
  end
  chunked('MSET', nil, eventItems)
  chunked('HSET', idsKey, idItems)
  return reply
end

local replies = {}
local cursor, keyIndex = 3, 3
for s = 1, tonumber(ARGV[2]) do
  local writes = {}
  local writeCount = tonumber(ARGV[cursor])
  cursor = cursor + 1
  for w = 1, writeCount do
    local write = { stream = KEYS[keyIndex], category = KEYS[keyIndex + 1], condition = ARGV[cursor], ids = {}, dates = {}, contents = {} }
    keyIndex = keyIndex + 2
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
  replies[s] = save(writes)
end
if lastSequence then
  -- The channel is the store's hash tag followed by 'wake'; eventPrefix is that tag followed by 'event:'.
  redis.call('PUBLISH', string.sub(eventPrefix, 1, -7) .. 'wake', string.format('%d', lastSequence))
end
return replies
`;

/**
 * How many entries of a stream's or category's list hold a sequence number at
 * or below ARGV[1]: the index of the first entry above it. A binary search,
 * since the list is in increasing order. KEYS: the list.
 */
export const COUNT_UP_TO_SCRIPT = `
local target = tonumber(ARGV[1])
local low, high = 0, redis.call('LLEN', KEYS[1])
while low < high do
  local middle = math.floor((low + high) / 2)
  if tonumber(redis.call('LINDEX', KEYS[1], middle)) <= target then low = middle + 1 else high = middle end
end
return low
`;

/**
 * A read filtered by event names, matched here so that filtered-out payloads
 * never cross the network. KEYS: the target's list, or the sequence counter
 * for the log. ARGV: the event key prefix, "list" or "log", direction, the
 * first and last index (sequence number for the log) to look at ("" for the
 * end), the most events to return, the most candidates and reply bytes to go
 * through, then the names, each JSON-encoded and followed by a comma.
 *
 * Replies `{exhausted, cursor, records}`: whether the range has no more
 * candidates, the index (or sequence number) of the last one looked at, and
 * the matching records.
 */
export const FILTERED_READ_SCRIPT = `
local indexKey, eventPrefix = KEYS[1], ARGV[1]
local isLog = ARGV[2] == 'log'
local forwards = ARGV[3] == 'forwards'
local low, high = tonumber(ARGV[4]), tonumber(ARGV[5])
if isLog then
  low = low or 1
  high = high or tonumber(redis.call('GET', indexKey) or '0')
else
  low = low or 0
  high = high or redis.call('LLEN', indexKey) - 1
end
local limit, budget, maxBytes = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local names = {}
for index = 9, #ARGV do names[#names + 1] = ARGV[index] end

local function wanted(record)
  local at = string.match(record, '^%[[^,]*,[^,]*,[^,]*,[^,]*,()')
  for _, name in ipairs(names) do
    if string.sub(record, at, at + #name - 1) == name then return true end
  end
  return false
end

local matches, bytes, scanned, cursor = {}, 0, 0, ''
while low <= high do
  local chunk = math.min(math.max(limit - #matches, 200), 1000, budget - scanned, high - low + 1)
  local first, last
  if forwards then first, last = low, low + chunk - 1 else first, last = high - chunk + 1, high end
  local keys = {}
  if isLog then
    for number = first, last do keys[#keys + 1] = eventPrefix .. string.format('%d', number) end
  else
    for index, sequence in ipairs(redis.call('LRANGE', indexKey, first, last)) do keys[index] = eventPrefix .. sequence end
  end
  local records = redis.call('MGET', unpack(keys))
  local count = #keys
  for step = 1, count do
    local index = step
    if not forwards then index = count - step + 1 end
    cursor = string.format('%d', first + index - 1)
    scanned = scanned + 1
    local record = records[index]
    if record and wanted(record) then
      matches[#matches + 1] = record
      bytes = bytes + #record
      if #matches >= limit or bytes >= maxBytes then
        return { 0, cursor, matches }
      end
    end
  end
  if forwards then low = last + 1 else high = first - 1 end
  if scanned >= budget then return { 0, cursor, matches } end
end
return { 1, cursor, matches }
`;

/**
 * The newest record of a stream or category (KEYS: its list) or of the log
 * (KEYS: the sequence counter), or false when there is none. ARGV: "list" or
 * "log", the event key prefix.
 */
export const LATEST_SCRIPT = `
local sequence
if ARGV[1] == 'log' then
  sequence = redis.call('GET', KEYS[1])
else
  sequence = redis.call('LINDEX', KEYS[1], -1)
end
if not sequence or sequence == '0' then return false end
return redis.call('GET', ARGV[2] .. sequence)
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
