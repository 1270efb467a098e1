-- Drops entries of dead nodes from a room, each only if it is still the entry found dead (the
-- client may have been added again since). KEYS[1] the room's hash; ARGV: field, value, ...
for i = 1, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then
    redis.call('HDEL', KEYS[1], ARGV[i])
  end
end
return 0
