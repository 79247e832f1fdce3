-- Each request a new comment: the same text twice on a page would be kept as spam.
local counter = 0
math.randomseed(os.time())
request = function()
  counter = counter + 1
  local body = string.format(
    '{"thread":"/bench-submissions/","name":"Bench Reader","email":"bench@example.com","body":"Comment %d-%d"}',
    counter, math.random(1, 2000000000))
  return wrk.format("POST", "/api/comments", {["Content-Type"] = "application/json"}, body)
end
