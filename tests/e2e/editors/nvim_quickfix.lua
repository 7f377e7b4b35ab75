-- Drives headless Neovim (0.11+) through the editor scenario of tests/e2e/editors:
-- load the README's config file unchanged, open the migration, wait for MG001, read
-- the hover window, apply the preferred quick fix with vim.lsp.buf.code_action{apply},
-- and :write. Everything seen is written as JSON to $BA_REPORT for the Python test.
--
--   nvim --headless --clean -u nvim_quickfix.lua
--   with BA_FILE=the migration, BA_NVIM_CONFIG=editors/neovim/backend_architect.lua
--   and BA_REPORT=report.json
local report = { steps = {}, offered = {} }
local t0 = vim.uv.hrtime()

local function step(name)
  table.insert(report.steps, { name = name, ms = math.floor((vim.uv.hrtime() - t0) / 1e6) })
end

local function finish(code)
  local f = assert(io.open(assert(vim.env.BA_REPORT), "w"))
  f:write(vim.json.encode(report))
  f:close()
  vim.cmd(code == 0 and "qall!" or ("cquit! " .. code))
end

local function run()
  dofile(assert(vim.env.BA_NVIM_CONFIG)) -- vim.lsp.config + vim.lsp.enable, as in the README
  step("config loaded")
  vim.cmd.edit(vim.fn.fnameescape(assert(vim.env.BA_FILE)))
  local buf = vim.api.nvim_get_current_buf()
  report.filetype = vim.bo[buf].filetype

  local diag
  local found = vim.wait(30000, function()
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if d.code == "MG001" then
        diag = d
        return true
      end
    end
    return false
  end, 50)
  report.clients = vim.tbl_map(function(c)
    return { name = c.name, cmd = c.config.cmd, root_dir = c.root_dir }
  end, vim.lsp.get_clients({ bufnr = buf }))
  report.diagnostics = vim.tbl_map(function(d)
    return { code = d.code, lnum = d.lnum, col = d.col, source = d.source, message = d.message }
  end, vim.diagnostic.get(buf))
  assert(found, "no MG001 diagnostic within 30 s")
  step("MG001 published")

  -- hover on the diagnostic: the floating window Neovim opens shows the rule doc
  vim.api.nvim_win_set_cursor(0, { diag.lnum + 1, diag.col })
  local main_win = vim.api.nvim_get_current_win()
  vim.lsp.buf.hover()
  local float
  assert(vim.wait(10000, function()
    for _, w in ipairs(vim.api.nvim_list_wins()) do
      if vim.api.nvim_win_get_config(w).relative ~= "" then
        float = w
        return true
      end
    end
    return false
  end, 50), "no hover window")
  report.hover = table.concat(vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(float), 0, -1, false), "\n")
  vim.api.nvim_win_close(float, true)
  vim.api.nvim_set_current_win(main_win)
  step("hover shown")

  -- the preferred quick fix, applied without a prompt because the filter leaves one
  local tick = vim.b[buf].changedtick
  vim.lsp.buf.code_action({
    apply = true,
    context = { only = { "quickfix" } },
    filter = function(action)
      table.insert(report.offered, { title = action.title, isPreferred = action.isPreferred == true })
      return action.isPreferred == true
    end,
  })
  assert(vim.wait(10000, function()
    return vim.b[buf].changedtick ~= tick
  end, 50), "the quick fix did not change the buffer")
  step("quick fix applied")
  vim.cmd.write()
  report.modified_after_write = vim.bo[buf].modified
  step("written")
end

-- run once start-up is over (filetype detection on, event loop running)
vim.api.nvim_create_autocmd("VimEnter", {
  once = true,
  callback = vim.schedule_wrap(function()
    local ok, err = xpcall(run, debug.traceback)
    if not ok then
      report.error = tostring(err)
    end
    finish(ok and 0 or 1)
  end),
})
