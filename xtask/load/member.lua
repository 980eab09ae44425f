-- PATCH /Groups/<big group> adding one new member per request.
dofile(os.getenv("LOAD_DIR") .. "/common.lua")
local n = 0

function init(args)
  base_init()
end

function request()
  n = n + 1
  local body = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"extra-' .. tid .. '-' .. n .. '"}]}]}'
  return wrk.format("PATCH", os.getenv("SCIM_BASE") .. "/Groups/" .. os.getenv("GROUP_ID"), nil, body)
end
