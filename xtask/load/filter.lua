-- GET /Users?filter=userName eq "<an existing user, any case>".
dofile(os.getenv("LOAD_DIR") .. "/common.lua")
dofile(os.getenv("NAMES_FILE"))

function init(args)
  base_init()
end

function request()
  local name = names[math.random(1, #names)]
  return wrk.format("GET", os.getenv("SCIM_BASE") .. "/Users?filter=userName%20eq%20%22" .. string.upper(name) .. "%22")
end
