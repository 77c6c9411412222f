import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { lazy } from '@cell/protocol';
import type { Logger } from '@cell/sdk';
import type { NodeIdentity } from '../identity.ts';
import type { Capacity } from './donor-capacity.ts';
import { encodeSigned, parseSigned } from './signed-gossip.ts';

/** Gossip topic where donors advertise their capacity. */
export const DONORS_TOPIC = '/cell/donors/1';
const DOMAIN = 'cell/donor-advert/1\n';

const CapacitySchema = Type.Object(
  { cpu: Type.Number({ minimum: 0, maximum: 1e6 }), memoryBytes: Type.Integer({ minimum: 0 }), storageBytes: Type.Integer({ minimum: 0 }) },
  { additionalProperties: false },
);

const AdvertSchema = Type.Object(
  {
    v: Type.Literal(1),
    node: Type.String({ minLength: 1, maxLength: 128 }),
    /** What `cell donate` offers, and what of it no placement holds. */
    offered: CapacitySchema,
    free: CapacitySchema,
    /** When the donation ends (ISO), or null: until stopped. */
    until: Type.Union([Type.String({ maxLength: 40 }), Type.Null()]),
    /** Manifests this donor runs. */
    placed: Type.Array(Type.String({ maxLength: 200 }), { maxItems: 1000 }),
    /** When it was sent (ms since the epoch, the sender's clock): a replayed older advert never replaces a newer one. */
    at: Type.Integer({ minimum: 0 }),
    signature: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);

/** A donor's signed advertisement of its capacity. */
export interface DonorAdvert {
  v: 1;
  node: string;
  offered: Capacity;
  free: Capacity;
  until: string | null;
  placed: string[];
  at: number;
  signature: string;
}

const checker = lazy(() => Compile(AdvertSchema));

export function encodeAdvert(identity: NodeIdentity, advert: Omit<DonorAdvert, 'v' | 'node' | 'signature'>): Uint8Array {
  return encodeSigned(identity, DOMAIN, { v: 1, ...advert });
}

/** The advert in `data` when well-formed and signed by the donor it names; otherwise undefined. */
export function parseAdvert(data: Uint8Array): DonorAdvert | undefined {
  return parseSigned<DonorAdvert>(data, DOMAIN, checker());
}

/**
 * The donors a node has heard from recently: the newest advert of each, forgotten when none came
 * for `freshMs` (a donor that stopped, or went away).
 */
export class DonorDirectory {
  private readonly adverts = new Map<string, { advert: DonorAdvert; heardAt: number }>();
  private readonly freshMs: number;
  private readonly now: () => number;

  constructor(freshMs: number, now: () => number = Date.now) {
    this.freshMs = freshMs;
    this.now = now;
  }

  /** Records an advert; true when it is the first heard from that donor (or the first since it was forgotten). */
  record(advert: DonorAdvert): boolean {
    const known = this.adverts.get(advert.node);
    const isNew = !known || this.now() - known.heardAt >= this.freshMs;
    if (known && !isNew && advert.at <= known.advert.at) return false;
    this.adverts.set(advert.node, { advert, heardAt: this.now() });
    return isNew;
  }

  /** Donors heard within `freshMs`, by node key. */
  donors(): DonorAdvert[] {
    const now = this.now();
    for (const [node, a] of this.adverts) if (now - a.heardAt >= this.freshMs) this.adverts.delete(node);
    return [...this.adverts.values()].map((a) => a.advert).sort((a, b) => a.node.localeCompare(b.node));
  }
}

/** What can carry gossip on a topic: a node's `channel`. */
export type GossipChannel = (topic: string, onMessage: (data: Uint8Array) => void) => (data: Uint8Array) => Promise<number>;

/**
 * Listens for donor adverts on a node: keeps the directory, logs each donor when first heard
 * (`donor heard`, with its capacity). Returns the directory and how to advertise this node.
 */
export function watchDonors(channel: GossipChannel, log: Logger, freshMs: number): { directory: DonorDirectory; send(data: Uint8Array): Promise<number> } {
  const directory = new DonorDirectory(freshMs);
  const send = channel(DONORS_TOPIC, (data) => {
    const advert = parseAdvert(data);
    if (advert && directory.record(advert)) log.info({ donor: advert.node, offered: advert.offered, free: advert.free, until: advert.until, placed: advert.placed.length }, 'donor heard');
  });
  return { directory, send };
}
