-- The soak mix (`cargo xtask soak`): creates, and deletes of users this run created (so the
-- directory keeps its size), filters on userName, pages, PATCHes of active, and member adds and
-- removes of random users on one group (Entra's form: remove with a value list), which start at
-- half the users, where random adds and removes balance.
dofile(os.getenv("LOAD_DIR") .. "/common.lua")
dofile(os.getenv("IDS_FILE"))
dofile(os.getenv("NAMES_FILE"))
local base = os.getenv("SCIM_BASE")
local prefix = os.getenv("PREFIX") or "soak"
local group = os.getenv("GROUP_ID")
local total = tonumber(os.getenv("TOTAL_USERS")) or #ids
local n = 0
local created = {}

function init(args)
  base_init()
end

local function create()
  n = n + 1
  local name = string.format("%s-%d-%d@soak.example", prefix, tid, n)
  local body = '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"' .. name ..
    '","active":true,"name":{"givenName":"Soak","familyName":"User' .. n ..
    '"},"emails":[{"type":"work","primary":true,"value":"' .. name .. '"}]}'
  return wrk.format("POST", base .. "/Users", nil, body)
end

local function member(op, id)
  local body = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"' .. op ..
    '","path":"members","value":[{"value":"' .. id .. '"}]}]}'
  return wrk.format("PATCH", base .. "/Groups/" .. group .. "?excludedAttributes=members", nil, body)
end

local function delete()
  return wrk.format("DELETE", base .. "/Users/" .. table.remove(created, 1))
end

function request()
  local r = math.random()
  -- Creates and deletes alternate closely, so that few of this window's users outlive it (each
  -- 10-second window is a new wrk run that forgets what the last one created).
  if r < 0.10 then
    if #created > 5 then
      return delete()
    end
    return create()
  elseif r < 0.20 then
    if #created == 0 then
      return create()
    end
    return delete()
  elseif r < 0.45 then
    local name = names[math.random(1, #names)]
    return wrk.format("GET", base .. "/Users?filter=userName%20eq%20%22" .. string.upper(name) .. "%22")
  elseif r < 0.60 then
    return wrk.format("GET", base .. "/Users?count=100&startIndex=" .. math.random(1, total - 100))
  elseif r < 0.85 then
    local active = math.random(0, 1) == 1 and "true" or "false"
    local body = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":' .. active .. '}]}'
    return wrk.format("PATCH", base .. "/Users/" .. ids[math.random(1, #ids)], nil, body)
  elseif r < 0.925 then
    return member("add", ids[math.random(1, #ids)])
  else
    return member("remove", ids[math.random(1, #ids)])
  end
end

function response(status, headers, body)
  if status == 201 then
    local location = headers["location"] or headers["Location"]
    local id = location and string.match(location, "/Users/([^/?]+)$")
    if id then
      table.insert(created, id)
    end
  end
end
