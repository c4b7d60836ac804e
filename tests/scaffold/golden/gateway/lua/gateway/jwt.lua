-- JWT (JWS compact) validation: algorithm allow-list, signature, exp/nbf/iss/aud.
-- Each algorithm family is bound to its own key, so an HS256 token can never be checked
-- against the RSA public key (the classic HS/RS confusion).
local cjson = require "cjson.safe"
local base64 = require "ngx.base64"
local openssl = require "gateway.openssl"

local decode_base64url = base64.decode_base64url
local type, tostring, ngx_time = type, tostring, ngx.time

local ALGORITHMS = {
    RS256 = { family = "rsa", digest = "SHA256" },
    RS384 = { family = "rsa", digest = "SHA384" },
    RS512 = { family = "rsa", digest = "SHA512" },
    HS256 = { family = "hmac", digest = "SHA256" },
    HS384 = { family = "hmac", digest = "SHA384" },
    HS512 = { family = "hmac", digest = "SHA512" },
}

-- Tokens larger than this are refused before any decoding work.
local MAX_TOKEN_BYTES = 8192

local _M = { ALGORITHMS = ALGORITHMS }

local function decode_segment(segment)
    local raw = decode_base64url(segment)
    if not raw then
        return nil
    end
    local value = cjson.decode(raw)
    if type(value) ~= "table" then
        return nil
    end
    return value
end

local function audience_matches(aud, expected)
    if type(aud) == "string" then
        return aud == expected
    end
    if type(aud) == "table" then
        for _, value in ipairs(aud) do
            if value == expected then
                return true
            end
        end
    end
    return false
end

local function signature_valid(spec, keys, signing_input, signature)
    if spec.family == "rsa" then
        return keys.rsa ~= nil and openssl.rsa_verify(keys.rsa, spec.digest, signing_input,
                                                      signature)
    end
    if keys.hmac == nil then
        return false
    end
    return openssl.constant_time_equal(openssl.hmac(spec.digest, keys.hmac, signing_input),
                                       signature)
end

-- policy: { algorithms = { RS256 = true, ... }, issuer, audience, leeway, require_exp }
-- keys: { rsa = EVP_PKEY or nil, hmac = secret string or nil }
-- Returns the claims table, or nil and a reason: "malformed", "algorithm", "signature",
-- "expired", "not_yet_valid", "issuer", "audience", "claims".
function _M.verify(token, policy, keys)
    if type(token) ~= "string" or #token > MAX_TOKEN_BYTES then
        return nil, "malformed"
    end
    local header_b64, payload_b64, signature_b64 =
        token:match("^([%w_-]+)%.([%w_-]+)%.([%w_-]+)$")
    if not header_b64 then
        return nil, "malformed"
    end
    local header = decode_segment(header_b64)
    if not header then
        return nil, "malformed"
    end
    local alg = header.alg
    local spec = type(alg) == "string" and policy.algorithms[alg] and ALGORITHMS[alg]
    if not spec then
        return nil, "algorithm"
    end
    -- RFC 7515 4.1.11: extensions we do not understand must not be ignored
    if header.crit ~= nil then
        return nil, "algorithm"
    end
    local signature = decode_base64url(signature_b64)
    if not signature or #signature == 0 then
        return nil, "malformed"
    end
    if not signature_valid(spec, keys, header_b64 .. "." .. payload_b64, signature) then
        return nil, "signature"
    end

    local claims = decode_segment(payload_b64)
    if not claims then
        return nil, "malformed"
    end
    local now, leeway = ngx_time(), policy.leeway
    local exp, nbf = claims.exp, claims.nbf
    if exp == nil then
        if policy.require_exp then
            return nil, "claims"
        end
    elseif type(exp) ~= "number" then
        return nil, "claims"
    elseif now >= exp + leeway then
        return nil, "expired"
    end
    if nbf ~= nil then
        if type(nbf) ~= "number" then
            return nil, "claims"
        end
        if now + leeway < nbf then
            return nil, "not_yet_valid"
        end
    end
    if policy.issuer and claims.iss ~= policy.issuer then
        return nil, "issuer"
    end
    if policy.audience and not audience_matches(claims.aud, policy.audience) then
        return nil, "audience"
    end
    return claims
end

-- The claim as a header-safe string: numbers without a decimal part print as integers.
function _M.claim_string(value)
    if type(value) == "number" then
        if value == math.floor(value) and math.abs(value) < 2 ^ 53 then
            return string.format("%d", value)
        end
        return nil
    end
    if type(value) == "boolean" then
        return tostring(value)
    end
    if type(value) ~= "string" then
        return nil
    end
    return value
end

return _M
