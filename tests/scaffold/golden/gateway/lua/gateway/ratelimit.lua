-- Per-identity rate limit shared by every gateway replica: a sliding-window log in Redis,
-- updated by one atomic script. When Redis cannot be reached the configured failure mode
-- applies ("local": each replica enforces the limit on its own from a shared dict).
local runtime = require "gateway.runtime"
local redis = runtime.require_any("resty.redis", "nginx.redis")
local hex = runtime.require_any("resty.string", "nginx.string")

local ceil, floor, tonumber = math.ceil, math.floor, tonumber

-- KEYS[1] sorted set of this identity's requests in the window (score = ms, member unique)
-- ARGV: limit, window in ms, unique member. Returns {allowed, remaining, retry_after_ms}.
-- The clock is Redis's own TIME, so replicas with skewed clocks still agree; this needs
-- Redis >= 5 (effects replication lets a script write after reading TIME).
local SCRIPT = [[
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local used = redis.call('ZCARD', KEYS[1])
if used < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, limit - used - 1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local retry = tonumber(oldest[2]) + window - now
if retry < 1 then retry = 1 end
return {0, 0, retry}
]]
local SCRIPT_SHA = hex.to_hex(ngx.sha1_bin(SCRIPT))

-- Seconds between two "Redis unreachable" error lines (across all workers).
local OUTAGE_LOG_INTERVAL = 10

local _M = { SCRIPT = SCRIPT }

local OUTAGE_BEHAVIOUR = {
    ["local"] = "each replica enforces the limit on its own until it answers",
    open = "requests pass without a limit until it answers",
    closed = "requests are refused with 503 until it answers",
}

local function log_outage(dict, mode, err)
    if dict:add("redis_outage_logged", true, OUTAGE_LOG_INTERVAL) then
        ngx.log(ngx.ERR, "gateway: rate limit store unreachable (", err, "); ",
                OUTAGE_BEHAVIOUR[mode] or mode)
    end
end

local function check_redis(conf, identity)
    local client, new_err = redis:new()
    if not client then
        return nil, "client: " .. tostring(new_err)
    end
    -- set_timeout (not set_timeouts): Debian's lua-nginx-redis 0.27 only has this one
    client:set_timeout(conf.redis_timeout_ms)
    local ok, err = client:connect(conf.redis_host, conf.redis_port)
    if not ok then
        return nil, "connect: " .. tostring(err)
    end
    if client:get_reused_times() == 0 then
        if conf.redis_password then
            ok, err = client:auth(conf.redis_password)
            if not ok then
                client:close()
                return nil, "auth: " .. tostring(err)
            end
        end
        if conf.redis_database ~= 0 then
            ok, err = client:select(conf.redis_database)
            if not ok then
                client:close()
                return nil, "select: " .. tostring(err)
            end
        end
    end
    local key = conf.redis_key_prefix .. "ratelimit:" .. identity
    local args = { conf.limit, conf.window_ms, ngx.var.request_id }
    local res
    res, err = client:evalsha(SCRIPT_SHA, 1, key, unpack(args))
    if not res and err and err:find("NOSCRIPT", 1, true) then
        res, err = client:eval(SCRIPT, 1, key, unpack(args))
    end
    if not res or type(res) ~= "table" then
        client:close()
        return nil, "script: " .. tostring(err)
    end
    client:set_keepalive(60000, 64)
    return {
        allowed = res[1] == 1,
        remaining = tonumber(res[2]),
        retry_after = ceil(tonumber(res[3]) / 1000),
        store = "redis",
    }
end

-- A sliding-window counter in this replica's shared dict: the previous fixed window's
-- count, weighted by how much of it still overlaps the sliding window, plus the current
-- one. Approximate (and only per replica), but it keeps one client from monopolising a
-- replica while Redis is away.
local function check_local(conf, dict, identity)
    local window = conf.window_ms / 1000
    local now = ngx.now()
    local slot = floor(now / window)
    local current_key = "rl:" .. identity .. ":" .. slot
    local previous = dict:get("rl:" .. identity .. ":" .. (slot - 1)) or 0
    local current = dict:get(current_key) or 0
    local overlap = 1 - (now - slot * window) / window
    local estimate = previous * overlap + current
    if estimate + 1 > conf.limit then
        -- by the end of this window the previous one no longer counts
        local retry = current >= conf.limit and (slot + 1) * window - now
            or (estimate + 1 - conf.limit) / previous * window
        return { allowed = false, remaining = 0, retry_after = math.max(1, ceil(retry)),
                 store = "local" }
    end
    local count, err = dict:incr(current_key, 1, 0, ceil(window * 2) + 1)
    if not count then
        ngx.log(ngx.ERR, "gateway: local rate limit unavailable: ", err)
        return { allowed = true, remaining = conf.limit, retry_after = 0, store = "open" }
    end
    return {
        allowed = true,
        remaining = math.max(0, floor(conf.limit - (previous * overlap + count))),
        retry_after = 0,
        store = "local",
    }
end

-- identity: "user:<id>" or "addr:<client address>".
-- Returns { allowed, remaining, retry_after (s), store = "redis"|"local"|"open"|"closed" }.
function _M.check(conf, identity)
    local dict = ngx.shared.gateway_ratelimit
    local result, err = check_redis(conf, identity)
    if result then
        return result
    end
    log_outage(dict, conf.failure_mode, err)
    if conf.failure_mode == "closed" then
        return { allowed = false, remaining = 0, retry_after = 1, store = "closed" }
    end
    if conf.failure_mode == "open" then
        return { allowed = true, remaining = conf.limit, retry_after = 0, store = "open" }
    end
    return check_local(conf, dict, identity)
end

return _M
