// Access to the Python extension (ms-python.python), which may be absent,
// inactive, or of an old version: every call is guarded.

import { Disposable, Event, extensions, Uri, WorkspaceFolder } from 'vscode';

export const PYTHON_EXTENSION_ID = 'ms-python.python';

interface EnvironmentPath {
    id: string;
    path: string;
}

interface ResolvedEnvironment {
    executable?: { uri?: Uri };
}

/** The parts of the Python extension's API used here (see @vscode/python-extension). */
interface PythonExtensionApi {
    environments?: {
        getActiveEnvironmentPath(resource?: Uri | WorkspaceFolder): EnvironmentPath;
        resolveEnvironment(environment: EnvironmentPath | string): Promise<ResolvedEnvironment | undefined>;
        onDidChangeActiveEnvironmentPath?: Event<unknown>;
    };
    /** Older API, kept as a fallback. */
    settings?: {
        getExecutionDetails?(resource?: Uri): { execCommand: string[] | undefined };
        onDidChangeExecutionDetails?: Event<Uri | undefined>;
    };
}

async function getApi(): Promise<PythonExtensionApi | undefined> {
    try {
        const extension = extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION_ID);
        if (extension === undefined) {
            return undefined;
        }
        const api = extension.isActive ? extension.exports : await extension.activate();
        return api !== null && typeof api === 'object' ? api : undefined;
    } catch {
        return undefined;
    }
}

export function isPythonExtensionInstalled(): boolean {
    try {
        return extensions.getExtension(PYTHON_EXTENSION_ID) !== undefined;
    } catch {
        return false;
    }
}

/** The active interpreter's executable for `resource`, or undefined. */
export async function getPythonExtensionInterpreter(resource?: WorkspaceFolder): Promise<string | undefined> {
    const api = await getApi();
    if (api === undefined) {
        return undefined;
    }
    try {
        const environments = api.environments;
        if (environments !== undefined && typeof environments.getActiveEnvironmentPath === 'function') {
            const active = environments.getActiveEnvironmentPath(resource);
            const resolved = await environments.resolveEnvironment(active);
            const fsPath = resolved?.executable?.uri?.fsPath;
            if (typeof fsPath === 'string' && fsPath !== '') {
                return fsPath;
            }
        }
    } catch {
        // fall through to the older API
    }
    try {
        const details = api.settings?.getExecutionDetails?.(resource?.uri);
        const command = details?.execCommand;
        if (Array.isArray(command) && command.length === 1 && typeof command[0] === 'string' && command[0] !== '') {
            return command[0];
        }
    } catch {
        // ignore
    }
    return undefined;
}

/** Calls `listener` when the Python extension's active interpreter changes. */
export async function onDidChangePythonInterpreter(listener: () => void): Promise<Disposable | undefined> {
    const api = await getApi();
    if (api === undefined) {
        return undefined;
    }
    try {
        const event = api.environments?.onDidChangeActiveEnvironmentPath;
        if (typeof event === 'function') {
            return event(() => listener());
        }
        const oldEvent = api.settings?.onDidChangeExecutionDetails;
        if (typeof oldEvent === 'function') {
            return oldEvent(() => listener());
        }
    } catch {
        // ignore
    }
    return undefined;
}
