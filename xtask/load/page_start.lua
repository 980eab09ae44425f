-- GET /Users?startIndex=<within the first 1,000>&count=100: how identity providers page,
-- sequentially from the start.
dofile(os.getenv("LOAD_DIR") .. "/common.lua")

function init(args)
  base_init()
end

function request()
  local start = math.random(1, 1000)
  return wrk.format("GET", os.getenv("SCIM_BASE") .. "/Users?startIndex=" .. start .. "&count=100")
end
