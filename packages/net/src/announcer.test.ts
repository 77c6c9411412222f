import { join } from 'node:path';
import type { CID } from 'multiformats/cid';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Announcement, parseAnnouncement } from './announcement.ts';
import { Announcer } from './announcer.ts';
import { cellKey } from './cell-key.ts';
import { ANNOUNCE_TOPIC, type ControlPlane } from './control-plane.ts';
import { type P2pNode, startP2pNode } from './p2p-node.ts';
import { loadOrCreateIdentity } from './identity.ts';
import { loopbackConfig, memoryLogger, quietLogger, tempDir, waitFor } from './test-support/fixtures.ts';

const NODE = '12D3KooWHFrmLWTTDD4NodngtRMEVYgxrsDMp4F9iSwYntZ9WjHa';

function announcement(cells: Array<[string, string]>): Announcement {
  return { v: 1, node: NODE, directory: ['10.0.0.7:7700'], cells: cells.map(([name, version]) => ({ name, version, fingerprint: `fp-${name}` })) };
}

/** The part of the control plane the announcer uses, recording what it is asked to do. */
function fakeP2p(options: { failPublish?: boolean; failProvide?: () => boolean } = {}) {
  const published: Array<{ topic: string; announcement: Announcement | undefined }> = [];
  const provided: string[] = [];
  const signals: unknown[] = [];
  const p2p = {
    services: {
      pubsub: {
        publish: async (topic: string, data: Uint8Array) => {
          if (options.failPublish) throw new Error('no peers subscribed');
          published.push({ topic, announcement: parseAnnouncement(data) });
          return { recipients: [] };
        },
      },
    },
    contentRouting: {
      provide: async (cid: CID, opts: { signal?: AbortSignal }) => {
        signals.push(opts.signal);
        if (options.failProvide?.()) throw new Error('no DHT peers yet');
        provided.push(cid.toString());
      },
    },
  };
  return { p2p: p2p as unknown as ControlPlane, published, provided, signals };
}

const keyOf = async (name: string, major: number | null) => (await cellKey(name, major)).toString();

describe('Announcer (control plane faked)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('publishes what current() says, read afresh each time, on the announce topic', async () => {
    const fake = fakeP2p();
    let now = announcement([['stock', '1.0.0']]);
    const announcer = new Announcer({ p2p: fake.p2p, gossip: true, dht: false, everyMs: 60_000, log: quietLogger, current: () => now });
    await announcer.announce();
    now = announcement([['stock', '1.0.0'], ['mailer', '2.0.0']]);
    await announcer.announce();
    expect(fake.published).toEqual([
      { topic: ANNOUNCE_TOPIC, announcement: announcement([['stock', '1.0.0']]) },
      { topic: ANNOUNCE_TOPIC, announcement: now },
    ]);
    expect(fake.provided).toEqual([]);
  });

  it('does not gossip when gossip is off, and survives a failed publish', async () => {
    const silent = fakeP2p();
    await new Announcer({ p2p: silent.p2p, gossip: false, dht: false, everyMs: 60_000, log: quietLogger, current: () => announcement([['stock', '1.0.0']]) }).announce();
    expect(silent.published).toEqual([]);
    const failing = fakeP2p({ failPublish: true });
    await expect(new Announcer({ p2p: failing.p2p, gossip: true, dht: false, everyMs: 60_000, log: quietLogger, current: () => announcement([]) }).announce()).resolves.toBeUndefined();
  });

  it('provides each cell in the DHT under its major and under "any major", once', async () => {
    const fake = fakeP2p();
    let now = announcement([['stock', '1.4.0'], ['mailer', '2.0.0']]);
    const announcer = new Announcer({ p2p: fake.p2p, gossip: false, dht: true, everyMs: 60_000, log: quietLogger, current: () => now });
    await announcer.announce();
    expect(fake.provided.sort()).toEqual([await keyOf('stock', 1), await keyOf('stock', null), await keyOf('mailer', 2), await keyOf('mailer', null)].sort());
    for (const signal of fake.signals) expect(signal).toBeInstanceOf(AbortSignal);
    await announcer.announce();
    expect(fake.provided).toHaveLength(4);
    // A new major of a known cell adds its own key only.
    now = announcement([['stock', '1.4.0'], ['stock', '2.0.0'], ['mailer', '2.0.0']]);
    await announcer.announce();
    expect(fake.provided.slice(4)).toEqual([await keyOf('stock', 2)]);
  });

  it('retries a provide that failed at the next announcement, and logs why at debug', async () => {
    let failing = true;
    const fake = fakeP2p({ failProvide: () => failing });
    const { log, lines } = memoryLogger();
    const announcer = new Announcer({ p2p: fake.p2p, gossip: false, dht: true, everyMs: 60_000, log, current: () => announcement([['stock', '1.0.0']]) });
    await announcer.announce();
    expect(fake.provided).toEqual([]);
    expect(lines().filter((l) => l['level'] === 'debug' && l['cell'] === 'stock')).toHaveLength(2);
    failing = false;
    await announcer.announce();
    expect(fake.provided.sort()).toEqual([await keyOf('stock', 1), await keyOf('stock', null)].sort());
  });

  it('announces at once on start, then every everyMs, until stopped', async () => {
    vi.useFakeTimers();
    const fake = fakeP2p();
    const announcer = new Announcer({ p2p: fake.p2p, gossip: true, dht: false, everyMs: 1000, log: quietLogger, current: () => announcement([]) });
    announcer.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.published).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(3000);
    expect(fake.published).toHaveLength(4);
    announcer.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(fake.published).toHaveLength(4);
  });

  it('announceSoon coalesces changes close together into one announcement within 100 ms', async () => {
    vi.useFakeTimers();
    const fake = fakeP2p();
    const announcer = new Announcer({ p2p: fake.p2p, gossip: true, dht: false, everyMs: 60_000, log: quietLogger, current: () => announcement([]) });
    announcer.announceSoon();
    announcer.announceSoon();
    await vi.advanceTimersByTimeAsync(50);
    announcer.announceSoon();
    await vi.advanceTimersByTimeAsync(49);
    expect(fake.published).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.published).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(fake.published).toHaveLength(1);
    // A later change is announced again.
    announcer.announceSoon();
    await vi.advanceTimersByTimeAsync(100);
    expect(fake.published).toHaveLength(2);
  });

  it('stop cancels an announcement that was only scheduled', async () => {
    vi.useFakeTimers();
    const fake = fakeP2p();
    const announcer = new Announcer({ p2p: fake.p2p, gossip: true, dht: false, everyMs: 60_000, log: quietLogger, current: () => announcement([]) });
    announcer.announceSoon();
    announcer.stop();
    await vi.advanceTimersByTimeAsync(1000);
    expect(fake.published).toHaveLength(0);
  });
});

describe('Announcer (real control planes on loopback)', () => {
  const dir = tempDir();
  const planes: P2pNode[] = [];
  let speaker: ControlPlane;
  let listener: ControlPlane;

  beforeAll(async () => {
    const config = loopbackConfig({ discovery: ['gossip'] });
    planes.push(await startP2pNode(await loadOrCreateIdentity(join(dir.path, 'speaker')), config));
    planes.push(await startP2pNode(await loadOrCreateIdentity(join(dir.path, 'listener')), config));
    speaker = planes[0]!.libp2p;
    listener = planes[1]!.libp2p;
  });
  afterAll(async () => {
    await Promise.all(planes.map((p) => p.stop()));
    dir.remove();
  });

  it('reaches a subscribed peer with the announcement, parseable on arrival', async () => {
    listener.services.pubsub.subscribe(ANNOUNCE_TOPIC);
    const received: Announcement[] = [];
    listener.services.pubsub.addEventListener('message', (event) => {
      if (event.detail.topic !== ANNOUNCE_TOPIC) return;
      const a = parseAnnouncement(event.detail.data);
      if (a) received.push(a);
    });
    await speaker.dial(listener.getMultiaddrs()[0]!);
    const listenerId = listener.peerId.toString();
    await waitFor(() => (speaker.services.pubsub.getSubscribers(ANNOUNCE_TOPIC).some((p) => p.toString() === listenerId) ? true : undefined), 'the listener subscription to reach the speaker');
    const what = announcement([['stock', '1.0.0']]);
    const announcer = new Announcer({ p2p: speaker, gossip: true, dht: false, everyMs: 60_000, log: quietLogger, current: () => what });
    try {
      await announcer.announce();
      await waitFor(() => (received.length > 0 ? true : undefined), 'the announcement to arrive');
    } finally {
      announcer.stop();
    }
    expect(received[0]).toEqual(what);
  });
});
