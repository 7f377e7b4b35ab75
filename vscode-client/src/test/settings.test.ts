import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
    DEFAULTS,
    expandVariables,
    normalizeInterpreter,
    readSettings,
    SettingGetter,
    toInitializationOptions,
} from '../settings';

function getterFrom(values: Record<string, unknown>): SettingGetter {
    return (key) => values[key];
}

describe('readSettings', () => {
    it('returns every default when nothing is set', () => {
        const settings = readSettings(() => undefined);
        assert.deepEqual(settings, {
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
        assert.deepEqual(settings, { ...DEFAULTS });
    });

    it('reads set values, including dotted keys', () => {
        const settings = readSettings(
            getterFrom({
                enable: false,
                interpreter: ['/usr/bin/python3', '-X', 'utf8'],
                select: ['SQL', 'MIG001'],
                extendSelect: ['PY'],
                ignore: ['SQL002'],
                severity: { SQL001: 'error', MIG: 'Hint' },
                exclude: ['**/vendor/**'],
                schema: ['db/schema.sql'],
                dialect: 'sqlite',
                postgresVersion: 12,
                'migration.lockTimeout': '2s',
                'ai.enabled': true,
                'ai.model': 'other-model',
                'trace.server': 'verbose',
            }),
        );
        assert.equal(settings.enable, false);
        assert.deepEqual(settings.interpreter, ['/usr/bin/python3', '-X', 'utf8']);
        assert.deepEqual(settings.select, ['SQL', 'MIG001']);
        assert.deepEqual(settings.extendSelect, ['PY']);
        assert.deepEqual(settings.ignore, ['SQL002']);
        assert.deepEqual(settings.severity, { SQL001: 'error', MIG: 'hint' });
        assert.deepEqual(settings.exclude, ['**/vendor/**']);
        assert.deepEqual(settings.schema, ['db/schema.sql']);
        assert.equal(settings.dialect, 'sqlite');
        assert.equal(settings.postgresVersion, 12);
        assert.deepEqual(settings.migration, { lockTimeout: '2s' });
        assert.deepEqual(settings.ai, { enabled: true, model: 'other-model' });
        assert.deepEqual(settings.trace, { server: 'verbose' });
    });

    it('falls back to defaults for values of the wrong type', () => {
        const settings = readSettings(
            getterFrom({
                enable: 'yes',
                interpreter: 42,
                select: 'SQL',
                ignore: ['SQL1', 3, null, '  '],
                severity: { SQL001: 'fatal', SQL002: 1, SQL003: 'warning' },
                dialect: 'oracle',
                postgresVersion: 'NaN',
                'migration.lockTimeout': '',
                'ai.enabled': 1,
                'ai.model': null,
                'trace.server': 'loud',
            }),
        );
        assert.equal(settings.enable, true);
        assert.deepEqual(settings.interpreter, []);
        assert.deepEqual(settings.select, []);
        assert.deepEqual(settings.ignore, ['SQL1']);
        assert.deepEqual(settings.severity, { SQL003: 'warning' });
        assert.equal(settings.dialect, 'auto');
        assert.equal(settings.postgresVersion, 15);
        assert.equal(settings.migration.lockTimeout, '5s');
        assert.deepEqual(settings.ai, { enabled: false, model: 'claude-sonnet-4-5' });
        assert.equal(settings.trace.server, 'off');
    });

    it('accepts a numeric string for postgresVersion', () => {
        assert.equal(readSettings(getterFrom({ postgresVersion: '16' })).postgresVersion, 16);
    });

    it('ignores a severity that is an array or null', () => {
        assert.deepEqual(readSettings(getterFrom({ severity: ['error'] })).severity, {});
        assert.deepEqual(readSettings(getterFrom({ severity: null })).severity, {});
    });
});

describe('normalizeInterpreter', () => {
    it('accepts a string path', () => {
        assert.deepEqual(normalizeInterpreter('  /opt/venv/bin/python '), ['/opt/venv/bin/python']);
        assert.deepEqual(normalizeInterpreter(''), []);
    });
    it('accepts an array of strings', () => {
        assert.deepEqual(normalizeInterpreter(['python3', '-I']), ['python3', '-I']);
    });
    it('treats an empty first element as not configured', () => {
        assert.deepEqual(normalizeInterpreter(['', '-I']), []);
        assert.deepEqual(normalizeInterpreter([]), []);
    });
    it('rejects mixed arrays and other types', () => {
        assert.deepEqual(normalizeInterpreter(['python3', 1]), []);
        assert.deepEqual(normalizeInterpreter(undefined), []);
        assert.deepEqual(normalizeInterpreter({ path: 'python' }), []);
    });
});

describe('toInitializationOptions', () => {
    it('uses camelCase keys without prefix and nests ai and migration', () => {
        const options = toInitializationOptions(readSettings(getterFrom({ 'ai.enabled': true, select: ['SQL'] })));
        assert.deepEqual(options, {
            enable: true,
            interpreter: [],
            select: ['SQL'],
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
            ai: { enabled: true, model: 'claude-sonnet-4-5' },
        });
        assert.ok(!Object.keys(options).some((k) => k.startsWith('backendArchitect')));
        assert.ok(!('trace' in options));
    });

    it('nests the database settings; bad timeouts fall back to the defaults', () => {
        const options = toInitializationOptions(
            readSettings(
                getterFrom({
                    'database.url': ' postgresql://app:pw@localhost/app ',
                    'database.verifyOnSave': true,
                    'database.statementTimeoutMs': 750.4,
                    'database.lockTimeoutMs': -1,
                }),
            ),
        );
        assert.equal(options.database.url, 'postgresql://app:pw@localhost/app');
        assert.equal(options.database.verifyOnSave, true);
        assert.equal(options.database.statementTimeoutMs, 750);
        assert.equal(options.database.lockTimeoutMs, 500);
    });

    it('returns copies, not the settings objects', () => {
        const settings = readSettings(getterFrom({ select: ['SQL'] }));
        const options = toInitializationOptions(settings);
        options.select.push('X');
        assert.deepEqual(settings.select, ['SQL']);
    });

    it('is JSON serialisable', () => {
        const options = toInitializationOptions(readSettings(() => undefined));
        assert.deepEqual(JSON.parse(JSON.stringify(options)), options);
    });
});

describe('expandVariables', () => {
    const ctx = { workspaceFolder: '/home/u/proj', userHome: '/home/u', env: { VENV: '/opt/venv' } };
    it('expands ${workspaceFolder}', () => {
        assert.equal(expandVariables('${workspaceFolder}/.venv/bin/python', ctx), '/home/u/proj/.venv/bin/python');
    });
    it('expands ${workspaceFolderBasename}, ${userHome}, ${env:NAME} and ~', () => {
        assert.equal(expandVariables('${workspaceFolderBasename}', ctx), 'proj');
        assert.equal(expandVariables('${userHome}/py', ctx), '/home/u/py');
        assert.equal(expandVariables('${env:VENV}/bin/python', ctx), '/opt/venv/bin/python');
        assert.equal(expandVariables('${env:MISSING}x', ctx), 'x');
        assert.equal(expandVariables('~/venv/bin/python', ctx), '/home/u/venv/bin/python');
    });
    it('leaves unknown variables and a missing workspace folder alone', () => {
        assert.equal(expandVariables('${foo}/x', ctx), '${foo}/x');
        assert.equal(expandVariables('${workspaceFolder}/x', {}), '${workspaceFolder}/x');
    });
});
