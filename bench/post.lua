-- Each request a new comment: the same text twice on a page would be kept as spam. wrk runs
-- each thread in a Lua state of its own, seeded alike, so each thread's id goes into the text.
-- A reader's sentence, as the spam and safety checks meet them (its numbers apart, so that no
-- one of them reads as a phone number).
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

local counter = 0
math.randomseed(os.time())
-- A random word, so that runs started in the same second still write new texts.
local function word()
  local letters = {}
  for i = 1, 8 do letters[i] = string.char(math.random(97, 122)) end
  return table.concat(letters)
end

request = function()
  counter = counter + 1
  local body = string.format(
    '{"thread":"/bench-submissions/","name":"Bench Reader","email":"bench@example.com","body":"Thank you for this. Reader %d here: after session %d the low days came back less often (%s)."}',
    id, counter, word())
  return wrk.format("POST", "/api/comments", {["Content-Type"] = "application/json"}, body)
end
