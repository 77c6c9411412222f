import { describe, expect, it } from 'vitest';
import { CellError, newTraceId } from '@cell/protocol';
import { methodEntry } from '../test-support/fake-host.ts';
import { ServerCall } from './server-call.ts';

const entry = methodEntry('reserve', 'unary', () => undefined);

describe('ServerCall', () => {
  it('carries what a handler context and its log lines read', () => {
    const trace = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const call = new ServerCall(entry, 1_700_000_000_500, 7, trace);
    expect(call.method).toBe('reserve');
    expect(call.deadline).toBe(1_700_000_000_500);
    expect(call.logFields()).toEqual({ method: 'reserve', callId: 7, trace: '00112233445566778899aabbccddeeff' });
  });

  it('fires the signal a handler read when the call is aborted, with the reason', () => {
    const call = new ServerCall(entry, Infinity, 1, newTraceId());
    const signal = call.signal;
    expect(call.signal).toBe(signal); // one controller per call, made on first read
    let fired = 0;
    signal.addEventListener('abort', () => fired++);
    const reason = new CellError('CELL_E_CANCELLED', 'the caller cancelled the call');
    call.abort(reason);
    call.abort(new CellError('CELL_E_TIMEOUT', 'later'));
    expect(fired).toBe(1);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
  });

  it('gives an already aborted signal to a handler that reads it after the call ended', () => {
    const call = new ServerCall(entry, Infinity, 1, newTraceId());
    const reason = new CellError('CELL_E_UNAVAILABLE', 'the caller disconnected');
    call.abort(reason);
    expect(call.signal.aborted).toBe(true);
    expect((call.signal.reason as CellError<string>).code).toBe('CELL_E_UNAVAILABLE');
  });

  it('never aborts a call that was not aborted', () => {
    const call = new ServerCall(entry, Infinity, 1, newTraceId());
    expect(call.signal.aborted).toBe(false);
  });
});
