-- PATCH /Users/<random id> setting active to true or false.
dofile(os.getenv("LOAD_DIR") .. "/common.lua")
dofile(os.getenv("IDS_FILE"))

function init(args)
  base_init()
end

function request()
  local id = ids[math.random(1, #ids)]
  local active = math.random(0, 1) == 1 and "true" or "false"
  local body = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":' .. active .. '}]}'
  return wrk.format("PATCH", os.getenv("SCIM_BASE") .. "/Users/" .. id, nil, body)
end
