// Drives VS Code (code-server, already running with the Backend Architect .vsix
// installed) in headless Chromium through the editor scenario of tests/e2e/editors:
// open the migration from the explorer, wait for the squiggle, open the Problems
// panel, Ctrl+. on the MG001 line and accept the preferred quick fix, Ctrl+S, then
// run one palette command and read its notification. Screenshots go to
// $BA_ARTIFACTS; everything seen is written as JSON to $BA_REPORT for the Python test
// (tests/e2e/editors/test_vscode.py), which makes the assertions.
//
// Environment: BA_URL (code-server), BA_WORKSPACE (folder), BA_FILE (path relative to
// it), BA_LINE (1-based line of the finding), BA_FIX_TITLE, BA_COMMAND (e.g.
// MIGRATION), BA_EXPECT_TOAST (text the command's notification must contain),
// BA_CHROMIUM, BA_ARTIFACTS, BA_REPORT.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const env = (name) => {
    const value = process.env[name];
    if (value === undefined || value === '') throw new Error(`${name} is not set`);
    return value;
};
const artifacts = env('BA_ARTIFACTS');
const file = path.join(env('BA_WORKSPACE'), env('BA_FILE'));
const fixTitle = env('BA_FIX_TITLE');
const command = env('BA_COMMAND');
const expectToast = process.env.BA_EXPECT_TOAST ?? ''; // '' = any notification
const original = fs.readFileSync(file, 'utf8');

const t0 = Date.now();
const report = { steps: [], console: [] };
const step = (name, extra = {}) => {
    report.steps.push({ name, ms: Date.now() - t0, ...extra });
    console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${name}`);
};
const clean = (text) => text.replace(/\s+/g, ' ').trim();

const browser = await chromium.launch({
    executablePath: env('BA_CHROMIUM'),
    headless: true,
    // the flags Chromium needs on a machine without a network or a GPU
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--disable-quic'],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
page.on('pageerror', (e) => report.console.push('pageerror: ' + e.message));
const shot = async (name) => {
    const p = path.join(artifacts, name);
    await page.screenshot({ path: p });
    return p;
};
const statusText = async () =>
    (await page.locator('.statusbar-item').allInnerTexts()).filter((t) => t.includes('Backend Architect')).map(clean).join(' | ');

let code = 0;
try {
    await page.goto(`${env('BA_URL')}/?folder=${encodeURIComponent(env('BA_WORKSPACE'))}`);
    await page.waitForSelector('.monaco-workbench', { timeout: 90000 });
    step('workbench up');

    // open the file from the explorer, folder by folder
    const parts = env('BA_FILE').split('/');
    for (const part of parts) {
        await page.locator('.explorer-folders-view .monaco-list-row', { hasText: part }).first().click({ timeout: 30000 });
    }
    await page.waitForSelector('.monaco-editor .view-line', { timeout: 30000 });
    step('editor open');

    await page.waitForSelector('.monaco-editor .squiggly-warning, .monaco-editor .squiggly-error', { timeout: 60000 });
    report.squiggles = {
        warning: await page.locator('.monaco-editor .squiggly-warning').count(),
        error: await page.locator('.monaco-editor .squiggly-error').count(),
    };
    step('squiggles shown', report.squiggles);
    report.status = await statusText();

    // Problems panel
    await page.keyboard.press('Control+Shift+M');
    await page.waitForSelector('.markers-panel .monaco-list-row', { timeout: 15000 });
    await page.waitForTimeout(500);
    report.problems = (await page.locator('.markers-panel .monaco-list-row').allInnerTexts()).map(clean);
    report.problemsShot = await shot('problems-panel.png');
    step('problems panel open');

    // back to the editor, cursor on the finding's line, Ctrl+.
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+G');
    await page.waitForSelector('.quick-input-widget input', { timeout: 10000 });
    await page.keyboard.type(env('BA_LINE'));
    await page.keyboard.press('Enter');
    await page.waitForTimeout(300);
    await page.keyboard.press('Control+.');
    await page.waitForSelector('.action-widget .monaco-list-row.action', { timeout: 15000 });
    await page.waitForTimeout(500);
    const rows = page.locator('.action-widget .monaco-list-row.action');
    report.quickFixes = (await rows.allInnerTexts()).map(clean);
    report.focusedFirst = clean(await page.locator('.action-widget .monaco-list-row.focused').innerText());
    report.quickFixShot = await shot('quick-fix-menu.png');
    step('quick fix menu open', { items: report.quickFixes });

    // Enter takes the focused item; move the focus to the preferred fix if needed
    let moves = 0;
    while (!clean(await page.locator('.action-widget .monaco-list-row.focused').innerText()).includes(fixTitle)) {
        if (++moves > report.quickFixes.length) throw new Error(`"${fixTitle}" is not in the quick fix menu`);
        await page.keyboard.press('ArrowDown');
    }
    report.arrowDowns = moves;
    await page.keyboard.press('Enter');
    await page.waitForSelector('.action-widget', { state: 'hidden', timeout: 10000 });
    step('quick fix accepted');

    await page.keyboard.press('Control+S');
    const deadline = Date.now() + 15000;
    while (fs.readFileSync(file, 'utf8') === original && Date.now() < deadline) await page.waitForTimeout(100);
    report.disk = fs.readFileSync(file, 'utf8');
    step('saved', { changed: report.disk !== original });
    // the server re-checks the edited text: MG001 leaves the Problems panel
    const problemRows = async () => (await page.locator('.markers-panel .monaco-list-row').allInnerTexts()).map(clean);
    const until = Date.now() + 15000;
    while ((await problemRows()).some((r) => r.includes('MG001')) && Date.now() < until) await page.waitForTimeout(200);
    report.problemsAfter = await problemRows();

    // one command from the palette, with its notification
    await page.keyboard.press('F1');
    await page.waitForSelector('.quick-input-widget input', { timeout: 10000 });
    await page.keyboard.type(`Backend Architect: ${command}`, { delay: 10 });
    await page.waitForTimeout(800);
    report.paletteFirst = clean(await page.locator('.quick-input-list .monaco-list-row').first().innerText());
    await page.keyboard.press('Enter');
    const toast = page.locator('.notification-toast', { hasText: expectToast });
    await toast.first().waitFor({ timeout: 20000 });
    report.toast = clean(await toast.first().innerText());
    report.toastIsError = (await toast.first().locator('.codicon-error').count()) > 0;
    await page.waitForTimeout(700); // let the toast finish sliding in
    report.commandShot = await shot('palette-command.png');
    step('command notification shown');
} catch (err) {
    report.error = String(err && err.stack ? err.stack : err);
    code = 1;
    try {
        await shot('failure.png');
    } catch {
        // the page may be gone
    }
} finally {
    await browser.close();
    fs.writeFileSync(env('BA_REPORT'), JSON.stringify(report, null, 2));
}
process.exit(code);
