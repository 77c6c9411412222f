import { describe, expect, it } from 'vitest';
import * as net from './index.ts';
import { loadOrCreateIdentity } from './identity.ts';
import { joinNetwork } from './start-node-network.ts';

describe('@cell/net public surface', () => {
  it('exports exactly what other packages use, by hand', () => {
    expect(Object.keys(net).sort()).toEqual([
      'ContentStore',
      'NodeNetwork',
      'allowingInstallScripts',
      'announcePublished',
      'axonCredentials',
      'contentDir',
      'joinNetwork',
      'loadOrCreateIdentity',
      'nodeContract',
      'openBlockstore',
      'parseAxonUrl',
      'parsePublicationNotice',
      'parseTrustPolicy',
      'parseUntil',
      'readPublished',
      'recordPublished',
      'startAxonRelay',
      'startDonation',
      'startP2pNode',
      'watchDonors',
    ]);
  });

  it('exports the modules themselves, not copies', () => {
    expect(net.loadOrCreateIdentity).toBe(loadOrCreateIdentity);
    expect(net.joinNetwork).toBe(joinNetwork);
    expect(net.nodeContract.name).toBe('node');
  });
});
