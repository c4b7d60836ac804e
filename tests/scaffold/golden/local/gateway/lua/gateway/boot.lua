-- Runs once in init_by_lua (master process): reads gateway.json and the JWT keys, checks
-- them, and loads every gateway module so workers inherit them ready to use. Any problem
-- stops nginx from starting with a message that says what to fix.
local cjson = require "cjson.safe"

local _M = {}

local function read_file(path)
    local file, err = io.open(path, "rb")
    if not file then
        return nil, err
    end
    local text = file:read("*a")
    file:close()
    return text
end

local function absolute(prefix, path)
    if path:sub(1, 1) == "/" then
        return path
    end
    return prefix .. path
end

local function split_segments(path)
    local segments = {}
    for segment in path:gmatch("[^/]+") do
        -- "{name}" stands for any one non-empty segment
        segments[#segments + 1] = segment:find("^{.*}$") and true or segment
    end
    return segments
end

local function load_keys(prefix, jwt)
    local keys = {}
    local families = {}
    for _, alg in ipairs(jwt.algorithms) do
        local spec = require("gateway.jwt").ALGORITHMS[alg]
        if not spec then
            error("gateway: unsupported JWT algorithm " .. tostring(alg))
        end
        families[spec.family] = true
    end
    if families.rsa then
        local path = absolute(prefix, jwt.public_key_file)
        local pem, err = read_file(path)
        if not pem then
            error("gateway: an RS* algorithm is allowed but the public key cannot be read: "
                  .. tostring(err) .. " (see README.md, 'JWT keys')")
        end
        local key, bits = require("gateway.openssl").rsa_public_key(pem)
        if not key then
            error("gateway: " .. path .. ": " .. tostring(bits))
        end
        if bits > 0 and bits < 2048 then
            error("gateway: " .. path .. ": RSA keys shorter than 2048 bits are refused")
        end
        keys.rsa = key
    end
    if families.hmac then
        local secret = os.getenv(jwt.secret_env)
        if not secret or #secret < 32 then
            error("gateway: an HS* algorithm is allowed but $" .. jwt.secret_env
                  .. " is unset or shorter than 32 bytes")
        end
        keys.hmac = secret
    end
    return keys
end

function _M.init()
    local prefix = ngx.config.prefix()
    local path = prefix .. "gateway.json"
    local text, err = read_file(path)
    if not text then
        error("gateway: cannot read " .. path .. ": " .. tostring(err)
              .. " (start nginx with -p pointing at the gateway directory)")
    end
    local conf, decode_err = cjson.decode(text)
    if type(conf) ~= "table" then
        error("gateway: " .. path .. " is not valid JSON: " .. tostring(decode_err))
    end

    local jwt = conf.jwt
    local allowed = {}
    for _, alg in ipairs(jwt.algorithms) do
        allowed[alg] = true
    end
    jwt.policy = {
        algorithms = allowed,
        issuer = jwt.issuer ~= cjson.null and jwt.issuer or nil,
        audience = jwt.audience ~= cjson.null and jwt.audience or nil,
        leeway = jwt.leeway,
        require_exp = jwt.require_exp,
    }
    jwt.keys = load_keys(prefix, jwt)

    for _, route in ipairs(conf.public_routes) do
        route.segments = split_segments(route.path)
    end

    local limit = conf.rate_limit
    if limit.redis_password_env and limit.redis_password_env ~= cjson.null then
        limit.redis_password = os.getenv(limit.redis_password_env)
    else
        limit.redis_password = nil
    end

    require("gateway.access").configure(conf)
end

return _M
