import { once } from 'node:events';
import { existsSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type LogLine, tempDir, useTeardown, waitFor, within } from '../test-fixtures/temp-cells.ts';
import { levelOf, ReplicaLog } from './replica-log.ts';
import type { RotatingFile } from '../logs/rotating-file.ts';

const defer = useTeardown();
const BASE = { cell: 'work', replica: 'work-0' };

function open(tailSize?: number): { log: ReplicaLog; file: string } {
  const file = join(tempDir(defer), 'log', 'work-0.log'); // log/ does not exist yet
  const log = new ReplicaLog(file, BASE, { tailSize });
  defer(() => log.close());
  return { log, file };
}

/** Feeds `chunks` to the log as a process stream, to its end. */
async function feed(log: ReplicaLog, source: 'stdout' | 'stderr', chunks: string[], pid = 4242): Promise<void> {
  const stream = new PassThrough();
  log.attach(stream, source, pid);
  const ended = once(stream, 'end');
  for (const c of chunks) stream.write(c);
  stream.end();
  await within(ended, 5000, 'the stream to end');
}

/** The file's lines once the log is closed (waiting for `count` of them: a slow disk may lag the close's bound). */
async function linesOf(log: ReplicaLog, file: string, count: number): Promise<{ raw: string[]; parsed: LogLine[] }> {
  await within(log.close(), 5000, 'closing the log');
  const raw = await waitFor(`${count} lines in ${file}`, () => {
    const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
    return lines.length >= count && lines;
  }, 10_000);
  return { raw, parsed: raw.map((l) => JSON.parse(l) as LogLine) };
}

describe('ReplicaLog', () => {
  it('passes JSON lines from the SDK through exactly as written', async () => {
    const { log, file } = open();
    const line = JSON.stringify({ level: 'info', time: 1, pid: 4242, cell: 'work', replica: 'work-0', component: 'sdk.membrane', msg: 'membrane listening' });
    await feed(log, 'stdout', [`${line}\n`]);
    expect((await linesOf(log, file, 1)).raw).toEqual([line]);
  });

  it('wraps anything else into the schema, at info from stdout and error from stderr', async () => {
    const { log, file } = open();
    await feed(log, 'stdout', ['hello from console.log\n']);
    await feed(log, 'stderr', ['Error: boom\n    at main.mjs:3:7\n']);
    const { parsed } = await linesOf(log, file, 3);
    expect(parsed).toEqual([
      expect.objectContaining({ level: 'info', msg: 'hello from console.log', pid: 4242, ...BASE, component: 'stdout', time: expect.any(Number) }),
      expect.objectContaining({ level: 'error', msg: 'Error: boom', component: 'stderr' }),
      expect.objectContaining({ level: 'error', msg: '    at main.mjs:3:7', component: 'stderr' }),
    ]);
  });

  it('takes the level a server names in a plain line, whatever the stream', async () => {
    const { log, file } = open();
    await feed(log, 'stderr', ['2026-11-29 01:06:55.881 UTC [14900] LOG:  database system is ready to accept connections\n', '2026-11-29 01:07:00.000 UTC [14901] FATAL:  role "x" does not exist\n']);
    await feed(log, 'stdout', ['WARNING:root:disk almost full\n', 'ts=1 level=debug msg=tick\n', 'compiled 3 files, 0 errors\n']);
    const { parsed } = await linesOf(log, file, 5);
    expect(parsed.map((l) => l['level'])).toEqual(['info', 'fatal', 'warn', 'debug', 'info']);
    expect(levelOf('[INFO] started')).toBe('info');
    expect(levelOf('Error: boom')).toBeUndefined(); // a crash on stderr stays an error by its stream
    expect(levelOf('an error occurred')).toBeUndefined();
  });

  it('joins lines split across chunks, keeps a last line without newline, skips blank lines, wraps broken JSON', async () => {
    const { log, file } = open();
    await feed(log, 'stdout', ['par', 'tial line\n\n   \n{"not json\n', 'no newline at the end']);
    const { parsed } = await linesOf(log, file, 3);
    expect(parsed.map((l) => l.msg)).toEqual(['partial line', '{"not json', 'no newline at the end']);
  });

  it('cuts a line longer than 64 KiB', async () => {
    const { log, file } = open();
    await feed(log, 'stdout', [`${'x'.repeat(100 * 1024)}\n`]);
    const { parsed } = await linesOf(log, file, 1);
    expect(parsed[0]!.msg.length).toBeLessThanOrEqual(64 * 1024 + 1);
    expect(parsed[0]!.msg.startsWith('x'.repeat(1000))).toBe(true);
  });

  it('writes the nucleus\'s own notes about the replica', async () => {
    const { log, file } = open();
    log.note('warn', 'replica crashed; restarting', { restartInMs: 100, code: 1 });
    const { parsed } = await linesOf(log, file, 1);
    expect(parsed).toEqual([expect.objectContaining({ level: 'warn', msg: 'replica crashed; restarting', pid: process.pid, ...BASE, component: 'runtime.nucleus', restartInMs: 100, code: 1 })]);
  });

  it('keeps the last lines as text, oldest first: messages of JSON lines with their error', async () => {
    const { log } = open(3);
    await feed(log, 'stdout', [
      `${JSON.stringify({ level: 'error', msg: 'handler failed', err: { message: 'db gone' } })}\n`,
      'plain 1\n',
    ]);
    log.note('info', 'replica ready');
    expect(log.tail()).toEqual(['handler failed: db gone', 'plain 1', 'replica ready']);
    await feed(log, 'stderr', ['plain 2\n']);
    expect(log.tail()).toEqual(['plain 1', 'replica ready', 'plain 2']);
  });

  it('appends to the file of an earlier run, and moves aside one past 64 MiB', async () => {
    const dir = tempDir(defer);
    const file = join(dir, 'big.log');
    writeFileSync(file, '');
    truncateSync(file, 64 * 1024 * 1024 + 1); // sparse: costs no disk
    const log = new ReplicaLog(file, BASE);
    log.note('info', 'fresh start');
    expect((await linesOf(log, file, 1)).parsed.map((l) => l.msg)).toEqual(['fresh start']);
    expect(statSync(`${file}.1`).size).toBe(64 * 1024 * 1024 + 1);

    const again = new ReplicaLog(file, BASE);
    again.note('info', 'second run');
    expect((await linesOf(again, file, 2)).parsed.map((l) => l.msg)).toEqual(['fresh start', 'second run']);
  });

  it('close resolves once every line is in the file, even right after opening; closing again is harmless', async () => {
    const { log, file } = open();
    log.note('info', 'bye');
    await within(log.close(), 5000, 'the first close');
    expect(readFileSync(file, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as LogLine).msg)).toEqual(['bye']);
    await within(log.close(), 5000, 'the second close');
  });
});

describe('ReplicaLog bounds', () => {
  it('rotates while running: its files never take more than their maximum, the newest lines always in the current file', async () => {
    const file = join(tempDir(defer), 'log', 'work-0.log');
    const log = new ReplicaLog(file, BASE, { maxBytes: 30_000 });
    defer(() => log.close());
    // A process logging over time, not in one burst: each ten lines reach the file before the next ten are written
    // (a burst beyond the file's buffer is dropped by design, and a loaded machine must not make this test one).
    const rotating = (log as unknown as { file: RotatingFile }).file;
    let sent = 0;
    let reached = 0;
    const write = rotating.write.bind(rotating);
    rotating.write = (text: string) => {
      sent += Buffer.byteLength(text);
      write(text);
    };
    rotating.stream.on('write', (bytes: number) => (reached += bytes));
    for (let i = 0; i < 2000; i++) {
      log.note('info', 'a line', { i, pad: 'x'.repeat(40) });
      if (i % 10 === 9) await waitFor('the lines to reach the file', () => reached >= sent, 20_000, 1);
    }
    expect(rotating.dropped).toBe(0);
    await log.close();
    const sizes = [file, `${file}.1`, `${file}.2`].map((f) => (existsSync(f) ? statSync(f).size : 0));
    expect(existsSync(`${file}.3`)).toBe(false);
    expect(sizes.every((s) => s > 0)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(30_000 * 1.25 + 1000); // a buffer (a quarter file) more per file at most
    const last = readFileSync(file, 'utf8').trim().split('\n').at(-1)!;
    expect(JSON.parse(last)).toMatchObject({ i: 1999 });
  });

  it('says why when it cannot write (an unwritable log/), and drops lines without throwing', async () => {
    const dir = tempDir(defer);
    writeFileSync(join(dir, 'log'), 'not a directory');
    const log = new ReplicaLog(join(dir, 'log', 'work-0.log'), BASE);
    defer(() => log.close());
    log.note('info', 'lost');
    await waitFor('the write error', () => log.error, 5_000);
    expect(log.error).toMatch(/ENOTDIR|EEXIST/);
    expect(() => log.note('info', 'also lost')).not.toThrow();
  });
});
