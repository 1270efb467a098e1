-- One publication, atomically: idempotency check, offset, history append with its bounds,
-- position metadata and the pub/sub publish. Redis runs one script at a time, so this is the
-- stream's ordering domain.
-- KEYS[1] position hash (e: epoch, o: last offset), KEYS[2] history list, KEYS[3] idempotency key
-- ARGV[1] channel, ARGV[2] encoded notification, ARGV[3] now (ms), ARGV[4] history size,
-- ARGV[5] history ttl (ms), ARGV[6] idempotency window (ms, 0: no key), ARGV[7] position ttl (ms),
-- ARGV[8] 1: SPUBLISH (a Redis Cluster: the channel shares the stream's slot), else PUBLISH
-- Returns {duplicate (0/1), "offset:epoch" or ""}.
local now = tonumber(ARGV[3])
local size = tonumber(ARGV[4])
local ttl = tonumber(ARGV[5])
local window = tonumber(ARGV[6])
local metaTtl = tonumber(ARGV[7])

if window > 0 then
  local seen = redis.call('GET', KEYS[3])
  if seen then
    return {1, seen}
  end
end

-- A new history gets an epoch no earlier history of the stream had: this Redis's run id
-- (new after every restart), the position-ttl window of now (a stream whose position expired
-- comes back in a later window) and the evictions so far (a stream evicted under maxmemory).
local function newEpoch()
  local run = string.match(redis.call('INFO', 'server'), 'run_id:(%w+)')
  local evicted = string.match(redis.call('INFO', 'stats'), 'evicted_keys:(%d+)')
  return string.sub(run, 1, 8) .. '-' .. string.format('%d', math.floor(now / metaTtl)) .. '-' .. evicted
end

local position = ''
if size > 0 and ttl > 0 then
  local epoch = redis.call('HGET', KEYS[1], 'e')
  if not epoch then
    epoch = newEpoch()
    redis.call('HSET', KEYS[1], 'e', epoch)
  end
  local offset = redis.call('HINCRBY', KEYS[1], 'o', 1)
  redis.call('PEXPIRE', KEYS[1], math.max(metaTtl, ttl))
  redis.call('RPUSH', KEYS[2], string.format('%d', now + ttl) .. ':' .. offset .. ':' .. ARGV[2])
  redis.call('LTRIM', KEYS[2], -size, -1)
  while true do
    local first = redis.call('LINDEX', KEYS[2], 0)
    if not first or tonumber(string.match(first, '^(%d+):')) > now then
      break
    end
    redis.call('LPOP', KEYS[2])
  end
  if redis.call('PTTL', KEYS[2]) < ttl then
    redis.call('PEXPIRE', KEYS[2], ttl)
  end
  position = offset .. ':' .. epoch
end

redis.call(ARGV[8] == '1' and 'SPUBLISH' or 'PUBLISH', ARGV[1], position .. '|' .. ARGV[2])
if window > 0 then
  redis.call('SET', KEYS[3], position, 'PX', window)
end
return {0, position}
