// Settings of the Backend Architect extension.
//
// Pure module: it does not import `vscode`, so it can be unit tested with
// Node's test runner. Every value is read through an injected getter and
// falls back to the documented default when missing or of the wrong type.

/** Section name of every setting (`backendArchitect.<key>`). */
export const SECTION = 'backendArchitect';

export type Dialect = 'auto' | 'postgres' | 'mysql' | 'sqlite' | 'cockroach' | 'clickhouse' | 'sqlserver' | 'generic';
export type Severity = 'error' | 'warning' | 'information' | 'hint';
export type TraceLevel = 'off' | 'messages' | 'verbose';

export const DIALECTS: readonly Dialect[] = ['auto', 'postgres', 'mysql', 'sqlite', 'cockroach', 'clickhouse', 'sqlserver', 'generic'];
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'information', 'hint'];
export const TRACE_LEVELS: readonly TraceLevel[] = ['off', 'messages', 'verbose'];

/**
 * The development database (read only) and verify on save. `url` is a secret: the setting is
 * machine-scoped, and `DATABASE_URL` in the environment is the better place for it.
 */
export interface DatabaseSettings {
    url: string;
    useEnv: boolean;
    statementTimeoutMs: number;
    lockTimeoutMs: number;
    hypopg: boolean;
    explainOnHover: boolean;
    verifyOnSave: boolean;
    postgresBin: string;
    sizeMigrations: boolean;
    smallTableRows: number;
}

export interface BackendArchitectSettings {
    enable: boolean;
    /** Executable followed by extra arguments; empty = not configured. */
    interpreter: string[];
    select: string[];
    extendSelect: string[];
    ignore: string[];
    severity: Record<string, Severity>;
    exclude: string[];
    schema: string[];
    dialect: Dialect;
    postgresVersion: number;
    migration: { lockTimeout: string };
    database: DatabaseSettings;
    ai: { enabled: boolean; model: string };
    trace: { server: TraceLevel };
}

export const DEFAULTS: Readonly<BackendArchitectSettings> = Object.freeze<BackendArchitectSettings>({
    enable: true,
    interpreter: [],
    select: [],
    extendSelect: [],
    ignore: [],
    severity: {},
    exclude: [],
    schema: [],
    dialect: 'auto',
    postgresVersion: 15,
    migration: { lockTimeout: '5s' },
    database: {
        url: '',
        useEnv: true,
        statementTimeoutMs: 2000,
        lockTimeoutMs: 500,
        hypopg: true,
        explainOnHover: true,
        verifyOnSave: false,
        postgresBin: '',
        sizeMigrations: false,
        smallTableRows: 10000,
    },
    ai: { enabled: false, model: 'claude-sonnet-4-5' },
    trace: { server: 'off' },
});

/**
 * Reads one setting by its key inside the `backendArchitect` section
 * (e.g. `"migration.lockTimeout"`). Returns `undefined` when unset.
 * In the extension this wraps `workspace.getConfiguration(SECTION).get(key)`.
 */
export type SettingGetter = (key: string) => unknown;

function isStringArray(value: unknown): value is string[] {
    return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function readBoolean(get: SettingGetter, key: string, fallback: boolean): boolean {
    const value = get(key);
    return typeof value === 'boolean' ? value : fallback;
}

function readString(get: SettingGetter, key: string, fallback: string): string {
    const value = get(key);
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : fallback;
}

function readStringArray(get: SettingGetter, key: string): string[] {
    const value = get(key);
    if (!Array.isArray(value)) {
        return [];
    }
    return value.filter((v): v is string => typeof v === 'string').map((v) => v.trim()).filter((v) => v !== '');
}

function readEnum<T extends string>(get: SettingGetter, key: string, allowed: readonly T[], fallback: T): T {
    const value = get(key);
    return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

function readNumber(get: SettingGetter, key: string, fallback: number): number {
    const value = get(key);
    if (typeof value === 'number' && Number.isFinite(value)) {
        return value;
    }
    if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
        return Number(value);
    }
    return fallback;
}

/** A positive whole number of milliseconds, else the default. */
function readMilliseconds(get: SettingGetter, key: string, fallback: number): number {
    const value = Math.round(readNumber(get, key, fallback));
    return value > 0 ? value : fallback;
}

/** A whole number of rows (0 or more), else the default. */
function readRows(get: SettingGetter, key: string, fallback: number): number {
    const value = Math.round(readNumber(get, key, fallback));
    return value >= 0 ? value : fallback;
}

function readDatabase(get: SettingGetter): DatabaseSettings {
    const d = DEFAULTS.database;
    return {
        url: readString(get, 'database.url', d.url),
        useEnv: readBoolean(get, 'database.useEnv', d.useEnv),
        statementTimeoutMs: readMilliseconds(get, 'database.statementTimeoutMs', d.statementTimeoutMs),
        lockTimeoutMs: readMilliseconds(get, 'database.lockTimeoutMs', d.lockTimeoutMs),
        hypopg: readBoolean(get, 'database.hypopg', d.hypopg),
        explainOnHover: readBoolean(get, 'database.explainOnHover', d.explainOnHover),
        verifyOnSave: readBoolean(get, 'database.verifyOnSave', d.verifyOnSave),
        postgresBin: readString(get, 'database.postgresBin', d.postgresBin),
        sizeMigrations: readBoolean(get, 'database.sizeMigrations', d.sizeMigrations),
        smallTableRows: readRows(get, 'database.smallTableRows', d.smallTableRows),
    };
}

function readSeverity(get: SettingGetter, key: string): Record<string, Severity> {
    const value = get(key);
    const result: Record<string, Severity> = {};
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        return result;
    }
    for (const [code, level] of Object.entries(value as Record<string, unknown>)) {
        if (typeof level !== 'string') {
            continue;
        }
        const normalized = level.toLowerCase();
        if ((SEVERITIES as readonly string[]).includes(normalized) && code.trim() !== '') {
            result[code.trim()] = normalized as Severity;
        }
    }
    return result;
}

/**
 * `backendArchitect.interpreter` is documented as an array of strings, but a
 * single string path is accepted too.
 */
export function normalizeInterpreter(value: unknown): string[] {
    if (typeof value === 'string') {
        return value.trim() === '' ? [] : [value.trim()];
    }
    if (isStringArray(value)) {
        const items = value.map((v) => v.trim());
        // The first element is the executable: an empty one means "not configured".
        return items.length > 0 && items[0] !== '' ? items.filter((v) => v !== '') : [];
    }
    return [];
}

/** Reads every setting, each with its default. */
export function readSettings(get: SettingGetter): BackendArchitectSettings {
    return {
        enable: readBoolean(get, 'enable', DEFAULTS.enable),
        interpreter: normalizeInterpreter(get('interpreter')),
        select: readStringArray(get, 'select'),
        extendSelect: readStringArray(get, 'extendSelect'),
        ignore: readStringArray(get, 'ignore'),
        severity: readSeverity(get, 'severity'),
        exclude: readStringArray(get, 'exclude'),
        schema: readStringArray(get, 'schema'),
        dialect: readEnum(get, 'dialect', DIALECTS, DEFAULTS.dialect),
        postgresVersion: readNumber(get, 'postgresVersion', DEFAULTS.postgresVersion),
        migration: { lockTimeout: readString(get, 'migration.lockTimeout', DEFAULTS.migration.lockTimeout) },
        database: readDatabase(get),
        ai: {
            enabled: readBoolean(get, 'ai.enabled', DEFAULTS.ai.enabled),
            model: readString(get, 'ai.model', DEFAULTS.ai.model),
        },
        trace: { server: readEnum(get, 'trace.server', TRACE_LEVELS, DEFAULTS.trace.server) },
    };
}

/** Shape sent to the server as `initializationOptions`. */
export interface InitializationOptions {
    enable: boolean;
    interpreter: string[];
    select: string[];
    extendSelect: string[];
    ignore: string[];
    severity: Record<string, Severity>;
    exclude: string[];
    schema: string[];
    dialect: Dialect;
    postgresVersion: number;
    migration: { lockTimeout: string };
    database: DatabaseSettings;
    ai: { enabled: boolean; model: string };
}

/**
 * The settings as the server receives them in `initializationOptions`:
 * camelCase keys without the `backendArchitect.` prefix, dotted keys nested
 * (`ai: {enabled, model}`, `migration: {lockTimeout}`, `database: {...}`) -- the same shape as
 * `settings.backendArchitect` in `workspace/didChangeConfiguration`.
 */
export function toInitializationOptions(settings: BackendArchitectSettings): InitializationOptions {
    return {
        enable: settings.enable,
        interpreter: [...settings.interpreter],
        select: [...settings.select],
        extendSelect: [...settings.extendSelect],
        ignore: [...settings.ignore],
        severity: { ...settings.severity },
        exclude: [...settings.exclude],
        schema: [...settings.schema],
        dialect: settings.dialect,
        postgresVersion: settings.postgresVersion,
        migration: { lockTimeout: settings.migration.lockTimeout },
        database: { ...settings.database },
        ai: { enabled: settings.ai.enabled, model: settings.ai.model },
    };
}

export interface VariableContext {
    workspaceFolder?: string;
    userHome?: string;
    env?: Record<string, string | undefined>;
}

/**
 * Expands `${workspaceFolder}`, `${workspaceFolderBasename}`, `${userHome}`,
 * `${env:NAME}` and a leading `~/` in a setting value. Unknown variables are
 * left as they are.
 */
export function expandVariables(value: string, ctx: VariableContext): string {
    let result = value.replace(/\$\{([^}]+)\}/g, (match: string, name: string) => {
        if (name === 'workspaceFolder' && ctx.workspaceFolder !== undefined) {
            return ctx.workspaceFolder;
        }
        if (name === 'workspaceFolderBasename' && ctx.workspaceFolder !== undefined) {
            const parts = ctx.workspaceFolder.split(/[\\/]/).filter((p) => p !== '');
            return parts.length > 0 ? parts[parts.length - 1] : match;
        }
        if (name === 'userHome' && ctx.userHome !== undefined) {
            return ctx.userHome;
        }
        if (name.startsWith('env:') && ctx.env !== undefined) {
            return ctx.env[name.slice(4)] ?? '';
        }
        return match;
    });
    if (ctx.userHome !== undefined && (result === '~' || result.startsWith('~/'))) {
        result = ctx.userHome + result.slice(1);
    }
    return result;
}
