import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { lazy } from '@cell/protocol';
import { canonicalJson } from '@cell/publish';
import type { NodeIdentity } from '../identity.ts';
import { encodeSigned, parseSigned } from './signed-gossip.ts';

/** Gossip topic of build attestations. */
export const BUILD_TOPIC = '/cell/builds/1';
const DOMAIN = 'cell/build-attestation/1\n';

const AttestationSchema = Type.Object(
  {
    v: Type.Literal(1),
    /** CID of the manifest built. */
    manifest: Type.String({ minLength: 1, maxLength: 200 }),
    /** The donor node that built it (peer id: its key). */
    node: Type.String({ minLength: 1, maxLength: 128 }),
    /** sha256 (hex) of each cell's built bundle. */
    artifacts: Type.Record(Type.String({ maxLength: 200 }), Type.String({ pattern: '^[0-9a-f]{64}$' })),
    /** Ed25519 signature (base64url) by `node` over the rest, canonical JSON, domain-prefixed. */
    signature: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);

/** A donor's signed statement: "building this manifest gave these bytes". */
export interface BuildAttestation {
  v: 1;
  manifest: string;
  node: string;
  artifacts: Record<string, string>;
  signature: string;
}

const checker = lazy(() => Compile(AttestationSchema));

/** This node's attestation of a build, encoded for gossip. */
export function encodeAttestation(identity: NodeIdentity, manifest: string, artifacts: Record<string, string>): Uint8Array {
  return encodeSigned(identity, DOMAIN, { v: 1, manifest, artifacts });
}

/** The attestation in `data` when it is well-formed and signed by the node it names; otherwise undefined (peers may send garbage). */
export function parseAttestation(data: Uint8Array): BuildAttestation | undefined {
  return parseSigned<BuildAttestation>(data, DOMAIN, checker());
}

/**
 * The attestations a donor heard, per manifest and node (the latest per node). `agreeing` counts
 * the other nodes whose artifacts are exactly these: a build quorum of k is reached when k - 1
 * other donors built the same bytes.
 */
export class AttestationBook {
  private readonly byManifest = new Map<string, Map<string, string>>();
  private waiters: Array<() => void> = [];
  private readonly self: string;

  constructor(self: string) {
    this.self = self;
  }

  record(a: BuildAttestation): void {
    if (a.node === this.self) return;
    let nodes = this.byManifest.get(a.manifest);
    if (!nodes) this.byManifest.set(a.manifest, (nodes = new Map()));
    nodes.set(a.node, canonicalJson(a.artifacts));
    for (const w of this.waiters.splice(0)) w();
  }

  /** Other nodes that built `manifest` into exactly `artifacts`. */
  agreeing(manifest: string, artifacts: Record<string, string>): string[] {
    const want = canonicalJson(artifacts);
    return [...(this.byManifest.get(manifest) ?? new Map<string, string>()).entries()].filter(([, got]) => got === want).map(([node]) => node);
  }

  /** Resolves true once `others` other nodes agree, false when `signal` aborts first. */
  until(manifest: string, artifacts: Record<string, string>, others: number, signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.agreeing(manifest, artifacts).length >= others) resolve(true);
        else if (signal.aborted) resolve(false);
        else this.waiters.push(check);
      };
      signal.addEventListener('abort', () => {
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve(this.agreeing(manifest, artifacts).length >= others);
      }, { once: true });
      check();
    });
  }
}
