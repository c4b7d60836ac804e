-- Correlation ids: keep a well-formed incoming X-Correlation-ID, otherwise mint a UUIDv4.
-- "Well-formed" is deliberately narrow (8-128 characters of [A-Za-z0-9._:-], starting
-- with a letter or digit) because the id is copied into logs and upstream headers.
local runtime = require "gateway.runtime"
local random = runtime.require_any("resty.random", "nginx.random")
local hex = runtime.require_any("resty.string", "nginx.string")

local WELL_FORMED = [[^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$]]

local _M = {}

function _M.well_formed(value)
    return type(value) == "string" and ngx.re.find(value, WELL_FORMED, "jo") ~= nil
end

function _M.new_id()
    local bytes = random.bytes(16, true)
    if not bytes then
        -- RAND_bytes only fails when OpenSSL cannot seed; ids need uniqueness, not secrecy
        bytes = ngx.sha1_bin(ngx.var.request_id .. ngx.now() .. ngx.worker.pid()):sub(1, 16)
    end
    local h = hex.to_hex(bytes)
    -- RFC 9562 version 4 / variant 10 bits
    local variant = string.format("%x", 8 + tonumber(h:sub(17, 17), 16) % 4)
    return h:sub(1, 8) .. "-" .. h:sub(9, 12) .. "-4" .. h:sub(14, 16) .. "-"
        .. variant .. h:sub(18, 20) .. "-" .. h:sub(21, 32)
end

-- Chooses the request's id, stores it in $gateway_correlation_id and sends it upstream.
function _M.assign(header_name)
    local incoming = ngx.req.get_headers()[header_name]
    if type(incoming) == "table" then
        -- several copies of the header: none of them can be trusted to be the one
        incoming = nil
    end
    local id = incoming
    if not _M.well_formed(id) then
        id = _M.new_id()
    end
    ngx.var.gateway_correlation_id = id
    ngx.req.set_header(header_name, id)
    return id
end

return _M
