/**
 * The Lua scripts of the Redis counter store. Each CounterStore operation is one script, so Redis runs it
 * atomically: no gateway ever reads a counter and writes it back in a second step. Times come in as ARGV (the
 * gateway's clock, the same one the in-memory store reads), never from Redis' own TIME, so the contract suite's
 * moved clock drives both implementations alike.
 *
 * Layout (P = the key prefix, with one hash tag so that every key of a plan lands in one Redis Cluster slot):
 *   P b:<budget>   hash  s = committed spend, r = window end ('' = none), v = sum of open reservations
 *   P bl:<budget>  zset  reservation id → lease expiry (ms)      P ba:<budget>  hash  reservation id → amount
 *   P s:<slot>     zset  slot holder id → lease expiry (ms)
 *   P w:<window>   hash  st = start of the current fixed window, v = its value
 *   P m:<mark>     string  the mark's end (ms)                  P l:<samples>  list  the last samples
 *   P h:<hold>     string  present while a hold is open (settle / release delete it: once per hold)
 *
 * Numbers leave Redis as strings formatted with 17 significant digits: Redis turns Lua numbers into integers
 * in replies, and Lua's own tostring keeps only 14 digits, either of which would round spend.
 */

const LIBRARY = `
local function fmt(x) return string.format('%.17g', x) end

-- Gives back reservations whose lease ended (their holder vanished without settling).
local function purge(b, bl, ba, now)
  local expired = redis.call('ZRANGEBYSCORE', bl, '-inf', now)
  if #expired == 0 then return end
  local sum = 0
  for i = 1, #expired do
    sum = sum + (tonumber(redis.call('HGET', ba, expired[i])) or 0)
    redis.call('HDEL', ba, expired[i])
  end
  redis.call('ZREMRANGEBYSCORE', bl, '-inf', now)
  local v = (tonumber(redis.call('HGET', b, 'v')) or 0) - sum
  -- Float sums drift by ulps; anything this small is an empty reservation book.
  if v < 1e-12 then v = 0 end
  redis.call('HSET', b, 'v', fmt(v))
end

-- The budget with its window rolled over when it has ended; each roll is reported once, by the caller that made it.
local function current(b, budget, windowMs, now, rolled, idleMs)
  local fields = redis.call('HMGET', b, 's', 'r')
  local spend = tonumber(fields[1]) or 0
  local resetAt = tonumber(fields[2])
  if windowMs ~= nil and windowMs > 0 then
    if resetAt == nil then
      resetAt = now + windowMs
      redis.call('HSET', b, 'r', fmt(resetAt))
      rolled[#rolled + 1] = { budget, fmt(resetAt), '' }
    elseif resetAt <= now then
      local previous = resetAt
      resetAt = previous + windowMs * (math.floor((now - previous) / windowMs) + 1)
      spend = 0
      redis.call('HSET', b, 's', '0', 'r', fmt(resetAt))
      rolled[#rolled + 1] = { budget, fmt(resetAt), fmt(previous) }
    end
  end
  redis.call('PEXPIRE', b, idleMs)
  return spend, resetAt
end

local function windowValue(w, windowMs, now)
  local start = math.floor(now / windowMs) * windowMs
  local fields = redis.call('HMGET', w, 'st', 'v')
  if tonumber(fields[1]) == start then return tonumber(fields[2]) or 0, start end
  return 0, start
end

local function windowAdd(w, windowMs, now, delta)
  local value, start = windowValue(w, windowMs, now)
  if value == 0 and delta == 0 then return 0 end
  value = value + delta
  redis.call('HSET', w, 'st', fmt(start), 'v', fmt(value))
  -- Ended windows are of no use: Redis forgets them on its own.
  redis.call('PEXPIRE', w, windowMs * 2)
  return value
end

local function slotsUsed(s, now)
  redis.call('ZREMRANGEBYSCORE', s, '-inf', now)
  return redis.call('ZCARD', s)
end

local function optional(value)
  if value == '' then return nil end
  return tonumber(value)
end
`;

/**
 * KEYS: the hold's marker, then per check: budget → b, bl, ba; slot → s; rate → w.
 * ARGV: now, leaseMs, holdGraceMs, idleMs, holdId, then per check: 'b', windowMs|'', max|'', amount, budget name;
 * 's', limit; 'r', windowMs, limit, cost.
 * Reply: {'unseeded', {check indexes}} | {'refused', index, {values}, {rolled}} | {'admitted', {values}, {rolled}}.
 */
export const ADMIT = `${LIBRARY}
local now, lease, grace, idle, holdId = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local checks = {}
local a, k = 6, 2
while a <= #ARGV do
  local kind = ARGV[a]
  if kind == 'b' then
    checks[#checks + 1] = { kind = 'b', b = KEYS[k], bl = KEYS[k + 1], ba = KEYS[k + 2], windowMs = optional(ARGV[a + 1]), max = optional(ARGV[a + 2]), amount = tonumber(ARGV[a + 3]), name = ARGV[a + 4] }
    a = a + 5; k = k + 3
  elseif kind == 's' then
    checks[#checks + 1] = { kind = 's', s = KEYS[k], limit = tonumber(ARGV[a + 1]) }
    a = a + 2; k = k + 1
  else
    checks[#checks + 1] = { kind = 'r', w = KEYS[k], windowMs = tonumber(ARGV[a + 1]), limit = tonumber(ARGV[a + 2]), cost = tonumber(ARGV[a + 3]) }
    a = a + 4; k = k + 1
  end
end

local unseeded = {}
for i = 1, #checks do
  if checks[i].kind == 'b' and redis.call('EXISTS', checks[i].b) == 0 then unseeded[#unseeded + 1] = i - 1 end
end
if #unseeded > 0 then return { 'unseeded', unseeded } end

local values, rolled, taken = {}, {}, {}
for i = 1, #checks do values[i] = '0' end
local expiry = now + lease
local function undo()
  for t = #taken, 1, -1 do
    local item = taken[t]
    if item.kind == 's' then
      redis.call('ZREM', item.s, item.member)
    elseif item.kind == 'b' then
      redis.call('ZREM', item.bl, item.member)
      redis.call('HDEL', item.ba, item.member)
      local v = (tonumber(redis.call('HGET', item.b, 'v')) or 0) - item.amount
      if v < 1e-12 then v = 0 end
      redis.call('HSET', item.b, 'v', fmt(v))
    else
      windowAdd(item.w, item.windowMs, now, -item.cost)
    end
  end
end

-- Leases are named after the hold and their place in it (hold.slots / hold.reservations), so release and settle find them.
local slotCount, reservationCount = 0, 0
for i = 1, #checks do
  local c = checks[i]
  if c.kind == 'b' then
    purge(c.b, c.bl, c.ba, now)
    local spend = current(c.b, c.name, c.windowMs, now, rolled, idle)
    values[i] = fmt(spend)
    if c.max ~= nil then
      local reserved = tonumber(redis.call('HGET', c.b, 'v')) or 0
      if not (spend + reserved < c.max) then
        undo()
        return { 'refused', i - 1, values, rolled }
      end
      local amount = math.max(0, c.amount)
      local member = holdId .. ':r' .. reservationCount
      reservationCount = reservationCount + 1
      redis.call('HSET', c.b, 'v', fmt(reserved + amount))
      redis.call('ZADD', c.bl, expiry, member)
      redis.call('HSET', c.ba, member, fmt(amount))
      redis.call('PEXPIRE', c.bl, idle)
      redis.call('PEXPIRE', c.ba, idle)
      taken[#taken + 1] = { kind = 'b', b = c.b, bl = c.bl, ba = c.ba, member = member, amount = amount }
    end
  elseif c.kind == 's' then
    local used = slotsUsed(c.s, now)
    if c.limit >= 0 and used >= c.limit then
      values[i] = fmt(used)
      undo()
      return { 'refused', i - 1, values, rolled }
    end
    local member = holdId .. ':s' .. slotCount
    slotCount = slotCount + 1
    redis.call('ZADD', c.s, expiry, member)
    redis.call('PEXPIRE', c.s, lease * 2)
    taken[#taken + 1] = { kind = 's', s = c.s, member = member }
    values[i] = fmt(used + 1)
  else
    local value = windowValue(c.w, c.windowMs, now)
    local refuses
    if c.cost > 0 then refuses = value + c.cost > c.limit else refuses = value >= c.limit end
    if refuses then
      values[i] = fmt(value)
      undo()
      return { 'refused', i - 1, values, rolled }
    end
    if c.cost > 0 then
      value = windowAdd(c.w, c.windowMs, now, c.cost)
      taken[#taken + 1] = { kind = 'r', w = c.w, windowMs = c.windowMs, cost = c.cost }
    end
    values[i] = fmt(value)
  end
end
redis.call('SET', KEYS[1], '1', 'PX', lease + grace)
return { 'admitted', values, rolled }
`;

/**
 * Gives back a hold's leases. KEYS: the marker, then per slot: s; per reservation: b, bl, ba.
 * ARGV: holdId, slot count, reservation count. Returns 0 when the hold was already settled or released.
 */
const GIVE_BACK = `
local function giveBack(holdId, slotCount, reservationCount)
  if redis.call('DEL', KEYS[1]) == 0 then return false end
  local k = 2
  for i = 0, slotCount - 1 do
    redis.call('ZREM', KEYS[k], holdId .. ':s' .. i)
    k = k + 1
  end
  for i = 0, reservationCount - 1 do
    local member = holdId .. ':r' .. i
    -- A reservation its lease already gave back is not given back twice.
    if redis.call('ZREM', KEYS[k + 1], member) == 1 then
      local amount = tonumber(redis.call('HGET', KEYS[k + 2], member)) or 0
      redis.call('HDEL', KEYS[k + 2], member)
      local v = (tonumber(redis.call('HGET', KEYS[k], 'v')) or 0) - amount
      if v < 1e-12 then v = 0 end
      redis.call('HSET', KEYS[k], 'v', fmt(v))
    end
    k = k + 3
  end
  return true
end
`;

export const RELEASE = `${LIBRARY}${GIVE_BACK}
if giveBack(ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])) then return 1 end
return 0
`;

/**
 * KEYS: as RELEASE, then per charge: b; per window: w.
 * ARGV: holdId, slot count, reservation count, now, idleMs, charge count, window count, then per charge:
 * windowMs|'', amount, budget name; per window: windowMs, delta.
 * Reply: false when already settled, else {{spend after each charge}, {rolled}}. A charge to a budget Redis does
 * not hold (its data was lost) is skipped: the next admission seeds it from the database, which has the row.
 */
export const SETTLE = `${LIBRARY}${GIVE_BACK}
local slotCount, reservationCount = tonumber(ARGV[2]), tonumber(ARGV[3])
if not giveBack(ARGV[1], slotCount, reservationCount) then return false end
local now, idle, chargeCount, windowCount = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local k = 2 + slotCount + reservationCount * 3
local a = 8
local after, rolled = {}, {}
for i = 1, chargeCount do
  local b = KEYS[k]
  local windowMs, amount, name = optional(ARGV[a]), tonumber(ARGV[a + 1]), ARGV[a + 2]
  if redis.call('EXISTS', b) == 1 then
    local spend = current(b, name, windowMs, now, rolled, idle)
    if amount ~= nil and amount > 0 and amount < math.huge then
      spend = spend + amount
      redis.call('HSET', b, 's', fmt(spend))
    end
    after[i] = fmt(spend)
  else
    after[i] = ''
  end
  k = k + 1; a = a + 3
end
for i = 1, windowCount do
  windowAdd(KEYS[k], tonumber(ARGV[a]), now, tonumber(ARGV[a + 1]))
  k = k + 1; a = a + 2
end
return { after, rolled }
`;

/**
 * KEYS: the marker, then per slot: s; per reservation: bl. ARGV: holdId, slot count, reservation count, now, leaseMs,
 * holdGraceMs. A lease already ended is not brought back (ZADD XX); the keys' own expiry moves with the leases.
 */
export const RENEW = `
local function extend(key, ttl)
  if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
end
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local holdId, slotCount, reservationCount = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local lease = tonumber(ARGV[5])
local expiry = tonumber(ARGV[4]) + lease
redis.call('PEXPIRE', KEYS[1], lease + tonumber(ARGV[6]))
local k = 2
for i = 0, slotCount - 1 do
  if redis.call('ZADD', KEYS[k], 'XX', 'CH', expiry, holdId .. ':s' .. i) == 1 then extend(KEYS[k], lease * 2) end
  k = k + 1
end
for i = 0, reservationCount - 1 do
  redis.call('ZADD', KEYS[k], 'XX', expiry, holdId .. ':r' .. i)
  k = k + 1
end
return 1
`;

/** KEYS: s. ARGV: expiry, holder, leaseMs. Renews one slot taken with acquireSlot. */
export const RENEW_SLOT = `
if redis.call('ZADD', KEYS[1], 'XX', 'CH', tonumber(ARGV[1]), ARGV[2]) == 1 then
  if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) * 2 then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 2) end
end
return 1
`;

/** KEYS: b per seed. ARGV: idleMs, then per seed: spend, resetAt|''. Only budgets Redis does not hold are set. */
export const SEED = `
local idle = tonumber(ARGV[1])
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then
    redis.call('HSET', KEYS[i], 's', ARGV[i * 2], 'r', ARGV[i * 2 + 1], 'v', '0')
    redis.call('PEXPIRE', KEYS[i], idle)
  end
end
return 1
`;

/** KEYS: b. ARGV: idleMs, spend, resetAt|''. Open reservations stay. */
export const RESET = `
redis.call('HSET', KEYS[1], 's', ARGV[2], 'r', ARGV[3])
if redis.call('HEXISTS', KEYS[1], 'v') == 0 then redis.call('HSET', KEYS[1], 'v', '0') end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return 1
`;

/** KEYS: b per budget. ARGV: now, idleMs, then per budget: windowMs|'', name. Reply: {{spend, resetAt|''} or '' each}, {rolled}. */
export const READ_BUDGETS = `${LIBRARY}
local now, idle = tonumber(ARGV[1]), tonumber(ARGV[2])
local out, rolled = {}, {}
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then
    out[i] = ''
  else
    local spend, resetAt = current(KEYS[i], ARGV[i * 2 + 2], optional(ARGV[i * 2 + 1]), now, rolled, idle)
    local reset = ''
    if resetAt ~= nil then reset = fmt(resetAt) end
    out[i] = { fmt(spend), reset }
  end
end
return { out, rolled }
`;

/** KEYS: w. ARGV: now, windowMs, delta. */
export const ADD_TO_WINDOW = `${LIBRARY}
return fmt(windowAdd(KEYS[1], tonumber(ARGV[2]), tonumber(ARGV[1]), tonumber(ARGV[3])))
`;

/** KEYS: w per window. ARGV: now, windowMs. */
export const READ_WINDOWS = `${LIBRARY}
local now, windowMs = tonumber(ARGV[1]), tonumber(ARGV[2])
local out = {}
for i = 1, #KEYS do out[i] = fmt((windowValue(KEYS[i], windowMs, now))) end
return out
`;

/** KEYS: s. ARGV: now, limit (-1: none), leaseMs, member. */
export const ACQUIRE_SLOT = `${LIBRARY}
local now, limit, lease = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local used = slotsUsed(KEYS[1], now)
if limit >= 0 and used >= limit then return 0 end
redis.call('ZADD', KEYS[1], now + lease, ARGV[4])
redis.call('PEXPIRE', KEYS[1], lease * 2)
return 1
`;

/** KEYS: s per key. ARGV: now. */
export const SLOTS_IN_USE = `${LIBRARY}
local now = tonumber(ARGV[1])
local out = {}
for i = 1, #KEYS do out[i] = slotsUsed(KEYS[i], now) end
return out
`;

/** KEYS: l. ARGV: value, keep, ttlMs. */
export const ADD_SAMPLE = `
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
`;

/** KEYS: l per key. Reply: the mean of each list as a string, '' when empty. */
export const SAMPLE_MEANS = `${LIBRARY}
local out = {}
for i = 1, #KEYS do
  local list = redis.call('LRANGE', KEYS[i], 0, -1)
  if #list == 0 then
    out[i] = ''
  else
    local sum = 0
    for j = 1, #list do sum = sum + (tonumber(list[j]) or 0) end
    out[i] = fmt(sum / #list)
  end
end
return out
`;
