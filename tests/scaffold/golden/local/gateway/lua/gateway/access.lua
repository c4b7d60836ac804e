-- The gateway's request pipeline, one function per nginx phase:
--   access:        correlation id -> identity headers stripped -> JWT (unless public route)
--                  -> rate limit -> circuit breaker
--   header_filter: correlation id back to the client
--   log:           upstream outcome to the circuit breaker
local cjson = require "cjson.safe"
local correlation = require "gateway.correlation"
local jwt = require "gateway.jwt"
local ratelimit = require "gateway.ratelimit"
local breaker = require "gateway.breaker"

local ngx_var, ngx_req, ngx_header = ngx.var, ngx.req, ngx.header

-- Characters a user id may carry into an upstream header.
local HEADER_SAFE = "^[%w%-%._@:+=|]+$"
local MAX_CLAIM_LENGTH = 256

-- What the client sees for each JWT failure (same wording as a FastAPI service would use).
local AUTH_DETAIL = {
    missing = "Not authenticated",
    expired = "Token expired",
}

local conf

local _M = {}

function _M.configure(settings)
    conf = settings
end

function _M.settings()
    return conf
end

local function reject(status, detail, headers)
    ngx.status = status
    ngx_header["Content-Type"] = "application/json"
    for name, value in pairs(headers or {}) do
        ngx_header[name] = value
    end
    ngx.say(cjson.encode({ detail = detail }))
    return ngx.exit(status)
end

local function segments_match(route, path)
    local wanted = route.segments
    local i = 0
    for segment in path:gmatch("[^/]+") do
        i = i + 1
        local expected = wanted[i]
        if expected == nil then
            return not route.exact
        end
        if expected ~= true and expected ~= segment then
            return false
        end
    end
    return i == #wanted
end

function _M.is_public(method, path)
    for _, route in ipairs(conf.public_routes) do
        local m = route.method
        if (m == "*" or m == method or (m == "GET" and method == "HEAD"))
                and segments_match(route, path) then
            return true
        end
    end
    return false
end

local function bearer_token()
    local authorization = ngx_var.http_authorization
    if not authorization then
        return nil
    end
    return authorization:match("^%s*[Bb][Ee][Aa][Rr][Ee][Rr]%s+(%S+)%s*$")
end

local function strip_identity_headers()
    ngx_req.clear_header(conf.jwt.user_id_header)
    for _, header in pairs(conf.jwt.forwarded_claims) do
        ngx_req.clear_header(header)
    end
end

local function header_value(value)
    local text = jwt.claim_string(value)
    if text and #text <= MAX_CLAIM_LENGTH and text:find(HEADER_SAFE) then
        return text
    end
    return nil
end

-- Returns the user id, or nil and the reason the token was refused.
local function authenticate()
    local token = bearer_token()
    if not token then
        return nil, "missing"
    end
    local claims, reason = jwt.verify(token, conf.jwt.policy, conf.jwt.keys)
    if not claims then
        return nil, reason
    end
    local user_id = header_value(claims[conf.jwt.user_id_claim])
    if not user_id then
        return nil, "claims"
    end
    ngx_req.set_header(conf.jwt.user_id_header, user_id)
    for claim, header in pairs(conf.jwt.forwarded_claims) do
        local value = header_value(claims[claim])
        if value then
            ngx_req.set_header(header, value)
        end
    end
    return user_id
end

local function enforce_rate_limit(user_id)
    local identity = user_id and ("user:" .. user_id) or ("addr:" .. ngx_var.remote_addr)
    local verdict = ratelimit.check(conf.rate_limit, identity)
    ngx_var.gateway_ratelimit = verdict.store
    if verdict.store == "closed" then
        return reject(503, "Rate limit store unavailable", { ["Retry-After"] = 1 })
    end
    -- sent by header_filter, which also runs for upstream responses
    ngx.ctx.gateway_remaining = verdict.remaining
    if not verdict.allowed then
        return reject(429, "Too many requests", { ["Retry-After"] = verdict.retry_after })
    end
end

local function breaker_settings(service)
    return conf.breaker.services[service] or conf.breaker.default
end

-- nginx matches locations and public routes on the normalised $uri but forwards the raw
-- URI; refusing dot segments and doubled slashes keeps both views the same path.
local function ambiguous_path()
    local raw = ngx.unescape_uri(ngx_var.request_uri:match("^[^?#]*"))
    return raw:find("//", 1, true) or raw:find("/%.%.?/") or raw:find("/%.%.?$")
end

function _M.access()
    correlation.assign(conf.correlation_header)
    strip_identity_headers()
    if ambiguous_path() then
        return reject(400, "Path must not contain dot segments or empty segments")
    end

    local service = ngx_var.gateway_service
    local public = service ~= "" and _M.is_public(ngx_req.get_method(), ngx_var.uri)
    local user_id, auth_failure = authenticate()
    if user_id then
        ngx_var.gateway_user_id = user_id
    end
    ngx_var.gateway_auth = user_id and "jwt" or (auth_failure == "missing" and "none"
                                                 or auth_failure)

    -- Refused tokens are counted against the client address first, so guessing tokens
    -- is rate limited like any other anonymous traffic.
    enforce_rate_limit(user_id)

    if service == "" then
        return
    end
    if not user_id and not public then
        return reject(401, AUTH_DETAIL[auth_failure] or "Invalid token",
                      { ["WWW-Authenticate"] = 'Bearer realm="api"' })
    end

    local allowed, retry_after, state = breaker.admit(service, breaker_settings(service))
    ngx_var.gateway_breaker = state
    if not allowed then
        return reject(503, "Service " .. service .. " is unavailable (circuit open)",
                      { ["Retry-After"] = retry_after })
    end
    ngx.ctx.gateway_upstream = service
end

function _M.header_filter()
    local id = ngx_var.gateway_correlation_id
    if id and id ~= "" then
        ngx_header[conf.correlation_header] = id
    end
    local remaining = ngx.ctx.gateway_remaining
    if remaining then
        ngx_header["X-RateLimit-Limit"] = conf.rate_limit.limit
        ngx_header["X-RateLimit-Remaining"] = remaining
    end
end

local function last_status(statuses)
    -- "$upstream_status" lists one status per tried server: "502, 504" or "502 : 200"
    local last
    for status in statuses:gmatch("%d+") do
        last = tonumber(status)
    end
    return last
end

function _M.log()
    local service = ngx.ctx.gateway_upstream
    if not service then
        return
    end
    local statuses = ngx_var.upstream_status
    local status = statuses and last_status(statuses) or ngx.status
    local failed = conf.breaker.failure_statuses[tostring(status)] == true
    breaker.record(service, breaker_settings(service), failed)
end

function _M.not_found()
    return reject(404, "Not Found")
end

return _M
