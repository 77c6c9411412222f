import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';
import { runScript } from './test-fixtures/node-child.ts';

const PROBE = fileURLToPath(new URL('./test-fixtures/log-probe.ts', import.meta.url));

function sink() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { lines, destination };
}

describe('createLogger', () => {
  it('writes JSON lines in the one schema: time, level label, pid, cell, replica, msg', () => {
    const { lines, destination } = sink();
    const log = createLogger({ cell: 'stock', replica: 'stock-2', destination });
    log.child({ component: 'test' }).info({ sku: 'mug' }, 'reserved');
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line).toMatchObject({ level: 'info', pid: process.pid, cell: 'stock', replica: 'stock-2', component: 'test', sku: 'mug', msg: 'reserved' });
    expect(typeof line['time']).toBe('number');
  });

  it('puts errors under err, with their message and stack', () => {
    const { lines, destination } = sink();
    createLogger({ destination }).error({ err: new TypeError('bad') }, 'failed');
    expect(lines[0]!['err']).toMatchObject({ type: 'TypeError', message: 'bad', stack: expect.stringContaining('TypeError') });
  });

  it('leaves out cell and replica when not given, and drops lines below its level', () => {
    const { lines, destination } = sink();
    const log = createLogger({ level: 'warn', destination });
    log.info({}, 'dropped');
    log.warn({}, 'kept');
    expect(lines.map((l) => l['msg'])).toEqual(['kept']);
    expect(Object.keys(lines[0]!)).not.toContain('cell');
    expect(Object.keys(lines[0]!)).not.toContain('replica');
  });
});

describe('processLog (in a child process: it reads the launch environment once)', () => {
  it('is silent in a process the runtime did not start', async () => {
    const { code, lines } = await runScript(PROBE, {});
    expect(code).toBe(0);
    expect(lines).toEqual([{ probe: 'done', same: true, defaultLevel: 'info' }]);
  });

  it('logs JSON lines on stdout with the cell and replica when CELL_NAME is set, at CELL_LOG_LEVEL', async () => {
    const { code, lines } = await runScript(PROBE, { CELL_NAME: 'stock', CELL_REPLICA: 'stock-1', CELL_LOG_LEVEL: 'debug' });
    expect(code).toBe(0);
    expect(lines.map((l) => l['msg'] ?? l['probe'])).toEqual(['from the process logger', 'a debug line', 'an error line', 'done']);
    expect(lines[0]).toMatchObject({ level: 'info', cell: 'stock', replica: 'stock-1', probe: 1 });
    expect(typeof lines[0]!['pid']).toBe('number');
    expect(lines[2]).toMatchObject({ level: 'error', err: { message: 'boom' } });
    expect(lines[3]).toEqual({ probe: 'done', same: true, defaultLevel: 'debug' });
  });
});
