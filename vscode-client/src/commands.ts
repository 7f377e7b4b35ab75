// The Backend Architect server commands offered in the command palette.
//
// Pure module (no `vscode` import) so the argument building and result
// handling are unit tested.

export const COMMAND_NAMES = [
    'QUERY_OPTIMIZE',
    'INDEX_STRATEGY',
    'MIGRATION',
    'SCHEMA_DESIGN',
    'INPUT_VALIDATION',
    'AUTH_SYSTEM',
    'AUTHZ_DESIGN',
    'RATE_LIMITING',
    'CONNECTION_POOL',
    'DESIGN_API',
    'ENDPOINT',
    'SERVICE',
    'REPOSITORY',
    'MIDDLEWARE',
    'MICROSERVICE',
    'EVENT_SYSTEM',
] as const;

export type CommandName = (typeof COMMAND_NAMES)[number];

/** Commands that act on the selection: they also appear in the editor context menu. */
export const SELECTION_COMMANDS: readonly CommandName[] = [
    'QUERY_OPTIMIZE',
    'INDEX_STRATEGY',
    'MIGRATION',
    'INPUT_VALIDATION',
    'SERVICE',
    'REPOSITORY',
    'ENDPOINT',
    'EVENT_SYSTEM',
];

export const RESTART_COMMAND = 'backendArchitect.restart';
export const SHOW_OUTPUT_COMMAND = 'backendArchitect.showOutput';

/**
 * VS Code command id (palette). Deliberately a different prefix from the
 * server's: vscode-languageclient registers the server's
 * `executeCommandProvider` ids (`backend-architect.<NAME>`) as VS Code
 * commands itself, and a second registration of the same id would fail.
 */
export function vscodeCommandId(name: CommandName): string {
    return `backendArchitect.${name}`;
}

/** Command id sent to the server in `workspace/executeCommand`. */
export function serverCommandId(name: CommandName): string {
    return `backend-architect.${name}`;
}

export interface LspPosition {
    line: number;
    character: number;
}

export interface LspRange {
    start: LspPosition;
    end: LspPosition;
}

export interface CommandArgument {
    uri: string;
    range: LspRange;
    version: number;
}

export interface ExecuteCommandParams {
    command: string;
    arguments: CommandArgument[];
}

/** Params of the `workspace/executeCommand` request for one command. */
export function buildExecuteCommandParams(name: CommandName, uri: string, range: LspRange, version: number): ExecuteCommandParams {
    return {
        command: serverCommandId(name),
        arguments: [
            {
                uri,
                range: {
                    start: { line: range.start.line, character: range.start.character },
                    end: { line: range.end.line, character: range.end.character },
                },
                version,
            },
        ],
    };
}

export type ResultMessage = { kind: 'info' | 'error'; message: string };

/**
 * What to show for the server's result: an object with a `message` string is
 * shown as information, or as an error when its `error` field is set (truthy).
 * A bare string result is shown as information. Anything else shows nothing.
 */
export function describeCommandResult(result: unknown): ResultMessage | undefined {
    if (typeof result === 'string') {
        return result.trim() === '' ? undefined : { kind: 'info', message: result };
    }
    if (result === null || typeof result !== 'object' || Array.isArray(result)) {
        return undefined;
    }
    const r = result as Record<string, unknown>;
    const error = r.error;
    const hasError = error !== undefined && error !== null && error !== false && error !== '';
    if (typeof r.message === 'string' && r.message !== '') {
        return { kind: hasError ? 'error' : 'info', message: r.message };
    }
    if (hasError) {
        return { kind: 'error', message: typeof error === 'string' ? error : 'The command failed.' };
    }
    return undefined;
}
