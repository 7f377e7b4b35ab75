import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { formatStatus, statusAfterClientState, statusFromNotification } from '../status';

describe('formatStatus', () => {
    it('starting', () => {
        const p = formatStatus({ kind: 'starting' });
        assert.equal(p.text, '$(sync~spin) Backend Architect: starting');
        assert.equal(p.isError, false);
    });

    it('indexing with counts', () => {
        const p = formatStatus({ kind: 'indexing', done: 3, total: 10, message: 'reading migrations' });
        assert.equal(p.text, '$(sync~spin) Backend Architect: indexing 3/10');
        assert.match(p.tooltip, /reading migrations/);
    });

    it('indexing without or with bad counts', () => {
        assert.equal(formatStatus({ kind: 'indexing' }).text, '$(sync~spin) Backend Architect: indexing');
        assert.equal(formatStatus({ kind: 'indexing', done: 4 }).text, '$(sync~spin) Backend Architect: indexing 4');
        assert.equal(formatStatus({ kind: 'indexing', done: -1, total: 5 }).text, '$(sync~spin) Backend Architect: indexing');
        assert.equal(formatStatus({ kind: 'indexing', done: NaN, total: 5 }).text, '$(sync~spin) Backend Architect: indexing');
        assert.equal(formatStatus({ kind: 'indexing', done: 12, total: 10 }).text, '$(sync~spin) Backend Architect: indexing 10/10');
        assert.equal(formatStatus({ kind: 'indexing', done: 2.7, total: 10.2 }).text, '$(sync~spin) Backend Architect: indexing 2/10');
    });

    it('ready', () => {
        const p = formatStatus({ kind: 'ready' });
        assert.equal(p.text, '$(check) Backend Architect: ready');
        assert.equal(p.isError, false);
        assert.match(formatStatus({ kind: 'ready', message: '42 files indexed' }).tooltip, /42 files indexed/);
    });

    it('error', () => {
        const p = formatStatus({ kind: 'error', message: 'catalog failed to load' });
        assert.equal(p.text, '$(error) Backend Architect: error');
        assert.equal(p.isError, true);
        assert.match(p.tooltip, /catalog failed to load/);
        assert.match(p.tooltip, /output/);
    });

    it('stopped and disabled', () => {
        assert.equal(formatStatus({ kind: 'stopped' }).text, '$(circle-slash) Backend Architect: stopped');
        assert.equal(formatStatus({ kind: 'disabled' }).text, '$(circle-slash) Backend Architect: disabled');
    });
});

describe('statusFromNotification', () => {
    it('parses the three states', () => {
        assert.deepEqual(statusFromNotification({ state: 'indexing', done: 1, total: 2, message: 'm' }), {
            kind: 'indexing',
            done: 1,
            total: 2,
            message: 'm',
        });
        assert.deepEqual(statusFromNotification({ state: 'ready' }), { kind: 'ready', message: undefined });
        assert.deepEqual(statusFromNotification({ state: 'error', message: 'x' }), { kind: 'error', message: 'x' });
    });

    it('drops fields of the wrong type', () => {
        assert.deepEqual(statusFromNotification({ state: 'indexing', done: '1', total: null, message: 3 }), {
            kind: 'indexing',
            done: undefined,
            total: undefined,
            message: undefined,
        });
    });

    it('rejects unknown params', () => {
        assert.equal(statusFromNotification(undefined), undefined);
        assert.equal(statusFromNotification(null), undefined);
        assert.equal(statusFromNotification('ready'), undefined);
        assert.equal(statusFromNotification({ state: 'sleeping' }), undefined);
        assert.equal(statusFromNotification({}), undefined);
    });
});

describe('statusAfterClientState', () => {
    it('starting always shows starting', () => {
        assert.deepEqual(statusAfterClientState({ kind: 'error' }, 'starting'), { kind: 'starting' });
    });
    it('running becomes ready unless the server already reported', () => {
        assert.deepEqual(statusAfterClientState({ kind: 'starting' }, 'running'), { kind: 'ready' });
        const indexing = { kind: 'indexing' as const, done: 1, total: 3 };
        assert.equal(statusAfterClientState(indexing, 'running'), indexing);
    });
    it('an unexpected stop after running is an error', () => {
        const s = statusAfterClientState({ kind: 'ready' }, 'stopped', 'running');
        assert.equal(s.kind, 'error');
        assert.match(formatStatus(s).tooltip, /stopped unexpectedly/);
    });
    it('a stop while starting is an error about start-up', () => {
        const s = statusAfterClientState({ kind: 'starting' }, 'stopped', 'starting');
        assert.equal(s.kind, 'error');
        assert.match(formatStatus(s).tooltip, /exited while starting/);
    });
    it('a stop keeps an error the server reported, and disabled', () => {
        assert.deepEqual(statusAfterClientState({ kind: 'error', message: 'x' }, 'stopped', 'running'), { kind: 'error', message: 'x' });
        assert.deepEqual(statusAfterClientState({ kind: 'disabled' }, 'stopped', 'running'), { kind: 'disabled' });
    });
});
