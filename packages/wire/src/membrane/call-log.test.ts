import { afterEach, describe, expect, it } from 'vitest';
import { CellError, encodeBody, FrameKind } from '@cell/protocol';
import { fakeHost, methodEntry, rawSession, validator } from '../test-support/fake-host.ts';
import { ManualClock } from '../test-support/manual-clock.ts';
import { recordingLogger } from '../test-support/recording-logger.ts';
import { clientHelloFrame, waitUntil } from '../test-support/raw-peer.ts';
import type { MethodEntry } from './method-entry.ts';

// The per-call debug line, as a membrane writes it: a real MembraneSession on a real socket,
// driven with raw frames, its clock moved by the test.

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function membrane(methods: MethodEntry[], logCalls: boolean) {
  const log = recordingLogger();
  const clock = new ManualClock();
  const host = Object.assign(fakeHost(methods, { clock, log }), { logCalls });
  const s = await rawSession(host);
  cleanups.push(s.close);
  s.peer.write(clientHelloFrame({ cell: 'orders' }));
  await s.peer.takeKind(FrameKind.HELLO, 0);
  const request = (streamId: number, name: string, input: unknown, trace = Buffer.alloc(16, streamId)) =>
    s.peer.send({ kind: FrameKind.REQUEST, streamId, name, body: encodeBody(input), trace });
  const calls = () => log.lines.filter((l) => l.msg === 'call served');
  return { ...s, host, clock, request, calls };
}

describe('call log (one debug line per call)', () => {
  const isNumber = validator((v) => typeof v === 'number');

  it('writes method, call id, trace, caller, duration (from the clock) and outcome for each call, ok or failed', async () => {
    let release!: () => void;
    const slow = methodEntry('slow', 'unary', () => new Promise<number>((r) => (release = () => r(1))));
    const fails = methodEntry('pay', 'unary', () => {
      throw new CellError<string>('CardDeclined', 'declined', { details: {} });
    }, { errors: { CardDeclined: validator(() => true) } });
    const { request, peer, clock, calls } = await membrane([slow, fails], true);
    request(1, 'slow', 0);
    await waitUntil(() => release !== undefined, 'the handler to run');
    clock.advance(12.5);
    release();
    await peer.takeKind(FrameKind.RESPONSE, 1);
    request(3, 'pay', 0);
    await peer.takeError(3);
    expect(calls().map((l) => [l.level, l.fields])).toEqual([
      ['debug', { method: 'slow', callId: 1, trace: '01'.repeat(16), caller: 'orders', durationMs: 12.5, outcome: 'ok' }],
      ['debug', { method: 'pay', callId: 3, trace: '03'.repeat(16), caller: 'orders', durationMs: 0, outcome: 'CardDeclined' }],
    ]);
  });

  it('writes refused calls too, with the code they were refused with', async () => {
    const strict = methodEntry('strict', 'unary', () => 1, { input: isNumber });
    const { request, peer, calls } = await membrane([strict], true);
    request(5, 'strict', 'not a number');
    request(7, 'nope', {});
    await peer.takeError(5);
    await peer.takeError(7);
    expect(calls().map((l) => [l.fields['method'], l.fields['callId'], l.fields['outcome']])).toEqual([
      ['strict', 5, 'CELL_E_INVALID_INPUT'],
      ['nope', 7, 'CELL_E_UNKNOWN_METHOD'],
    ]);
  });

  it('writes a call that ends by its deadline, or by the caller cancelling it', async () => {
    const never = methodEntry('never', 'unary', () => new Promise(() => undefined));
    const { request, peer, clock, calls, host } = await membrane([never], true);
    peer.send({ kind: FrameKind.REQUEST, streamId: 9, name: 'never', body: encodeBody({}), deadlineMs: 100 });
    request(11, 'never', {});
    await waitUntil(() => host.started === 2, 'both calls to arrive');
    clock.advance(100); // the caller keeps its own deadline: nothing is sent, the call just ends
    await waitUntil(() => calls().length === 1, 'the call past its deadline to be logged');
    peer.send({ kind: FrameKind.CANCEL, streamId: 11 });
    await waitUntil(() => calls().length === 2, 'the cancelled call to be logged');
    expect(calls().map((l) => [l.fields['callId'], l.fields['outcome']])).toEqual([
      [9, 'CELL_E_TIMEOUT'],
      [11, 'CELL_E_CANCELLED'],
    ]);
  });

  it('writes nothing when the membrane does not log calls', async () => {
    const echo = methodEntry('echo', 'unary', (input) => input);
    const { request, peer, calls } = await membrane([echo], false);
    request(1, 'echo', 1);
    request(3, 'nope', 1);
    await peer.takeKind(FrameKind.RESPONSE, 1);
    await peer.takeError(3);
    expect(calls()).toEqual([]);
  });
});
