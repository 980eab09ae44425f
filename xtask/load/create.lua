-- POST /Users with a unique userName per request (PREFIX keeps runs apart).
dofile(os.getenv("LOAD_DIR") .. "/common.lua")
local n = 0
local prefix = os.getenv("PREFIX") or "user"

function init(args)
  base_init()
end

function request()
  n = n + 1
  local name = string.format("%s-%d-%d@load.example", prefix, tid, n)
  local body = '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"' .. name ..
    '","active":true,"name":{"givenName":"Load","familyName":"User' .. n ..
    '"},"emails":[{"type":"work","primary":true,"value":"' .. name .. '"}]}'
  return wrk.format("POST", os.getenv("SCIM_BASE") .. "/Users", nil, body)
end
