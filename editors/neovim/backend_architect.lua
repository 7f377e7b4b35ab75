-- Neovim 0.11+: start Backend Architect for SQL, Python, TypeScript, JavaScript, Go and Rust.
-- Put this file on your runtimepath (e.g. ~/.config/nvim/lua/backend_architect.lua)
-- and `require("backend_architect")`, or paste it into init.lua.
vim.lsp.config("backend_architect", {
  cmd = { "backend-architect", "serve" },
  filetypes = { "sql", "python", "typescript", "typescriptreact", "javascript", "javascriptreact", "go", "rust" },
  root_markers = { "backend-architect.toml", "pyproject.toml", "package.json", "go.mod", ".git" },
  init_options = {
    -- every key is optional; see "Configuration" in the README
    postgresVersion = 15,
  },
})
vim.lsp.enable("backend_architect")
