import type { Logger } from '@cell/sdk';
import { type Announcement, encodeAnnouncement } from './announcement.ts';
import { cellKey } from './cell-key.ts';
import { CID } from 'multiformats/cid';
import { ANNOUNCE_TOPIC, type ControlPlane, PUBLISH_TOPIC } from './control-plane.ts';
import { LOOKUP_TIMEOUT_MS } from './directory-client.ts';
import { encodePublicationNotice, type PublishedTree } from './publications.ts';

/** What is announced, read fresh each time. */
export interface AnnouncerOptions {
  p2p: ControlPlane;
  gossip: boolean;
  dht: boolean;
  everyMs: number;
  log: Logger;
  /** This node's announcement as of now. */
  current(): Announcement;
  /** Trees published from this machine, read fresh each time (absent: none). */
  published?(): PublishedTree[];
}

/**
 * Tells the network which cells this node serves: gossip on the announce topic every
 * `everyMs` and soon after a change, and a DHT provider record per cell and major version.
 * Trees published from this machine are announced the same way: a notice on the publish topic
 * and a provider record for the manifest and each bundle.
 */
export class Announcer {
  private readonly options: AnnouncerOptions;
  private readonly provided = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;

  constructor(options: AnnouncerOptions) {
    this.options = options;
  }

  start(): void {
    this.timer = setInterval(() => void this.announce(), this.options.everyMs);
    this.timer.unref();
    void this.announce();
  }

  /** The cells changed: announce within 100 ms (changes close together are announced once). */
  announceSoon(): void {
    if (this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      void this.announce();
    }, 100);
  }

  async announce(): Promise<void> {
    const { p2p, log } = this.options;
    const a = this.options.current();
    if (this.options.gossip) await p2p.services.pubsub.publish(ANNOUNCE_TOPIC, encodeAnnouncement(a)).catch(() => undefined);
    const published = this.options.published?.() ?? [];
    if (this.options.gossip) {
      for (const t of published) {
        const notice = encodePublicationNotice({ v: 1, manifest: t.manifest, author: t.author, tree: t.tree, version: t.version, node: a.node });
        await p2p.services.pubsub.publish(PUBLISH_TOPIC, notice).catch(() => undefined);
      }
    }
    if (!this.options.dht) return;
    for (const cid of new Set(published.flatMap((t) => t.cids))) {
      if (this.provided.has(cid)) continue;
      try {
        await p2p.contentRouting.provide(CID.parse(cid), { signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS) });
        this.provided.add(cid);
      } catch (err) {
        log.debug({ err, cid }, 'could not provide published content in the DHT yet');
      }
    }
    for (const c of a.cells) {
      for (const major of [Number.parseInt(c.version, 10), null]) {
        const key = `${c.name}@${major ?? '*'}`;
        if (this.provided.has(key)) continue;
        try {
          await p2p.contentRouting.provide(await cellKey(c.name, major), { signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS) });
          this.provided.add(key);
        } catch (err) {
          log.debug({ err, cell: c.name }, 'could not provide a cell in the DHT yet');
        }
      }
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
  }
}
