-- Loads Lua modules whose names differ between OpenResty (resty.*) and Debian's
-- lua-nginx-* packages (nginx.*), so one gateway config runs on both.
local _M = {}

function _M.require_any(...)
    local names = { ... }
    local failures = {}
    for _, name in ipairs(names) do
        local ok, module = pcall(require, name)
        if ok then
            return module
        end
        failures[#failures + 1] = module
    end
    error("gateway: none of the Lua modules " .. table.concat(names, ", ")
          .. " can be loaded:\n" .. table.concat(failures, "\n"), 2)
end

return _M
