import { CID } from 'multiformats/cid';
import { CellError } from '@cell/protocol';
import { MAX_MANIFEST_BYTES, type Manifest, verifyManifest } from '@cell/publish';
import type { Logger } from '@cell/sdk';
import type { LocalServedCell } from '../node-network.ts';
import type { PublicationNotice } from '../publications.ts';
import { type DonorCapacity, treeNeeds } from './donor-capacity.ts';
import type { AttestationBook } from './build-attestation.ts';
import type { DonorAdvert } from './donor-advert.ts';
import type { BundleFetcher } from './fetch-tree.ts';
import { assertRunsProcessCells } from './placed-process.ts';
import { type PlacementContext, type PlacementTimings, TreePlacement } from './tree-placement.ts';
import { assertTrusted, type TrustPolicy } from './trust-policy.ts';

/** Where a donor reads manifests and bundles: its node's content store. */
export interface DonorContent extends BundleFetcher {
  get(cid: CID, options?: { signal?: AbortSignal; maxBytes?: number }): Promise<Uint8Array>;
}

export interface DonorOptions extends Omit<PlacementContext, 'content' | 'allowScripts'> {
  content: DonorContent;
  capacity: DonorCapacity;
  trust: TrustPolicy;
  /** Directory of the placements (trees, data, sockets, logs). */
  root: string;
  /** How long fetching a manifest and its bundles may take. Default 5 minutes. */
  fetchTimeoutMs?: number;
  /** Drain time each placed cell gets when the donor stops. Default 10 s. */
  graceMs?: number;
  /** Build attestations heard and how to send this donor's (trees published with a quorum need them). */
  attestations?: { book: AttestationBook; send(manifest: string, artifacts: Record<string, string>): Promise<number> } | undefined;
  /** How long a built tree waits for its quorum before it is refused. Default 10 minutes. */
  quorumTimeoutMs?: number;
  /** Why this donor cannot run process cells, or undefined when it can. Default `capsidNetworkUnavailable` (root, unshare, nsenter, ip). */
  processCellsRefusal?: () => string | undefined;
}

/** How often this donor repeats its attestations (for donors that build later). */
const ATTEST_EVERY_MS = 2000;

/** What became of a publication offered to the donor. */
export type OfferOutcome =
  | { placed: true; cid: string; tree: string; timings: PlacementTimings }
  | { placed: false; cid: string; code: string; message: string };

/** Refusals from one node before its notices are ignored: it sent tampered or unsigned manifests. */
const MAX_STRIKES = 3;

/**
 * A machine lending its capacity: offered publications (notices from the network) are checked
 * against the trust policy, fetched and verified (every block's hash, the manifest's signature by
 * its author), reserved against what the donor offers, and placed — built and run in capsids.
 * A newer manifest of a tree (naming the placed one as `previous`) replaces it once it runs.
 */
export class Donor {
  private readonly options: DonorOptions;
  private readonly log: Logger;
  private readonly placements = new Map<string, { placement: TreePlacement; release: () => void }>();
  private readonly pending = new Map<string, Promise<OfferOutcome>>();
  private readonly strikes = new Map<string, number>();
  private readonly attesting = new Map<string, NodeJS.Timeout>();
  private stopping = false;

  constructor(options: DonorOptions) {
    this.options = options;
    this.log = options.log.child({ component: 'net.donor' });
  }

  /** Offers a publication; resolves with what happened (never rejects). The same manifest twice is placed once. */
  offer(notice: Pick<PublicationNotice, 'manifest' | 'author'> & { node?: string }): Promise<OfferOutcome> {
    const cid = notice.manifest;
    const placed = this.placements.get(cid);
    if (placed) return Promise.resolve({ placed: true, cid, tree: placed.placement.manifest.tree.name, timings: placed.placement.timings });
    let p = this.pending.get(cid);
    if (!p) {
      p = this.place(notice).then(
        (outcome) => outcome,
        (err: unknown) => this.refused(cid, err, notice.node),
      );
      this.pending.set(cid, p);
      void p.finally(() => this.pending.delete(cid));
    }
    return p;
  }

  private refused(cid: string, err: unknown, node: string | undefined): OfferOutcome {
    const code = (err as CellError).code ?? 'CELL_E_INTERNAL';
    const message = (err as Error).message;
    if (node && (code === 'CELL_E_MANIFEST_INVALID' || code === 'CELL_E_CONTENT_UNAVAILABLE')) this.strikes.set(node, (this.strikes.get(node) ?? 0) + 1);
    this.log.warn({ manifest: cid, code, node, err: message }, 'publication refused');
    return { placed: false, cid, code, message };
  }

  /** True when notices from `node` are ignored (it offered tampered or unavailable content too often). */
  isSuspect(node: string): boolean {
    return (this.strikes.get(node) ?? 0) >= MAX_STRIKES;
  }

  private async place(notice: Pick<PublicationNotice, 'manifest' | 'author'> & { node?: string }): Promise<OfferOutcome> {
    if (this.stopping) throw new CellError('CELL_E_UNAVAILABLE', 'the donor is stopping');
    if (notice.node && this.isSuspect(notice.node)) throw new CellError('CELL_E_DENIED', `node ${notice.node} sent bad publications before; ignored`);
    // The notice's claim first: nothing is fetched for an author the policy refuses anyway.
    assertTrusted(this.options.trust, notice.author);
    const cid = CID.parse(notice.manifest);
    const signal = AbortSignal.timeout(this.options.fetchTimeoutMs ?? 300_000);
    const bytes = await this.options.content.get(cid, { signal, maxBytes: MAX_MANIFEST_BYTES });
    const { manifest } = await verifyManifest(bytes, cid);
    assertTrusted(this.options.trust, manifest.author.key);
    // Before anything is fetched or reserved: the manifest names its process cells.
    const processCells = manifest.cells.filter((c) => c.process === true).map((c) => c.name);
    assertRunsProcessCells(manifest.tree.name, processCells, this.options.processCellsRefusal);
    const needs = treeNeeds(manifest);
    const release = this.options.capacity.reserve(notice.manifest, needs);
    // Fetching the bundles and building every cell can take minutes: say it started.
    this.log.info({ manifest: notice.manifest, tree: manifest.tree.name, version: manifest.tree.version, node: notice.node, needs }, 'placing publication');
    let placement: TreePlacement;
    try {
      const quorum = manifest.tree.quorum ?? 1;
      placement = await TreePlacement.start({ ...this.options, allowScripts: this.options.trust.allowsScripts }, manifest, notice.manifest, this.options.root, {
        signal,
        maxBytes: needs.storageBytes,
        beforeStart: quorum > 1 ? (artifacts) => this.awaitQuorum(notice.manifest, artifacts, quorum) : undefined,
      });
    } catch (err) {
      release();
      throw err;
    }
    this.placements.set(notice.manifest, { placement, release });
    this.log.info({ manifest: notice.manifest, tree: manifest.tree.name, version: manifest.tree.version, author: manifest.author.key, ...placement.timings, artifacts: placement.artifacts }, 'tree placed');
    if (this.stopping) await this.remove(notice.manifest);
    else await this.replaceOlder(manifest);
    return { placed: true, cid: notice.manifest, tree: manifest.tree.name, timings: placement.timings };
  }

  /**
   * Attests this donor's build and waits until `quorum - 1` other donors attested the same bytes
   * (CELL_E_QUORUM_NOT_REACHED after the quorum timeout). The attestation is repeated while the
   * tree stays placed, for donors that build it later.
   */
  private async awaitQuorum(cid: string, artifacts: Record<string, string>, quorum: number): Promise<void> {
    const a = this.options.attestations;
    if (!a) throw new CellError('CELL_E_QUORUM_NOT_REACHED', `the tree asks for a build quorum of ${quorum} and this donor hears no attestations (no gossip)`, { details: { quorum, agreeing: [] } });
    const send = () => void a.send(cid, artifacts).catch(() => undefined);
    send();
    const repeat = setInterval(send, ATTEST_EVERY_MS);
    this.attesting.set(cid, repeat);
    const reached = await a.book.until(cid, artifacts, quorum - 1, AbortSignal.timeout(this.options.quorumTimeoutMs ?? 600_000));
    if (!reached) {
      clearInterval(repeat);
      this.attesting.delete(cid);
      const agreeing = a.book.agreeing(cid, artifacts);
      throw new CellError('CELL_E_QUORUM_NOT_REACHED', `${agreeing.length + 1} of the ${quorum} donors the tree asks for built the same bytes in time`, { details: { quorum, agreeing } });
    }
    this.log.info({ manifest: cid, quorum, agreeing: a.book.agreeing(cid, artifacts) }, 'build quorum reached');
  }

  /** Stops the placement a newer manifest replaces (same author, named as its `previous`). */
  private async replaceOlder(manifest: Manifest): Promise<void> {
    const old = manifest.previous === null ? undefined : this.placements.get(manifest.previous);
    if (!old || old.placement.manifest.author.key !== manifest.author.key) return;
    this.log.info({ manifest: manifest.previous, tree: manifest.tree.name }, 'older version of a placed tree replaced');
    await this.remove(manifest.previous!);
  }

  private async remove(cid: string): Promise<void> {
    const entry = this.placements.get(cid);
    if (!entry) return;
    this.placements.delete(cid);
    clearInterval(this.attesting.get(cid));
    this.attesting.delete(cid);
    await entry.placement.stop(this.options.graceMs ?? 10_000);
    entry.release();
  }

  /** What this donor serves other nodes: every placed cell with ready replicas. */
  servedCells(): LocalServedCell[] {
    return [...this.placements.values()].flatMap((p) => p.placement.servedCells());
  }

  /** How long fetching, building and starting a placed tree took. */
  placementTimings(cid: string): PlacementTimings | undefined {
    return this.placements.get(cid)?.placement.timings;
  }

  /** What this donor advertises: its capacity, what of it is free, the manifests it runs. */
  advertisement(until: Date | undefined): Omit<DonorAdvert, 'v' | 'node' | 'signature'> {
    const { capacity } = this.options;
    return { offered: { ...capacity.offered }, free: capacity.free(), until: until?.toISOString() ?? null, placed: [...this.placements.keys()], at: Date.now() };
  }

  /** Placed trees and their replicas. */
  status(): Array<{ cid: string; tree: string; version: string; author: string; replicas: ReturnType<TreePlacement['status']> }> {
    return [...this.placements.entries()].map(([cid, { placement }]) => ({
      cid,
      tree: placement.manifest.tree.name,
      version: placement.manifest.tree.version,
      author: placement.manifest.author.key,
      replicas: placement.status(),
    }));
  }

  /** Refuses new placements, waits for those being placed, and drains every placed tree (hands the capacity back). */
  async drain(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.pending.values()]);
    await Promise.all([...this.placements.keys()].map((cid) => this.remove(cid)));
  }
}
