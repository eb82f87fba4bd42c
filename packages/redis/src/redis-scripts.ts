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
 * The client sends the part after the position ready-made (the dates, then
 * its "content"), so the scripts never parse JSON: they put the two numbers in
 * front, compare content text for idempotency, and match a name filter against
 * the token that follows the fourth comma.
 */

/** The version of the key layout and record format; `migrate()` records it. */
export const FORMAT_VERSION = "1";

/** `'00'` … `'99'`, and `'0'` … `'99'`, as Lua table constructors. */
const TWO_DIGITS = Array.from({ length: 100 }, (_, number) => `'${String(number).padStart(2, "0")}'`).join(",");
const SMALL_NUMBERS = Array.from({ length: 100 }, (_, number) => `'${number}'`).join(",");

/**
 * Appends: one or more saves, each atomic on its own, run in order. Saves
 * made at the same time share one script call, which costs one round trip and
 * one script start instead of one each. KEYS: sequence, ids, then each write's
 * stream and category lists, save after save. ARGV: the event key prefix, the
 * save count, then per save its write count and per write its condition, its
 * event count, "g" if the adapter generated its ids ("" otherwise), the ids of
 * its events, then per event `occurredAt,observedAt,` followed by its content
 * (the record's tail). A condition is "" for none, "e"
 * for streamIsEmpty, "x" for streamExists, "p" and a number for positionIs, or
 * JSON for the rest (decoded only then, since cjson costs more than the common
 * cases).
 *
 * The per-event work is kept to what the layout needs, because at 100 events
 * a call it is most of the script's time: the ids are read from ARGV in place
 * (contiguous, so HMGET takes them by `unpack`), the record is the sent tail
 * behind one concatenation, and numbers become text without a `sprintf` each
 * (`decimals`), which cost more than the hash and key writes they feed.
 * Generated ids are known to nobody before their save commits, and a save
 * commits whole, so a write of generated ids is looked up by its first id
 * only: that one is stored only if a resent save already stored them all.
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
-- Built on the first run of more than a few numbers, so calls of single events do not pay for them.
local TWO_DIGITS, SMALL_NUMBERS
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

-- The decimal text of count consecutive integers from first (below 2^53): one sprintf per hundred numbers, not one each.
local function decimals(first, count)
  local texts = {}
  if count < 8 then
    for index = 1, count do texts[index] = string.format('%d', first + index - 1) end
    return texts
  end
  if not TWO_DIGITS then
    TWO_DIGITS = { ${TWO_DIGITS} }
    SMALL_NUMBERS = { ${SMALL_NUMBERS} }
  end
  local high, low = math.floor(first / 100), first % 100
  local head = high > 0 and string.format('%d', high) or nil
  for index = 1, count do
    if head then texts[index] = head .. TWO_DIGITS[low + 1] else texts[index] = SMALL_NUMBERS[low + 1] end
    low = low + 1
    if low == 100 then
      low, high = 0, high + 1
      head = string.format('%d', high)
    end
  end
  return texts
end

-- The ids of a write, as a table: only for a write too large to unpack in one command.
local function ids(write)
  local list = {}
  for e = 1, write.count do list[e] = ARGV[write.first + e - 1] end
  return list
end

-- One save: every check first, then every write, so a save that fails leaves nothing behind.
local function save(writes)
  -- Idempotency first: a write whose ids are all stored, as they are now sent, replays.
  for _, write in ipairs(writes) do
    local count, first = write.count, write.first
    if count > 0 and not (write.generated and redis.call('HEXISTS', idsKey, ARGV[first]) == 0) then
      local sequences
      if count <= CHUNK then
        sequences = redis.call('HMGET', idsKey, unpack(ARGV, first, first + count - 1))
      else
        sequences = fetch('HMGET', idsKey, ids(write))
      end
      local taken, missing
      for e = 1, count do
        if sequences[e] then taken = taken or e else missing = missing or e end
      end
      if taken and missing then
        return { 'duplicate', ARGV[first + taken - 1], 'partial', ARGV[first + missing - 1] }
      end
      if taken then
        local keys = {}
        for e = 1, count do keys[e] = eventPrefix .. sequences[e] end
        local records = fetch('MGET', nil, keys)
        local previous
        for e = 1, count do
          local record, id = records[e], ARGV[first + e - 1]
          local position, content = string.match(record, '^%[[^,]*,([^,]*),[^,]*,[^,]*,(.*)$')
          if redis.call('LINDEX', write.stream, position) ~= sequences[e] then
            return { 'duplicate', id, 'stream', record }
          end
          position = tonumber(position)
          if previous and position ~= previous + 1 then
            return { 'duplicate', id, 'order', record }
          end
          if content ~= string.match(ARGV[first + count + e - 1], '^[^,]*,[^,]*,(.*)$') then
            return { 'duplicate', id, 'content', record }
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
      total = total + write.count
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
    if not write.replay and write.count > 0 then redis.call('LLEN', write.category) end
  end
  -- The first write: a counter that is not an integer fails here, before anything changed.
  local sequence = redis.call('INCRBY', sequenceKey, total) - total + 1
  lastSequence = sequence + total - 1
  reply[2] = sequence
  local eventItems, idItems, n = {}, {}, 0
  for _, write in ipairs(writes) do
    local count = write.count
    if not write.replay and count > 0 then
      local sequences, positions = decimals(sequence, count), decimals(write.length, count)
      local first, tails = write.first - 1, write.first + count - 1
      for e = 1, count do
        local number = sequences[e]
        n = n + 2
        eventItems[n - 1] = eventPrefix .. number
        eventItems[n] = '[' .. number .. ',' .. positions[e] .. ',' .. ARGV[tails + e]
        idItems[n - 1] = ARGV[first + e]
        idItems[n] = number
      end
      sequence = sequence + count
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
    local count = tonumber(ARGV[cursor + 1])
    -- The write's ids are ARGV[first .. first + count - 1], its tails the count entries after them.
    writes[w] = {
      stream = KEYS[keyIndex], category = KEYS[keyIndex + 1], condition = ARGV[cursor],
      count = count, generated = ARGV[cursor + 2] == 'g', first = cursor + 3,
    }
    keyIndex = keyIndex + 2
    cursor = cursor + 3 + 2 * count
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
