import { join } from 'node:path';
import type { NetworkConfig } from '@cell/config';
import { type CapsidHost, createCapsidHost } from '@cell/runtime';
import type { Logger } from '@cell/sdk';
import { keyFromPeerId } from '@cell/wire';
import { axonCredentials, type NodeIdentity } from '../identity.ts';
import { NodeNetwork } from '../node-network.ts';
import { AttestationBook, BUILD_TOPIC, encodeAttestation, parseAttestation } from './build-attestation.ts';
import { Donor } from './donor.ts';
import { type DonorDirectory, encodeAdvert, watchDonors } from './donor-advert.ts';
import { type Capacity, DonorCapacity } from './donor-capacity.ts';
import type { TrustPolicy } from './trust-policy.ts';

export interface DonationOptions {
  identity: NodeIdentity;
  /** The donor node's `[network]` (from the donor directory's `cell.toml`). */
  network: NetworkConfig;
  /** The donor directory: its node's run/, the placements, the capsids. Must be reachable by the sandbox uid. */
  dir: string;
  offered: Capacity;
  trust: TrustPolicy;
  log: Logger;
  /** Injected for tests; default: a capsid host under `<dir>/capsids` (refuses where the machine cannot sandbox). */
  capsids?: CapsidHost;
  /** Drain time of each placed cell on stop. */
  graceMs?: number;
  /** How long a built tree waits for its build quorum. */
  quorumTimeoutMs?: number;
  /** How long fetching a manifest and its bundles may take. */
  fetchTimeoutMs?: number;
  /** When the donation ends (advertised to other nodes). */
  until?: Date | undefined;
}

/** A running donation: the node, the donor, and how to end it. */
export interface Donation {
  readonly network: NodeNetwork;
  readonly donor: Donor;
  /** Other donors heard on the network (their signed adverts). */
  readonly donors: DonorDirectory;
  /** Refuses new placements, drains the placed trees (capacity handed back), leaves the network. */
  stop(): Promise<void>;
}

/**
 * Starts donating: checks the machine can sandbox cells (else CELL_E_CAPSID_UNAVAILABLE with every
 * reason, before anything joins the network), joins the network as a node whose served cells are
 * the placed ones, and offers itself every publication it hears of.
 */
export async function startDonation(options: DonationOptions): Promise<Donation> {
  const capsids = options.capsids ?? createCapsidHost({ root: join(options.dir, 'capsids') });
  const keys = options.network.allowedKeys;
  const allowedKeys = keys.length === 0 || keys.includes('*') ? 'any' : keys.map(keyFromPeerId);
  const ref: { donor?: Donor } = {};
  let network: NodeNetwork;
  try {
    network = await NodeNetwork.start({
      identity: options.identity,
      config: options.network,
      root: options.dir,
      log: options.log,
      localCells: () => ref.donor?.servedCells() ?? [],
      onPublication: (notice) => void ref.donor?.offer(notice),
    });
  } catch (err) {
    capsids.close();
    throw err;
  }
  const book = new AttestationBook(options.identity.peerId);
  const attest = network.channel(BUILD_TOPIC, (data) => {
    const a = parseAttestation(data);
    if (a) book.record(a);
  });
  const donor = new Donor({
    capsids,
    content: network.content,
    credentials: axonCredentials(options.identity),
    relayHost: options.network.listen.host,
    allowedKeys,
    log: options.log,
    capacity: new DonorCapacity(options.offered),
    trust: options.trust,
    root: join(options.dir, 'placements'),
    graceMs: options.graceMs,
    attestations: { book, send: (manifest, artifacts) => attest(encodeAttestation(options.identity, manifest, artifacts)) },
    quorumTimeoutMs: options.quorumTimeoutMs,
    fetchTimeoutMs: options.fetchTimeoutMs,
  });
  ref.donor = donor;
  // Capacity, advertised every announce interval; other donors' adverts heard.
  const { announceEveryMs } = options.network;
  const donors = watchDonors(network.channel.bind(network), options.log.child({ component: 'net.donors' }), announceEveryMs * 3);
  const advertise = () => void donors.send(encodeAdvert(options.identity, donor.advertisement(options.until))).catch(() => undefined);
  advertise();
  const advertising = setInterval(advertise, announceEveryMs);
  advertising.unref();
  // Publications heard before the donor existed.
  for (const notice of network.publications()) void donor.offer(notice);
  let stopped: Promise<void> | undefined;
  return {
    network,
    donor,
    donors: donors.directory,
    stop: () =>
      (stopped ??= (async () => {
        clearInterval(advertising);
        await donor.drain();
        await network.stop();
        capsids.close();
      })()),
  };
}
