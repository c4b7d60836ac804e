-- Signature checks for JWTs with the OpenSSL library nginx is already linked against,
-- through LuaJIT FFI: EVP_DigestVerify for RSA (RS256/384/512), HMAC for HS256/384/512.
local ffi = require "ffi"
local bit = require "bit"

local C = ffi.C
local ffi_new, ffi_str, ffi_gc = ffi.new, ffi.string, ffi.gc
local byte, bor, bxor = string.byte, bit.bor, bit.bxor

-- One declaration per cdef call: another module (resty.aes, lua-resty-openssl) may have
-- declared some of them already, and a redefinition must not stop the others. The struct
-- names match resty.aes so either order of loading works.
local DECLARATIONS = {
    "typedef struct engine_st ENGINE;",
    "typedef struct env_md_ctx_st EVP_MD_CTX;",
    "typedef struct env_md_st EVP_MD;",
    "typedef struct bio_st BIO;",
    "typedef struct evp_pkey_st EVP_PKEY;",
    "typedef struct evp_pkey_ctx_st EVP_PKEY_CTX;",
    "const EVP_MD *EVP_sha256(void);",
    "const EVP_MD *EVP_sha384(void);",
    "const EVP_MD *EVP_sha512(void);",
    "BIO *BIO_new_mem_buf(const void *buf, int len);",
    "int BIO_free(BIO *a);",
    "EVP_PKEY *PEM_read_bio_PUBKEY(BIO *bp, EVP_PKEY **x, void *cb, void *u);",
    "void EVP_PKEY_free(EVP_PKEY *pkey);",
    "int EVP_PKEY_get_base_id(const EVP_PKEY *pkey);",
    "int EVP_PKEY_base_id(const EVP_PKEY *pkey);",
    "int EVP_PKEY_get_bits(const EVP_PKEY *pkey);",
    "int EVP_PKEY_bits(const EVP_PKEY *pkey);",
    "EVP_MD_CTX *EVP_MD_CTX_new(void);",
    "void EVP_MD_CTX_free(EVP_MD_CTX *ctx);",
    "int EVP_DigestVerifyInit(EVP_MD_CTX *ctx, EVP_PKEY_CTX **pctx, const EVP_MD *type,"
        .. " ENGINE *e, EVP_PKEY *pkey);",
    "int EVP_DigestVerify(EVP_MD_CTX *ctx, const void *sig, size_t siglen,"
        .. " const void *tbs, size_t tbslen);",
    "unsigned char *HMAC(const EVP_MD *evp_md, const void *key, int key_len,"
        .. " const void *d, size_t n, unsigned char *md, unsigned int *md_len);",
    "void ERR_clear_error(void);",
}
for _, declaration in ipairs(DECLARATIONS) do
    pcall(ffi.cdef, declaration)
end

local function resolves(lib, symbol)
    return (pcall(function() return lib[symbol] end))
end

-- nginx (Debian and OpenResty alike) links libcrypto dynamically, so its symbols are
-- normally global; a statically linked build falls back to loading the shared library.
local crypto = C
if not resolves(C, "EVP_DigestVerify") then
    crypto = nil
    for _, name in ipairs({ "crypto", "libcrypto.so.3", "libcrypto.so.1.1" }) do
        local ok, lib = pcall(ffi.load, name)
        if ok and resolves(lib, "EVP_DigestVerify") then
            crypto = lib
            break
        end
    end
    if not crypto then
        error("gateway: OpenSSL >= 1.1.1 (EVP_DigestVerify) is not available to LuaJIT")
    end
end

local function first_symbol(...)
    for _, symbol in ipairs({ ... }) do
        if resolves(crypto, symbol) then
            return crypto[symbol]
        end
    end
end

-- OpenSSL 3 renamed these (the old names became macros).
local pkey_base_id = first_symbol("EVP_PKEY_get_base_id", "EVP_PKEY_base_id")
local pkey_bits = first_symbol("EVP_PKEY_get_bits", "EVP_PKEY_bits")

local EVP_PKEY_RSA = 6
local DIGESTS = {
    SHA256 = crypto.EVP_sha256(),
    SHA384 = crypto.EVP_sha384(),
    SHA512 = crypto.EVP_sha512(),
}

local _M = {}

-- Parses a PEM SubjectPublicKeyInfo ("BEGIN PUBLIC KEY") RSA key.
-- Returns the key (freed by the garbage collector) and its size in bits, or nil and why.
function _M.rsa_public_key(pem)
    local bio = crypto.BIO_new_mem_buf(pem, #pem)
    if bio == nil then
        return nil, "BIO_new_mem_buf failed"
    end
    local pkey = crypto.PEM_read_bio_PUBKEY(bio, nil, nil, nil)
    crypto.BIO_free(bio)
    if pkey == nil then
        crypto.ERR_clear_error()
        return nil, "not a PEM public key (expected -----BEGIN PUBLIC KEY-----)"
    end
    pkey = ffi_gc(pkey, crypto.EVP_PKEY_free)
    if pkey_base_id and pkey_base_id(pkey) ~= EVP_PKEY_RSA then
        return nil, "the public key is not an RSA key"
    end
    local bits = pkey_bits and tonumber(pkey_bits(pkey)) or 0
    return pkey, bits
end

-- True when sig is a valid RSASSA-PKCS1-v1_5 signature of data under pkey.
function _M.rsa_verify(pkey, digest, data, sig)
    local md = DIGESTS[digest]
    local ctx = crypto.EVP_MD_CTX_new()
    if md == nil or ctx == nil then
        return false
    end
    local ok = crypto.EVP_DigestVerifyInit(ctx, nil, md, nil, pkey) == 1
        and crypto.EVP_DigestVerify(ctx, sig, #sig, data, #data) == 1
    crypto.EVP_MD_CTX_free(ctx)
    -- a failed verification leaves an entry on the thread's error queue
    crypto.ERR_clear_error()
    return ok
end

function _M.hmac(digest, key, data)
    local md = DIGESTS[digest]
    if md == nil then
        return nil
    end
    local out = ffi_new("unsigned char[64]")
    local out_len = ffi_new("unsigned int[1]")
    if crypto.HMAC(md, key, #key, data, #data, out, out_len) == nil then
        crypto.ERR_clear_error()
        return nil
    end
    return ffi_str(out, out_len[0])
end

-- Compares two strings in time that depends on their length only, so an HMAC check
-- does not tell an attacker how many leading bytes of a forged signature were right.
function _M.constant_time_equal(a, b)
    if type(a) ~= "string" or type(b) ~= "string" or #a ~= #b then
        return false
    end
    local diff = 0
    for i = 1, #a do
        diff = bor(diff, bxor(byte(a, i), byte(b, i)))
    end
    return diff == 0
end

return _M
