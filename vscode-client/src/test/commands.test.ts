import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
    buildExecuteCommandParams,
    COMMAND_NAMES,
    describeCommandResult,
    SELECTION_COMMANDS,
    serverCommandId,
    vscodeCommandId,
} from '../commands';

describe('command ids', () => {
    it('has the sixteen commands', () => {
        assert.equal(COMMAND_NAMES.length, 16);
        assert.equal(new Set(COMMAND_NAMES).size, 16);
    });
    it('uses different prefixes for VS Code and the server', () => {
        assert.equal(vscodeCommandId('QUERY_OPTIMIZE'), 'backendArchitect.QUERY_OPTIMIZE');
        assert.equal(serverCommandId('QUERY_OPTIMIZE'), 'backend-architect.QUERY_OPTIMIZE');
        for (const name of COMMAND_NAMES) {
            assert.notEqual(vscodeCommandId(name), serverCommandId(name));
        }
    });
    it('selection commands are a subset', () => {
        assert.equal(SELECTION_COMMANDS.length, 8);
        for (const name of SELECTION_COMMANDS) {
            assert.ok(COMMAND_NAMES.includes(name));
        }
    });
});

describe('buildExecuteCommandParams', () => {
    it('sends uri, range and version', () => {
        const range = { start: { line: 1, character: 2 }, end: { line: 3, character: 4 } };
        const params = buildExecuteCommandParams('MIGRATION', 'file:///w/m.sql', range, 7);
        assert.deepEqual(params, {
            command: 'backend-architect.MIGRATION',
            arguments: [{ uri: 'file:///w/m.sql', range, version: 7 }],
        });
        assert.notEqual(params.arguments[0].range, range, 'range is copied');
    });
    it('copies only the LSP fields of a richer range object', () => {
        const vscodeLike = {
            start: { line: 0, character: 0, extra: true },
            end: { line: 0, character: 5, extra: true },
            isEmpty: false,
        };
        const params = buildExecuteCommandParams('ENDPOINT', 'untitled:Untitled-1', vscodeLike, 1);
        assert.equal(JSON.stringify(params.arguments[0].range), '{"start":{"line":0,"character":0},"end":{"line":0,"character":5}}');
    });
});

describe('describeCommandResult', () => {
    it('shows a message as information', () => {
        assert.deepEqual(describeCommandResult({ message: 'Added 2 indexes' }), { kind: 'info', message: 'Added 2 indexes' });
        assert.deepEqual(describeCommandResult({ message: 'ok', error: false }), { kind: 'info', message: 'ok' });
    });
    it('shows a message as an error when error is set', () => {
        assert.deepEqual(describeCommandResult({ message: 'No SQL selected', error: true }), { kind: 'error', message: 'No SQL selected' });
        assert.deepEqual(describeCommandResult({ message: 'bad', error: 'E1' }), { kind: 'error', message: 'bad' });
    });
    it('shows an error string without a message', () => {
        assert.deepEqual(describeCommandResult({ error: 'parse failed' }), { kind: 'error', message: 'parse failed' });
        assert.deepEqual(describeCommandResult({ error: true }), { kind: 'error', message: 'The command failed.' });
    });
    it('shows a bare string', () => {
        assert.deepEqual(describeCommandResult('done'), { kind: 'info', message: 'done' });
    });
    it('shows nothing for other results', () => {
        for (const result of [null, undefined, 3, [], {}, { message: 5 }, { message: '' }, '  ']) {
            assert.equal(describeCommandResult(result), undefined, JSON.stringify(result));
        }
    });
});
