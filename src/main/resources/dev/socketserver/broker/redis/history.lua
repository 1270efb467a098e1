-- A stream's position and retained publications, read in the stream's ordering domain.
-- KEYS[1] position hash, KEYS[2] history list
-- ARGV[1] now (ms), ARGV[2] position ttl (ms), ARGV[3] after offset (-1: from the oldest),
-- ARGV[4] its epoch, ARGV[5] limit, ARGV[6] 1: newest first
-- Returns {epoch, last offset, oldest retained offset, entries...}; each entry "expiry:offset:notification".
local now = tonumber(ARGV[1])
local metaTtl = tonumber(ARGV[2])
local after = tonumber(ARGV[3])
local limit = tonumber(ARGV[5])
local reverse = ARGV[6] == '1'

local epoch = redis.call('HGET', KEYS[1], 'e')
if not epoch then
  -- Nothing kept (reading creates nothing): the epoch the first publication will get.
  local run = string.match(redis.call('INFO', 'server'), 'run_id:(%w+)')
  local evicted = string.match(redis.call('INFO', 'stats'), 'evicted_keys:(%d+)')
  return {string.sub(run, 1, 8) .. '-' .. string.format('%d', math.floor(now / metaTtl)) .. '-' .. evicted, '0', '1'}
end
local top = tonumber(redis.call('HGET', KEYS[1], 'o') or '0')
local len = redis.call('LLEN', KEYS[2])
-- The list holds offsets top-len+1 .. top, oldest first; skip the expired ones at its head.
local skip = 0
while skip < len do
  local e = redis.call('LINDEX', KEYS[2], skip)
  if tonumber(string.match(e, '^(%d+):')) > now then
    break
  end
  skip = skip + 1
end
local first = top - len + 1
local oldest = first + skip
local out = {epoch, string.format('%d', top), string.format('%d', oldest)}
if limit <= 0 or (after >= 0 and ARGV[4] ~= epoch) then
  return out
end
local from = math.max(oldest, after + 1)
if from > top then
  return out
end
local lo = from - first
local hi = len - 1
if reverse then
  lo = math.max(lo, hi - limit + 1)
else
  hi = math.min(hi, lo + limit - 1)
end
local entries = redis.call('LRANGE', KEYS[2], lo, hi)
for i = 1, #entries do
  out[#out + 1] = entries[i]
end
return out
