import { describe, expect, it } from 'vitest';
import { isCellMessage, isNucleusMessage } from './ipc-messages.ts';

describe('IPC messages', () => {
  it('recognises what each side may send, and nothing else', () => {
    expect(isCellMessage({ type: 'cell:apoptosis', idleMs: 5 })).toBe(true);
    expect(isCellMessage({ type: 'cell:stats', connections: 0, inFlight: 0, lastActivityAt: 0, deps: {} })).toBe(true);
    expect(isCellMessage({ type: 'cell:drain' })).toBe(false);
    expect(isNucleusMessage({ type: 'cell:drain', graceMs: 1 })).toBe(true);
    expect(isNucleusMessage({ type: 'cell:axon', port: 1 })).toBe(false);
    for (const junk of [null, undefined, 'cell:drain', 42, {}, { type: 7 }]) {
      expect(isCellMessage(junk)).toBe(false);
      expect(isNucleusMessage(junk)).toBe(false);
    }
  });
});
