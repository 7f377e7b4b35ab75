-- Neovim 0.8 to 0.10 with nvim-lspconfig: register Backend Architect as a custom
-- server, then set it up. (On Neovim 0.11+ use backend_architect.lua instead.)
local lspconfig = require("lspconfig")
local configs = require("lspconfig.configs")

if not configs.backend_architect then
  configs.backend_architect = {
    default_config = {
      cmd = { "backend-architect", "serve" },
      filetypes = { "sql", "python", "typescript", "typescriptreact", "javascript", "javascriptreact", "go", "rust" },
      root_dir = lspconfig.util.root_pattern("backend-architect.toml", "pyproject.toml", "package.json", "go.mod", ".git"),
      single_file_support = true,
      init_options = {
        -- every key is optional; see "Configuration" in the README
        postgresVersion = 15,
      },
    },
  }
end

lspconfig.backend_architect.setup({})
