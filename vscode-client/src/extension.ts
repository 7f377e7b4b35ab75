// Backend Architect VS Code extension: starts the language server, restarts it
// when the interpreter changes, exposes the server's commands and shows the
// server's state in the status bar.

import * as os from 'node:os';

import {
    commands,
    ConfigurationChangeEvent,
    Disposable,
    ExtensionContext,
    extensions,
    LogOutputChannel,
    StatusBarAlignment,
    StatusBarItem,
    ThemeColor,
    window,
    workspace,
    WorkspaceFolder,
} from 'vscode';
import {
    DocumentSelector,
    ExecuteCommandRequest,
    LanguageClient,
    LanguageClientOptions,
    ServerOptions,
    State,
} from 'vscode-languageclient/node';

import {
    buildExecuteCommandParams,
    CommandName,
    COMMAND_NAMES,
    describeCommandResult,
    RESTART_COMMAND,
    SHOW_OUTPUT_COMMAND,
    vscodeCommandId,
} from './commands';
import { getPythonExtensionInterpreter, isPythonExtensionInstalled, onDidChangePythonInterpreter } from './python';
import {
    describeServerCommand,
    findOnProcessPath,
    isExecutableFile,
    NO_SERVER_MESSAGE,
    pythonCanImport,
    resolveServerCommand,
    ServerCommand,
    serverExecutable,
} from './server';
import { readSettings, SECTION, toInitializationOptions } from './settings';
import {
    ClientState,
    formatStatus,
    ServerStatus,
    STATUS_NOTIFICATION,
    statusAfterClientState,
    statusFromNotification,
} from './status';

const CLIENT_ID = 'backendArchitect'; // also the prefix of `backendArchitect.trace.server`
const CLIENT_NAME = 'Backend Architect';
const LANGUAGES = ['sql', 'python', 'typescript', 'javascript', 'go', 'rust'];
const OPEN_SETTINGS = 'Open settings';
const SHOW_OUTPUT = 'Show output';

export const DOCUMENT_SELECTOR: DocumentSelector = LANGUAGES.flatMap((language) => [
    { scheme: 'file', language },
    { scheme: 'untitled', language },
]);

function firstWorkspaceFolder(): WorkspaceFolder | undefined {
    return workspace.workspaceFolders?.[0];
}

function getSettings(): ReturnType<typeof readSettings> {
    const config = workspace.getConfiguration(SECTION, firstWorkspaceFolder());
    return readSettings((key) => config.get(key));
}

function errorMessage(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}

async function openInterpreterSettings(): Promise<void> {
    await commands.executeCommand('workbench.action.openSettings', `${SECTION}.interpreter`);
}

class ServerManager implements Disposable {
    client: LanguageClient | undefined;
    private status: ServerStatus = { kind: 'stopped' };
    private clientListeners: Disposable[] = [];
    private queue: Promise<void> = Promise.resolve();
    private lastServer: ServerCommand | undefined;
    private pendingRestarts = 0;

    constructor(
        readonly output: LogOutputChannel,
        private readonly statusItem: StatusBarItem,
    ) {
        this.render();
    }

    /** Runs start/stop/restart one at a time. */
    private enqueue(task: () => Promise<void>): Promise<void> {
        this.queue = this.queue.then(task).catch((err: unknown) => {
            this.output.error(`Unexpected error: ${errorMessage(err)}`);
        });
        return this.queue;
    }

    restart(reason: string): Promise<void> {
        // Counted synchronously, so that the client that is about to go away
        // stops forwarding configuration changes at once (see the middleware).
        this.pendingRestarts++;
        return this.enqueue(async () => {
            try {
                this.output.info(`(Re)starting the server: ${reason}`);
                await this.stopNow();
            } finally {
                this.pendingRestarts--;
            }
            await this.startNow();
        });
    }

    stop(): Promise<void> {
        return this.enqueue(() => this.stopNow());
    }

    get usesExplicitInterpreter(): boolean {
        return this.lastServer?.source === 'setting';
    }

    get failedToFindServer(): boolean {
        return this.client === undefined && this.status.kind === 'error';
    }

    setStatus(status: ServerStatus): void {
        this.status = status;
        this.render();
    }

    private render(): void {
        const presentation = formatStatus(this.status);
        this.statusItem.text = presentation.text;
        this.statusItem.tooltip = presentation.tooltip;
        this.statusItem.backgroundColor = presentation.isError ? new ThemeColor('statusBarItem.errorBackground') : undefined;
        this.statusItem.show();
    }

    private async startNow(): Promise<void> {
        const settings = getSettings();
        if (!settings.enable) {
            this.output.info('backendArchitect.enable is false: the server is not started.');
            this.setStatus({ kind: 'disabled' });
            return;
        }
        this.setStatus({ kind: 'starting' });
        const folder = firstWorkspaceFolder();
        const resolution = await resolveServerCommand({
            interpreterSetting: settings.interpreter,
            variables: { workspaceFolder: folder?.uri.fsPath, userHome: os.homedir(), env: process.env },
            getPythonExtensionInterpreter: () => getPythonExtensionInterpreter(folder),
            findOnPath: (name) => findOnProcessPath(name),
            isExecutable: isExecutableFile,
            hasServerModule: (python) => pythonCanImport(python),
        });
        for (const note of resolution.notes) {
            // Skipped steps only matter when nothing was found.
            if (resolution.ok) {
                this.output.info(note);
            } else {
                this.output.warn(note);
            }
        }
        if (!resolution.ok) {
            this.lastServer = undefined;
            this.output.error(NO_SERVER_MESSAGE);
            this.setStatus({ kind: 'error', message: 'no Python interpreter with backend-architect was found.' });
            void window.showErrorMessage(NO_SERVER_MESSAGE, OPEN_SETTINGS, SHOW_OUTPUT).then((choice) => {
                if (choice === OPEN_SETTINGS) {
                    void openInterpreterSettings();
                } else if (choice === SHOW_OUTPUT) {
                    this.output.show();
                }
            });
            return;
        }
        const server = resolution.server;
        this.lastServer = server;
        this.output.info(`Server command: ${describeServerCommand(server)}`);

        const serverOptions: ServerOptions = serverExecutable(server, folder?.uri.fsPath, process.env);
        const clientOptions: LanguageClientOptions = {
            documentSelector: DOCUMENT_SELECTOR,
            outputChannel: this.output,
            // Read afresh at every (re)start.
            initializationOptions: () => toInitializationOptions(getSettings()),
            middleware: {
                workspace: {
                    // A change of the interpreter (or of `enable`) restarts the
                    // server: the old client must not forward it while stopping,
                    // or the client reports "Sending notification ... failed".
                    didChangeConfiguration: (sections, next) =>
                        this.client === client && this.pendingRestarts === 0 ? next(sections) : Promise.resolve(),
                },
            },
            synchronize: {
                // Sends workspace/didChangeConfiguration {settings: {backendArchitect: {...}}}.
                configurationSection: SECTION,
                fileEvents: workspace.createFileSystemWatcher('**/*.sql'),
            },
        };
        const client = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
        this.client = client;
        this.clientListeners.push(
            client.onDidChangeState((event) => {
                if (this.client !== client) {
                    return;
                }
                // Intentional stops remove this listener first, so a stop seen here is unexpected.
                this.setStatus(statusAfterClientState(this.status, toClientState(event.newState), toClientState(event.oldState)));
            }),
            client.onNotification(STATUS_NOTIFICATION, (params: unknown) => {
                if (this.client !== client) {
                    return;
                }
                const status = statusFromNotification(params);
                if (status !== undefined) {
                    this.setStatus(status);
                }
            }),
        );
        try {
            await client.start();
        } catch (err) {
            const message = errorMessage(err);
            this.output.error(`The server failed to start: ${message}`);
            this.setStatus({ kind: 'error', message: `the server failed to start (${describeServerCommand(server)}).` });
            void window
                .showErrorMessage(
                    `Backend Architect: the server failed to start with ${describeServerCommand(server)}. See the output for details.`,
                    SHOW_OUTPUT,
                    OPEN_SETTINGS,
                )
                .then((choice) => {
                    if (choice === SHOW_OUTPUT) {
                        this.output.show();
                    } else if (choice === OPEN_SETTINGS) {
                        void openInterpreterSettings();
                    }
                });
        }
    }

    private async stopNow(): Promise<void> {
        const client = this.client;
        this.client = undefined;
        for (const listener of this.clientListeners) {
            listener.dispose();
        }
        this.clientListeners = [];
        if (client !== undefined) {
            try {
                await client.dispose(5000);
            } catch (err) {
                this.output.warn(`Stopping the server: ${errorMessage(err)}`);
            }
        }
        this.setStatus({ kind: 'stopped' });
    }

    dispose(): void {
        void this.stop();
    }
}

let manager: ServerManager | undefined;

function toClientState(state: State): ClientState {
    return state === State.Running ? 'running' : state === State.Starting ? 'starting' : 'stopped';
}

async function runServerCommand(name: CommandName): Promise<void> {
    const editor = window.activeTextEditor;
    if (editor === undefined) {
        void window.showWarningMessage(`Backend Architect: open a file to run ${name}.`);
        return;
    }
    const client = manager?.client;
    if (client === undefined || !client.isRunning()) {
        void window.showErrorMessage('Backend Architect: the language server is not running.', SHOW_OUTPUT).then((choice) => {
            if (choice === SHOW_OUTPUT) {
                manager?.output.show();
            }
        });
        return;
    }
    const document = editor.document;
    const params = buildExecuteCommandParams(
        name,
        client.code2ProtocolConverter.asUri(document.uri),
        client.code2ProtocolConverter.asRange(editor.selection),
        document.version,
    );
    try {
        const result: unknown = await client.sendRequest(ExecuteCommandRequest.type, params);
        const shown = describeCommandResult(result);
        if (shown?.kind === 'error') {
            void window.showErrorMessage(shown.message);
        } else if (shown?.kind === 'info') {
            void window.showInformationMessage(shown.message);
        }
    } catch (err) {
        void window.showErrorMessage(`Backend Architect: ${name} failed: ${errorMessage(err)}`);
    }
}

export function activate(context: ExtensionContext): void {
    const output = window.createOutputChannel(CLIENT_NAME, { log: true });
    const statusItem = window.createStatusBarItem('backendArchitect.status', StatusBarAlignment.Right, 100);
    statusItem.name = CLIENT_NAME;
    statusItem.command = SHOW_OUTPUT_COMMAND;
    const mgr = new ServerManager(output, statusItem);
    manager = mgr;
    context.subscriptions.push(output, statusItem, mgr);

    context.subscriptions.push(
        commands.registerCommand(RESTART_COMMAND, () => mgr.restart('restart command')),
        commands.registerCommand(SHOW_OUTPUT_COMMAND, () => {
            (mgr.client?.outputChannel ?? output).show();
        }),
        ...COMMAND_NAMES.map((name) => commands.registerCommand(vscodeCommandId(name), () => runServerCommand(name))),
        workspace.onDidChangeConfiguration((event: ConfigurationChangeEvent) => {
            if (event.affectsConfiguration(`${SECTION}.interpreter`) || event.affectsConfiguration(`${SECTION}.enable`)) {
                void mgr.restart('configuration changed');
            }
        }),
    );

    let pythonListener: Disposable | undefined;
    const hookPython = async (): Promise<void> => {
        if (pythonListener !== undefined || !isPythonExtensionInstalled()) {
            return;
        }
        pythonListener = await onDidChangePythonInterpreter(() => {
            if (!mgr.usesExplicitInterpreter) {
                void mgr.restart('Python interpreter changed');
            }
        });
        if (pythonListener !== undefined) {
            context.subscriptions.push(pythonListener);
        }
    };
    context.subscriptions.push(
        extensions.onDidChange(() => {
            const wasHooked = pythonListener !== undefined;
            void hookPython().then(() => {
                // The Python extension was installed after us: retry when nothing was found before.
                if (!wasHooked && pythonListener !== undefined && mgr.failedToFindServer) {
                    void mgr.restart('Python extension installed');
                }
            });
        }),
    );

    // Do not hold up activation while the interpreter is resolved and the server starts.
    void hookPython().then(() => mgr.restart('activation'));
}

export async function deactivate(): Promise<void> {
    if (manager !== undefined) {
        await manager.stop();
        manager = undefined;
    }
}
