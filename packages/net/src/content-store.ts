import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { UnixFS } from '@helia/unixfs';
import type { Helia } from 'helia';
import type { CID } from 'multiformats/cid';
import { CellError } from '@cell/protocol';
import { type Blocks, type ReaskOptions, reaskingBlocks } from './reasking-blocks.ts';

/** What a fetch may take at most, and when to give up. */
export interface FetchOptions {
  signal?: AbortSignal;
  /** Refuse a tree whose files add up to more than this. */
  maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 1 << 30;
/** Entries of a directory fetched at once. */
const FETCH_CONCURRENCY = 16;

/**
 * A node's content: blocks by CID in its Helia store, fetched from other Cell nodes by bitswap
 * when missing (every block's hash is checked on arrival: a block that does not hash to the CID
 * asked for is never stored nor returned), and provided in the DHT.
 */
export class ContentStore {
  private readonly helia: Helia;
  /** Helia's blocks, asking the network again for a block nobody answered (see reaskingBlocks). */
  private readonly blocks: Blocks;
  private readonly fs: UnixFS;

  private constructor(helia: Helia, blocks: Blocks, fs: UnixFS) {
    this.helia = helia;
    this.blocks = blocks;
    this.fs = fs;
  }

  /** The content of a started node (`startP2pNode`); `reask` is how it asks again for an unanswered block. */
  static async of(helia: Helia, reask: ReaskOptions = {}): Promise<ContentStore> {
    const { unixfs } = await import('@helia/unixfs');
    const blocks = reaskingBlocks(helia.blockstore, reask);
    return new ContentStore(helia, blocks, unixfs({ blockstore: blocks }));
  }

  /** The block store to import into (local writes; reads fall back to the network). */
  get blockstore(): Helia['blockstore'] {
    return this.helia.blockstore;
  }

  /** True when the block is stored on this node (the network is not asked). */
  has(cid: CID): Promise<boolean> {
    return Promise.resolve(this.helia.blockstore.has(cid));
  }

  /** Stores one block (a manifest); its CID must be the hash of `bytes`. */
  async put(cid: CID, bytes: Uint8Array): Promise<void> {
    await this.helia.blockstore.put(cid, bytes);
  }

  /** One block, from this node or fetched from a peer (hash verified). */
  async get(cid: CID, options: FetchOptions = {}): Promise<Uint8Array> {
    try {
      const chunks: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of this.blocks.get(cid, { signal: options.signal })) {
        size += chunk.byteLength;
        if (options.maxBytes !== undefined && size > options.maxBytes) {
          throw new CellError('CELL_E_INVALID_ARGUMENT', `block ${cid} has more than ${options.maxBytes} bytes`);
        }
        chunks.push(chunk);
      }
      return Buffer.concat(chunks);
    } catch (err) {
      throw unavailable(cid, err);
    }
  }

  /** Tells the DHT this node provides `cid`. */
  async provide(cid: CID, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.helia.routing.provide(cid, options);
  }

  /**
   * Fetches the UnixFS directory `cid` (a source bundle) into `dest`, which must not exist or be
   * empty: every file with its mode. Paths that would leave `dest` are refused. On failure `dest`
   * is removed.
   */
  async fetchDirectory(cid: CID, dest: string, options: FetchOptions = {}): Promise<{ files: number; bytes: number }> {
    const root = resolve(dest);
    const budget = { bytes: 0, files: 0, max: options.maxBytes ?? DEFAULT_MAX_BYTES };
    try {
      await mkdir(root, { recursive: true });
      await this.fetchEntry(cid, root, root, budget, options.signal);
    } catch (err) {
      // Nothing half-fetched is left to be mistaken for a bundle.
      await rm(root, { recursive: true, force: true });
      throw unavailable(cid, err);
    }
    return { files: budget.files, bytes: budget.bytes };
  }

  private async fetchEntry(cid: CID, path: string, root: string, budget: { bytes: number; files: number; max: number }, signal: AbortSignal | undefined): Promise<void> {
    const stat = await this.fs.stat(cid, { signal });
    if (stat.type === 'directory') {
      await mkdir(path, { recursive: true });
      const children: Array<{ cid: CID; path: string }> = [];
      for await (const entry of this.fs.ls(cid, { signal })) {
        const child = resolve(path, entry.name);
        if (!child.startsWith(root + sep) || entry.name.includes('/')) {
          throw new CellError('CELL_E_INVALID_ARGUMENT', `entry ${JSON.stringify(entry.name)} of ${cid} leaves the directory`);
        }
        children.push({ cid: entry.cid, path: child });
      }
      // Several entries at once: one want at a time would pay a round trip (and bitswap's
      // batching delay) per file.
      let next = 0;
      const worker = async () => {
        while (next < children.length) {
          const c = children[next++]!;
          await this.fetchEntry(c.cid, c.path, root, budget, signal);
        }
      };
      await Promise.all(Array.from({ length: Math.min(FETCH_CONCURRENCY, children.length) }, worker));
      return;
    }
    budget.files += 1;
    budget.bytes += Number(stat.size);
    if (budget.bytes > budget.max) throw new CellError('CELL_E_INVALID_ARGUMENT', `content ${cid} is larger than ${budget.max} bytes`);
    const mode = stat.type === 'file' && (stat.mode & 0o111) !== 0 ? 0o755 : 0o644;
    const chunks = this.fs.cat(cid, { signal });
    await pipeline(chunks, createWriteStream(path, { mode }) as Writable);
  }
}

function unavailable(cid: CID, err: unknown): unknown {
  if ((err as { code?: unknown }).code !== undefined && String((err as { code: unknown }).code).startsWith('CELL_E_')) return err;
  return new CellError('CELL_E_CONTENT_UNAVAILABLE', `content ${cid} could not be read or fetched: ${(err as Error).message}`, { cause: err });
}

