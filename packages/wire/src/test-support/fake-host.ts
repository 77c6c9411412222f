import { MethodStats } from '../membrane/method-stats.ts';
import { type Clock, systemClock } from '../clock.ts';
import { DEFAULT_LIMITS } from '../limits.ts';
import { silentLogger, type WireLogger } from '../logger.ts';
import { MembraneSession, type RemotePeer } from '../membrane/membrane-session.ts';
import type { CallHandle, ContextHost, MethodEntry, MethodShape, ValidationIssue, Validator } from '../membrane/method-entry.ts';
import type { MembraneLimits, SessionHost } from '../membrane/session-host.ts';
import { RawPeer, socketPair } from './raw-peer.ts';

/** A validator from a predicate; failing values report `issues`. */
export function validator(check: (value: unknown) => boolean, issues: ValidationIssue[] = [{ path: '/', message: 'is wrong' }]): Validator {
  return { check, issues: () => issues };
}

export const anything: Validator = validator(() => true);

/** A method entry of any shape; validators accept anything unless given. */
export function methodEntry(
  name: string,
  kind: MethodShape,
  handler: (input: unknown, ctx: CallContextLike) => unknown,
  parts: { input?: Validator; output?: Validator; errors?: Record<string, Validator> } = {},
): MethodEntry {
  return {
    name,
    kind,
    handler: handler as MethodEntry['handler'],
    input: parts.input ?? anything,
    output: kind === 'notify' ? undefined : (parts.output ?? anything),
    errors: new Map(Object.entries(parts.errors ?? {})),
    streamsIn: kind === 'clientStream' || kind === 'duplex',
    streamsOut: kind === 'serverStream' || kind === 'duplex',
    stats: new MethodStats(),
  };
}

/** The context a FakeHost gives handlers: the call handle, its trace and the session. */
export interface CallContextLike {
  call: CallHandle;
  trace: Buffer;
  session: ContextHost;
}

/** A SessionHost that records what sessions tell it. */
export interface FakeHost extends SessionHost {
  limits: MembraneLimits;
  started: number;
  ended: number;
  sessionsClosed: number;
  /** Keys `isAllowed` was asked about. */
  asked: Buffer[];
}

export function fakeHost(
  methods: MethodEntry[],
  options: { clock?: Clock; log?: WireLogger; limits?: Partial<MembraneLimits>; allow?: (key: Buffer) => boolean; events?: Record<string, Validator>; validateOutput?: boolean } = {},
): FakeHost {
  const identity = { name: 'fake', version: '1.2.3', fingerprint: 'sha256:fake' };
  const host: FakeHost = {
    identity,
    genome: { genome: 1, ...identity, methods: { m: 'the genome' }, events: {} },
    replica: 'fake-0',
    methods: new Map(methods.map((m) => [m.name, m])),
    events: new Map(Object.entries(options.events ?? {})),
    log: options.log ?? silentLogger,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    validateOutput: options.validateOutput ?? true,
    clock: options.clock ?? systemClock,
    started: 0,
    ended: 0,
    sessionsClosed: 0,
    asked: [],
    isAllowed(key) {
      host.asked.push(key);
      return options.allow?.(key) ?? true;
    },
    createContext: (call, trace, session): CallContextLike => ({ call, trace, session }),
    callStarted: () => void host.started++,
    callEnded: () => void host.ended++,
    sessionClosed: () => void host.sessionsClosed++,
  };
  return host;
}

/** A real MembraneSession on one end of a socket pair, and a RawPeer playing the caller on the other. */
export async function rawSession(host: SessionHost, remote?: RemotePeer): Promise<{ session: MembraneSession; peer: RawPeer; close(): void }> {
  const [near, far] = await socketPair();
  const peer = new RawPeer(far);
  const session = new MembraneSession(near, host, remote);
  return {
    session,
    peer,
    close() {
      near.destroy();
      far.destroy();
    },
  };
}
