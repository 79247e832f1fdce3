-- Each request a new comment: the same text twice on a page would be kept as spam. wrk runs
-- each thread in a Lua state of its own, seeded alike, so each thread's id goes into the text.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

local counter = 0
math.randomseed(os.time())
request = function()
  counter = counter + 1
  local body = string.format(
    '{"thread":"/bench-submissions/","name":"Bench Reader","email":"bench@example.com","body":"Comment %d-%d-%d"}',
    id, counter, math.random(1, 2000000000))
  return wrk.format("POST", "/api/comments", {["Content-Type"] = "application/json"}, body)
end
