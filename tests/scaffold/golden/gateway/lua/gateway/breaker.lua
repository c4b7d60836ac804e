-- Circuit breaker per upstream service, its state in lua_shared_dict gateway_breaker so all
-- nginx workers see the same circuit:
--   closed    -> requests pass; failures are counted in a window that starts at the first
--   open      -> after `threshold` failures in the window: 503 at once until the cool-down ends
--   half_open -> after the cool-down one request (the probe) passes; its success closes
--                the circuit, its failure opens it again for another cool-down.
local _M = {}

local function dict()
    return ngx.shared.gateway_breaker
end

local function key(service, field)
    return service .. ":" .. field
end

function _M.state(service)
    return dict():get(key(service, "state")) or "closed"
end

local function open(service, why)
    local d = dict()
    d:set(key(service, "state"), "open")
    d:set(key(service, "opened_at"), ngx.now())
    d:delete(key(service, "failures"))
    d:delete(key(service, "probe"))
    ngx.log(ngx.WARN, "gateway: circuit for ", service, " opened (", why, ")")
end

local function close(service)
    local d = dict()
    d:set(key(service, "state"), "closed")
    d:delete(key(service, "opened_at"))
    d:delete(key(service, "failures"))
    d:delete(key(service, "probe"))
    ngx.log(ngx.WARN, "gateway: circuit for ", service, " closed (probe succeeded)")
end

-- Claims the single probe slot; the slot expires after probe_ttl seconds so a probe whose
-- outcome never arrives (worker crash) cannot hold the circuit half-open for ever.
local function claim_probe(service, conf)
    local ok = dict():add(key(service, "probe"), true, conf.probe_ttl)
    if ok then
        dict():set(key(service, "state"), "half_open")
        ngx.ctx.gateway_breaker_probe = true
    end
    return ok
end

-- Access phase. Returns true when the request may go upstream, else false and the seconds
-- after which a retry makes sense.
function _M.admit(service, conf)
    local state = _M.state(service)
    if state == "closed" then
        return true, nil, state
    end
    if state == "open" then
        local opened_at = dict():get(key(service, "opened_at")) or 0
        local wait = opened_at + conf.cooldown - ngx.now()
        if wait > 0 then
            return false, math.ceil(wait), state
        end
    end
    if claim_probe(service, conf) then
        return true, nil, "half_open"
    end
    return false, 1, "half_open"
end

-- Log phase: the outcome of a request that admit() let through.
function _M.record(service, conf, failed)
    local probe = ngx.ctx.gateway_breaker_probe
    if failed then
        if probe then
            open(service, "half-open probe failed")
            return
        end
        if _M.state(service) ~= "closed" then
            return
        end
        local failures = dict():incr(key(service, "failures"), 1, 0, conf.window)
        if failures and failures >= conf.threshold then
            open(service, failures .. " failures within " .. conf.window .. " s")
        end
    elseif probe then
        close(service)
    end
end

return _M
