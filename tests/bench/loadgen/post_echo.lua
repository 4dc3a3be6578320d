-- The wrk script of the POST echo case (loadgen wrk -body N): every request
-- is POST /echo with an N-byte body (WRK_BODY_SIZE, 4096 by default), which
-- the server sends back. loadgen embeds this file and checks one echo
-- itself before wrk runs; wrk counts the responses outside 2xx and 3xx.
local size = tonumber(os.getenv("WRK_BODY_SIZE") or "4096")
local pattern = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_\n"
wrk.method = "POST"
wrk.path = "/echo"
wrk.body = string.rep(pattern, math.ceil(size / #pattern)):sub(1, size)
wrk.headers["Content-Type"] = "application/octet-stream"
