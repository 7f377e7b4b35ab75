import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import {
    describeServerCommand,
    findExecutableOnPath,
    findOnProcessPath,
    isExecutableFile,
    pythonCanImport,
    resolveServerCommand,
    ResolveDeps,
    serverExecutable,
} from '../server';

function deps(overrides: Partial<ResolveDeps>): ResolveDeps {
    return {
        interpreterSetting: [],
        variables: { workspaceFolder: '/ws' },
        getPythonExtensionInterpreter: () => undefined,
        findOnPath: () => undefined,
        ...overrides,
    };
}

const onPath = (table: Record<string, string>) => (name: string) => table[name];

describe('resolveServerCommand', () => {
    it('(1) uses the interpreter setting first', async () => {
        const r = await resolveServerCommand(
            deps({
                interpreterSetting: ['/opt/py/bin/python'],
                getPythonExtensionInterpreter: () => '/ext/python',
                findOnPath: onPath({ 'backend-architect': '/usr/bin/backend-architect' }),
            }),
        );
        assert.ok(r.ok);
        assert.deepEqual(r.server, {
            command: '/opt/py/bin/python',
            args: ['-m', 'backend_architect', 'serve'],
            source: 'setting',
        });
    });

    it('passes extra setting elements before -m and expands ${workspaceFolder}', async () => {
        const r = await resolveServerCommand(deps({ interpreterSetting: ['${workspaceFolder}/.venv/bin/python', '-X', 'utf8'] }));
        assert.ok(r.ok);
        assert.equal(r.server.command, '/ws/.venv/bin/python');
        assert.deepEqual(r.server.args, ['-X', 'utf8', '-m', 'backend_architect', 'serve']);
    });

    it('resolves a relative interpreter path against the workspace folder', async () => {
        const r = await resolveServerCommand(deps({ interpreterSetting: ['.venv/bin/python'] }));
        assert.ok(r.ok);
        assert.equal(r.server.command, path.resolve('/ws', '.venv/bin/python'));
    });

    it('looks a bare interpreter name up on PATH', async () => {
        const r = await resolveServerCommand(
            deps({ interpreterSetting: ['python3'], findOnPath: onPath({ python3: '/usr/bin/python3' }) }),
        );
        assert.ok(r.ok);
        assert.equal(r.server.command, '/usr/bin/python3');
        assert.equal(r.server.source, 'setting');
    });

    it('skips a setting whose executable does not exist, with a note', async () => {
        const r = await resolveServerCommand(
            deps({
                interpreterSetting: ['/missing/python'],
                isExecutable: (f) => f === '/ext/python',
                getPythonExtensionInterpreter: () => '/ext/python',
            }),
        );
        assert.ok(r.ok);
        assert.equal(r.server.source, 'python-extension');
        assert.match(r.notes.join('\n'), /\/missing\/python/);
    });

    it('keeps an explicit interpreter that cannot import the module, with a note', async () => {
        const r = await resolveServerCommand(
            deps({ interpreterSetting: ['/opt/python'], hasServerModule: () => false, getPythonExtensionInterpreter: () => '/ext/python' }),
        );
        assert.ok(r.ok);
        assert.equal(r.server.command, '/opt/python');
        assert.match(r.notes.join('\n'), /cannot import backend_architect/);
    });

    it('(2) uses the Python extension interpreter when no setting', async () => {
        const r = await resolveServerCommand(
            deps({
                getPythonExtensionInterpreter: () => Promise.resolve('/ext/venv/bin/python'),
                findOnPath: onPath({ 'backend-architect': '/usr/bin/backend-architect' }),
            }),
        );
        assert.ok(r.ok);
        assert.deepEqual(r.server, {
            command: '/ext/venv/bin/python',
            args: ['-m', 'backend_architect', 'serve'],
            source: 'python-extension',
        });
    });

    it('survives a Python extension lookup that throws', async () => {
        const r = await resolveServerCommand(
            deps({
                getPythonExtensionInterpreter: () => {
                    throw new Error('boom');
                },
                findOnPath: onPath({ 'backend-architect': '/usr/bin/backend-architect' }),
            }),
        );
        assert.ok(r.ok);
        assert.equal(r.server.source, 'path');
        assert.match(r.notes.join('\n'), /boom/);
    });

    it('skips the Python extension interpreter when it lacks backend_architect', async () => {
        const r = await resolveServerCommand(
            deps({
                getPythonExtensionInterpreter: () => '/ext/python',
                hasServerModule: (python) => python !== '/ext/python',
                findOnPath: onPath({ 'backend-architect': '/home/u/.local/bin/backend-architect' }),
            }),
        );
        assert.ok(r.ok);
        assert.equal(r.server.source, 'path');
        assert.match(r.notes.join('\n'), /cannot import backend_architect/);
    });

    it('keeps the Python extension interpreter when the module check cannot tell', async () => {
        const r = await resolveServerCommand(
            deps({ getPythonExtensionInterpreter: () => '/ext/python', hasServerModule: () => undefined }),
        );
        assert.ok(r.ok);
        assert.equal(r.server.source, 'python-extension');
    });

    it('(3) falls back to backend-architect on PATH with just "serve"', async () => {
        const r = await resolveServerCommand(deps({ findOnPath: onPath({ 'backend-architect': '/usr/local/bin/backend-architect' }) }));
        assert.ok(r.ok);
        assert.deepEqual(r.server, { command: '/usr/local/bin/backend-architect', args: ['serve'], source: 'path' });
    });

    it('fails with a note for every step when nothing works', async () => {
        const r = await resolveServerCommand(deps({ interpreterSetting: ['nopython'] }));
        assert.equal(r.ok, false);
        assert.equal(r.notes.length, 3);
        assert.match(r.notes[0], /nopython/);
        assert.match(r.notes[1], /Python extension/);
        assert.match(r.notes[2], /backend-architect/);
    });
});

describe('describeServerCommand', () => {
    it('quotes arguments with spaces and names the source', () => {
        assert.equal(
            describeServerCommand({ command: '/My Py/python', args: ['-m', 'backend_architect', 'serve'], source: 'setting' }),
            '"/My Py/python" -m backend_architect serve (from backendArchitect.interpreter)',
        );
        assert.equal(describeServerCommand({ command: 'ba', args: ['serve'], source: 'path' }), 'ba serve (from PATH)');
    });
});

describe('serverExecutable', () => {
    it('launches exactly the resolved command, over stdio without a transport (no --stdio appended)', () => {
        const exe = serverExecutable(
            { command: '/py', args: ['-m', 'backend_architect', 'serve'], source: 'setting' },
            '/ws',
            { PATH: '/usr/bin' },
        );
        assert.equal(exe.command, '/py');
        assert.deepEqual(exe.args, ['-m', 'backend_architect', 'serve']);
        assert.equal(exe.options.cwd, '/ws');
        assert.equal(exe.options.env.PATH, '/usr/bin');
        assert.equal(exe.options.env.PYTHONUNBUFFERED, '1');
        assert.ok(!('transport' in exe));
    });
});

describe('findExecutableOnPath', () => {
    it('returns the first match in PATH order (posix)', () => {
        const existing = new Set(['/b/tool', '/c/tool']);
        const found = findExecutableOnPath('tool', { pathEnv: '/a::/b:/c', platform: 'linux', isExecutable: (f) => existing.has(f) });
        assert.equal(found, '/b/tool');
    });

    it('returns undefined when absent or PATH is unset', () => {
        assert.equal(findExecutableOnPath('tool', { pathEnv: '/a', platform: 'linux', isExecutable: () => false }), undefined);
        assert.equal(findExecutableOnPath('tool', { pathEnv: undefined, platform: 'linux', isExecutable: () => true }), undefined);
    });

    it('tries PATHEXT extensions on Windows', () => {
        const existing = new Set(['C:\\Py\\Scripts\\backend-architect.EXE']);
        const found = findExecutableOnPath('backend-architect', {
            pathEnv: 'C:\\Windows;"C:\\Py\\Scripts"',
            platform: 'win32',
            pathExt: '.COM;.EXE',
            isExecutable: (f) => existing.has(f),
        });
        assert.equal(found, 'C:\\Py\\Scripts\\backend-architect.EXE');
    });

    it('checks a name with a slash directly', () => {
        assert.equal(findExecutableOnPath('./x', { pathEnv: '/a', platform: 'linux', isExecutable: (f) => f === './x' }), './x');
    });
});

describe('file-system helpers', () => {
    it('isExecutableFile and findOnProcessPath see a real executable', () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ba-path-'));
        try {
            const exe = path.join(dir, 'backend-architect');
            fs.writeFileSync(exe, '#!/bin/sh\n');
            fs.chmodSync(exe, 0o644);
            if (process.platform !== 'win32') {
                assert.equal(isExecutableFile(exe), false);
            }
            fs.chmodSync(exe, 0o755);
            assert.equal(isExecutableFile(exe), true);
            assert.equal(isExecutableFile(dir), false);
            assert.equal(isExecutableFile(path.join(dir, 'missing')), false);
            if (process.platform !== 'win32') {
                assert.equal(findOnProcessPath('backend-architect', { PATH: `/nonexistent:${dir}` }), exe);
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    const python = findOnProcessPath('python3');
    it('pythonCanImport tells importable from missing modules', { skip: python === undefined ? 'no python3 on PATH' : false }, async () => {
        assert.equal(await pythonCanImport(python as string, 'json'), true);
        assert.equal(await pythonCanImport(python as string, 'no_such_module_backend_architect_test'), false);
    });

    it('pythonCanImport cannot tell for a missing interpreter', async () => {
        assert.equal(await pythonCanImport('/nonexistent/python', 'json'), undefined);
    });
});
