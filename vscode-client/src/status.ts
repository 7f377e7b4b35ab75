// Status bar text for the Backend Architect language server.
//
// Pure module (no `vscode` import) so the formatting is unit tested.

export const STATUS_NOTIFICATION = 'backendArchitect/status';

export type ServerStatus =
    | { kind: 'starting' }
    | { kind: 'indexing'; message?: string; done?: number; total?: number }
    | { kind: 'ready'; message?: string }
    | { kind: 'error'; message?: string }
    | { kind: 'stopped' }
    | { kind: 'disabled' };

export interface StatusPresentation {
    text: string;
    tooltip: string;
    /** True when the item should use the error background. */
    isError: boolean;
}

const NAME = 'Backend Architect';

function count(value: number | undefined): number | undefined {
    return value !== undefined && Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
}

export function formatStatus(status: ServerStatus): StatusPresentation {
    const clickHint = 'Click to show the Backend Architect output.';
    switch (status.kind) {
        case 'starting':
            return { text: `$(sync~spin) ${NAME}: starting`, tooltip: `${NAME}: the language server is starting.\n${clickHint}`, isError: false };
        case 'indexing': {
            const done = count(status.done);
            const total = count(status.total);
            let progress = '';
            if (done !== undefined && total !== undefined) {
                progress = ` ${Math.min(done, total)}/${total}`;
            } else if (done !== undefined) {
                progress = ` ${done}`;
            }
            const detail = status.message !== undefined && status.message !== '' ? status.message : 'indexing the workspace';
            return { text: `$(sync~spin) ${NAME}: indexing${progress}`, tooltip: `${NAME}: ${detail}.\n${clickHint}`, isError: false };
        }
        case 'ready': {
            const detail = status.message !== undefined && status.message !== '' ? status.message : 'the language server is running';
            return { text: `$(check) ${NAME}: ready`, tooltip: `${NAME}: ${detail}.\n${clickHint}`, isError: false };
        }
        case 'error': {
            const detail = status.message !== undefined && status.message !== '' ? status.message : 'the language server reported an error';
            return { text: `$(error) ${NAME}: error`, tooltip: `${NAME}: ${detail}\n${clickHint}`, isError: true };
        }
        case 'stopped':
            return { text: `$(circle-slash) ${NAME}: stopped`, tooltip: `${NAME}: the language server is not running.\n${clickHint}`, isError: false };
        case 'disabled':
            return { text: `$(circle-slash) ${NAME}: disabled`, tooltip: `${NAME} is disabled (backendArchitect.enable).\n${clickHint}`, isError: false };
    }
}

function optionalString(value: unknown): string | undefined {
    return typeof value === 'string' ? value : undefined;
}

function optionalNumber(value: unknown): number | undefined {
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * Converts the params of a `backendArchitect/status` notification
 * (`{state: "indexing"|"ready"|"error", message?, done?, total?}`) into a
 * status; undefined for params it does not understand.
 */
export function statusFromNotification(params: unknown): ServerStatus | undefined {
    if (params === null || typeof params !== 'object') {
        return undefined;
    }
    const p = params as Record<string, unknown>;
    const message = optionalString(p.message);
    switch (p.state) {
        case 'indexing':
            return { kind: 'indexing', message, done: optionalNumber(p.done), total: optionalNumber(p.total) };
        case 'ready':
            return { kind: 'ready', message };
        case 'error':
            return { kind: 'error', message };
        default:
            return undefined;
    }
}

/** The language client's states, as plain strings (mirrors `State` of vscode-languageclient). */
export type ClientState = 'starting' | 'running' | 'stopped';

/**
 * The status after the language client changes state (as seen by a listener
 * that is removed before any intentional stop, so "stopped" means the server
 * exited on its own or could not be started). Once running, a status the
 * server reported (indexing/ready/error) is kept; otherwise "ready".
 */
export function statusAfterClientState(current: ServerStatus, state: ClientState, previous?: ClientState): ServerStatus {
    switch (state) {
        case 'starting':
            return { kind: 'starting' };
        case 'running':
            return current.kind === 'indexing' || current.kind === 'ready' || current.kind === 'error' ? current : { kind: 'ready' };
        case 'stopped':
            if (current.kind === 'disabled') {
                return current;
            }
            if (current.kind === 'error' && previous !== 'starting') {
                return current;
            }
            return {
                kind: 'error',
                message: previous === 'starting' ? 'the server exited while starting; see the output.' : 'the server stopped unexpectedly; see the output.',
            };
    }
}
