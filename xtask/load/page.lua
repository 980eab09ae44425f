-- GET /Users?startIndex=<random>&count=100.
dofile(os.getenv("LOAD_DIR") .. "/common.lua")
local total = tonumber(os.getenv("TOTAL_USERS"))

function init(args)
  base_init()
end

function request()
  local start = math.random(1, total - 100)
  return wrk.format("GET", os.getenv("SCIM_BASE") .. "/Users?startIndex=" .. start .. "&count=100")
end
