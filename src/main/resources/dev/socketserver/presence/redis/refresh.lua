-- A node's liveness: KEYS[1] holds its incarnation while it lives.
-- ARGV[1] the incarnation this manager knows, ARGV[2] the one to set if the node is not alive,
-- ARGV[3] ttl (ms). Returns 1 when the node was alive (its entries live on), else 0 (ARGV[2]
-- lives from now on: a new incarnation leaves the old one's entries dead, and the node adds its
-- entries again).
local current = redis.call('GET', KEYS[1])
if current and current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 1
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 0
