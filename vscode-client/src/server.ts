// How to launch the Backend Architect language server.
//
// Pure module (no `vscode` import): every look-up is injected, so the
// resolution order is unit tested without VS Code.
//
// Resolution order:
//   1. `backendArchitect.interpreter` setting -> `<python> [extra args] -m backend_architect serve`
//   2. the Python extension's active interpreter -> `<python> -m backend_architect serve`
//   3. `backend-architect` on PATH -> `backend-architect serve`

import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { expandVariables, VariableContext } from './settings';

export const SERVER_MODULE = 'backend_architect';
export const SERVER_EXECUTABLE = 'backend-architect';
export const SERVE_ARGS: readonly string[] = ['serve'];

export type InterpreterSource = 'setting' | 'python-extension' | 'path';

export interface ServerCommand {
    command: string;
    args: string[];
    source: InterpreterSource;
}

type MaybePromise<T> = T | Promise<T>;

export interface ResolveDeps {
    /** Normalized `backendArchitect.interpreter` (variables not yet expanded). */
    interpreterSetting: readonly string[];
    /** Values for `${workspaceFolder}` and friends. */
    variables: VariableContext;
    /** The Python extension's active interpreter, or undefined when absent. */
    getPythonExtensionInterpreter: () => MaybePromise<string | undefined>;
    /** Full path of an executable found on PATH, or undefined. */
    findOnPath: (name: string) => MaybePromise<string | undefined>;
    /** Whether a path names an existing executable file. Skipped when absent. */
    isExecutable?: (file: string) => MaybePromise<boolean>;
    /**
     * Whether `python` can import `backend_architect` (undefined = could not
     * tell). Skipped when absent.
     */
    hasServerModule?: (python: string) => MaybePromise<boolean | undefined>;
}

export type Resolution =
    | { ok: true; server: ServerCommand; notes: string[] }
    | { ok: false; notes: string[] };

function looksLikePath(file: string): boolean {
    return file.includes('/') || file.includes('\\') || path.isAbsolute(file);
}

function pythonCommand(python: string, extraArgs: readonly string[], source: InterpreterSource): ServerCommand {
    return { command: python, args: [...extraArgs, '-m', SERVER_MODULE, ...SERVE_ARGS], source };
}

async function resolveFromSetting(deps: ResolveDeps, notes: string[]): Promise<ServerCommand | undefined> {
    if (deps.interpreterSetting.length === 0) {
        return undefined;
    }
    const [rawExecutable, ...rawArgs] = deps.interpreterSetting.map((item) => expandVariables(item, deps.variables));
    const extraArgs = rawArgs.filter((a) => a !== '');
    let executable = rawExecutable;
    if (looksLikePath(executable)) {
        if (!path.isAbsolute(executable) && deps.variables.workspaceFolder !== undefined) {
            executable = path.resolve(deps.variables.workspaceFolder, executable);
        }
        if (deps.isExecutable !== undefined && !(await deps.isExecutable(executable))) {
            notes.push(`backendArchitect.interpreter: "${executable}" does not exist or is not executable.`);
            return undefined;
        }
    } else {
        const found = await deps.findOnPath(executable);
        if (found === undefined) {
            notes.push(`backendArchitect.interpreter: "${executable}" was not found on PATH.`);
            return undefined;
        }
        executable = found;
    }
    if (deps.hasServerModule !== undefined && (await deps.hasServerModule(executable)) === false) {
        // An explicit choice is honoured; the server's own error will say more.
        notes.push(`backendArchitect.interpreter: "${executable}" cannot import ${SERVER_MODULE}; using it anyway because it is set explicitly.`);
    }
    return pythonCommand(executable, extraArgs, 'setting');
}

async function resolveFromPythonExtension(deps: ResolveDeps, notes: string[]): Promise<ServerCommand | undefined> {
    let python: string | undefined;
    try {
        python = await deps.getPythonExtensionInterpreter();
    } catch (err) {
        notes.push(`Python extension: failed to get the active interpreter (${String(err)}).`);
        return undefined;
    }
    if (python === undefined || python.trim() === '') {
        notes.push('Python extension: not installed, or no active interpreter.');
        return undefined;
    }
    if (deps.isExecutable !== undefined && !(await deps.isExecutable(python))) {
        notes.push(`Python extension: active interpreter "${python}" does not exist or is not executable.`);
        return undefined;
    }
    if (deps.hasServerModule !== undefined && (await deps.hasServerModule(python)) === false) {
        notes.push(`Python extension: active interpreter "${python}" cannot import ${SERVER_MODULE} (pip install backend-architect).`);
        return undefined;
    }
    return pythonCommand(python, [], 'python-extension');
}

async function resolveFromPath(deps: ResolveDeps, notes: string[]): Promise<ServerCommand | undefined> {
    const found = await deps.findOnPath(SERVER_EXECUTABLE);
    if (found === undefined) {
        notes.push(`PATH: no "${SERVER_EXECUTABLE}" executable found.`);
        return undefined;
    }
    return { command: found, args: [...SERVE_ARGS], source: 'path' };
}

/** Applies the resolution order; `notes` explains every step that was skipped. */
export async function resolveServerCommand(deps: ResolveDeps): Promise<Resolution> {
    const notes: string[] = [];
    const steps = [resolveFromSetting, resolveFromPythonExtension, resolveFromPath];
    for (const step of steps) {
        const server = await step(deps, notes);
        if (server !== undefined) {
            return { ok: true, server, notes };
        }
    }
    return { ok: false, notes };
}

/** Structurally a vscode-languageclient `Executable`. */
export interface ServerExecutable {
    command: string;
    args: string[];
    options: { cwd?: string; env: Record<string, string | undefined> };
}

/**
 * The language client's server options. `transport` is deliberately left
 * unset: the client then talks over stdio without appending `--stdio` to the
 * arguments (it does append it for `TransportKind.stdio`), so the process is
 * exactly `<python> -m backend_architect serve`.
 */
export function serverExecutable(server: ServerCommand, cwd: string | undefined, env: NodeJS.ProcessEnv): ServerExecutable {
    return {
        command: server.command,
        args: [...server.args],
        options: { cwd, env: { ...env, PYTHONUNBUFFERED: '1' } },
    };
}

/** A one-line description for the output channel. */
export function describeServerCommand(server: ServerCommand): string {
    const from = { setting: 'backendArchitect.interpreter', 'python-extension': 'Python extension', path: 'PATH' }[server.source];
    const quote = (s: string): string => (/[\s"']/.test(s) ? JSON.stringify(s) : s);
    return `${[server.command, ...server.args].map(quote).join(' ')} (from ${from})`;
}

export const NO_SERVER_MESSAGE =
    'Backend Architect: cannot start the language server. Set "backendArchitect.interpreter" to a Python ' +
    'interpreter that has backend-architect installed, select one in the Python extension, or put the ' +
    '"backend-architect" executable on PATH.';

export interface PathLookupOptions {
    pathEnv: string | undefined;
    platform: NodeJS.Platform;
    /** Windows PATHEXT, e.g. ".COM;.EXE;.BAT;.CMD". */
    pathExt?: string;
    isExecutable: (file: string) => boolean;
}

/** Finds `name` in the directories of a PATH string, like `which`. */
export function findExecutableOnPath(name: string, opts: PathLookupOptions): string | undefined {
    const p = opts.platform === 'win32' ? path.win32 : path.posix;
    const delimiter = opts.platform === 'win32' ? ';' : ':';
    const extensions =
        opts.platform === 'win32'
            ? ['', ...(opts.pathExt ?? '.COM;.EXE;.BAT;.CMD').split(';').filter((e) => e !== '')]
            : [''];
    if (name.includes('/') || (opts.platform === 'win32' && name.includes('\\'))) {
        return extensions.map((ext) => name + ext).find((file) => opts.isExecutable(file));
    }
    for (const dir of (opts.pathEnv ?? '').split(delimiter)) {
        if (dir === '') {
            continue;
        }
        for (const ext of extensions) {
            const candidate = p.join(dir.replace(/^"(.*)"$/, '$1'), name + ext);
            if (opts.isExecutable(candidate)) {
                return candidate;
            }
        }
    }
    return undefined;
}

/** `isExecutable` backed by the file system. */
export function isExecutableFile(file: string): boolean {
    try {
        if (!fs.statSync(file).isFile()) {
            return false;
        }
        if (process.platform !== 'win32') {
            fs.accessSync(file, fs.constants.X_OK);
        }
        return true;
    } catch {
        return false;
    }
}

/** `findOnPath` for the current process. */
export function findOnProcessPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
    return findExecutableOnPath(name, {
        pathEnv: env.PATH ?? env.Path,
        platform: process.platform,
        pathExt: env.PATHEXT,
        isExecutable: isExecutableFile,
    });
}

/**
 * Runs `python -c "import importlib.util ..."` to tell whether `module` is
 * importable. Resolves undefined when it cannot tell (timeout, spawn error).
 */
export function pythonCanImport(python: string, module: string = SERVER_MODULE, timeoutMs = 10000): Promise<boolean | undefined> {
    const code = 'import importlib.util, sys; sys.exit(0 if importlib.util.find_spec(sys.argv[1]) else 3)';
    return new Promise((resolve) => {
        execFile(python, ['-c', code, module], { timeout: timeoutMs, windowsHide: true }, (error) => {
            if (error === null) {
                resolve(true);
            } else if (typeof error.code === 'number' && error.code === 3) {
                resolve(false);
            } else {
                resolve(undefined);
            }
        });
    });
}
