// Checks that package.json agrees with the code: commands, menus, settings
// and their defaults, activation events.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { COMMAND_NAMES, RESTART_COMMAND, SELECTION_COMMANDS, SHOW_OUTPUT_COMMAND, vscodeCommandId } from '../commands';
import { DEFAULTS, readSettings } from '../settings';

interface Manifest {
    engines: { vscode: string };
    main: string;
    license: string;
    repository: unknown;
    activationEvents: string[];
    contributes: {
        commands: { command: string; title: string; category?: string }[];
        menus: Record<string, { command: string; when?: string }[]>;
        configuration: { properties: Record<string, { default: unknown; description?: string; markdownDescription?: string; enum?: string[] }> };
    };
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
    scripts: Record<string, string>;
}

// Compiled to out/test/manifest.test.js; package.json is two levels up.
const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as Manifest;

function paletteTitle(command: string): string | undefined {
    const c = manifest.contributes.commands.find((x) => x.command === command);
    return c === undefined ? undefined : c.category !== undefined ? `${c.category}: ${c.title}` : c.title;
}

describe('package.json', () => {
    it('targets VS Code ^1.82.0 and bundles to dist/extension.js', () => {
        assert.equal(manifest.engines.vscode, '^1.82.0');
        assert.equal(manifest.main, './dist/extension.js');
        assert.equal(manifest.license, 'MIT');
        assert.ok(manifest.repository);
        assert.match(manifest.dependencies['vscode-languageclient'], /^\^9\./);
        assert.equal(manifest.devDependencies['@types/vscode'], '1.82.0');
        for (const script of ['build', 'lint', 'test', 'package']) {
            assert.ok(manifest.scripts[script], script);
        }
    });

    it('contributes the restart command and the sixteen commands with their full titles', () => {
        assert.equal(paletteTitle(RESTART_COMMAND), 'Backend Architect: Restart Server');
        assert.ok(paletteTitle(SHOW_OUTPUT_COMMAND));
        for (const name of COMMAND_NAMES) {
            assert.equal(paletteTitle(vscodeCommandId(name)), `Backend Architect: ${name}`);
        }
        assert.equal(manifest.contributes.commands.length, COMMAND_NAMES.length + 2);
        assert.ok(!manifest.contributes.commands.some((c) => c.command.startsWith('backend-architect.')));
        // Full titles (no category) so that the context menu also reads "Backend Architect: NAME".
        assert.ok(manifest.contributes.commands.every((c) => c.category === undefined && c.title.startsWith('Backend Architect: ')));
    });

    it('puts exactly the selection commands in the editor context menu', () => {
        const entries = manifest.contributes.menus['editor/context'].map((m) => m.command).sort();
        assert.deepEqual(entries, SELECTION_COMMANDS.map(vscodeCommandId).sort());
    });

    it('activates on the languages and on SQL / migrations', () => {
        assert.deepEqual(manifest.activationEvents, [
            'onLanguage:sql',
            'onLanguage:python',
            'onLanguage:typescript',
            'onLanguage:javascript',
            'onLanguage:go',
            'onLanguage:rust',
            'workspaceContains:**/migrations/**',
            'workspaceContains:**/*.sql',
        ]);
    });

    it('contributes every setting with a description and the code defaults', () => {
        const props = manifest.contributes.configuration.properties;
        const keys = Object.keys(props).map((k) => k.replace(/^backendArchitect\./, ''));
        assert.deepEqual(keys.sort(), [
            'ai.enabled',
            'ai.model',
            'database.explainOnHover',
            'database.hypopg',
            'database.lockTimeoutMs',
            'database.postgresBin',
            'database.sizeMigrations',
            'database.smallTableRows',
            'database.statementTimeoutMs',
            'database.url',
            'database.useEnv',
            'database.verifyOnSave',
            'dialect',
            'enable',
            'exclude',
            'extendSelect',
            'ignore',
            'interpreter',
            'migration.lockTimeout',
            'postgresVersion',
            'schema',
            'select',
            'severity',
            'trace.server',
        ]);
        for (const [key, prop] of Object.entries(props)) {
            assert.ok(prop.description ?? prop.markdownDescription, `${key} has a description`);
            assert.ok('default' in prop, `${key} has a default`);
        }
        // Reading the manifest defaults gives the code defaults.
        const fromManifest = readSettings((key) => props[`backendArchitect.${key}`]?.default);
        assert.deepEqual(fromManifest, { ...DEFAULTS });
        assert.deepEqual(props['backendArchitect.dialect'].enum, ['auto', 'postgres', 'mysql', 'sqlite', 'cockroach', 'clickhouse', 'sqlserver', 'generic']);
        assert.deepEqual(props['backendArchitect.trace.server'].enum, ['off', 'messages', 'verbose']);
        // secrets and programs to run cannot come from a workspace's settings
        assert.equal((props['backendArchitect.database.url'] as { scope?: string }).scope, 'machine');
        assert.equal((props['backendArchitect.database.postgresBin'] as { scope?: string }).scope, 'machine');
    });
});
