import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, useTeardown } from '../test-fixtures/temp-cells.ts';
import { capsidUnavailable, probeCapsid } from './capsid-probe.ts';
import { capsidSkipReason } from './test-support/capsid-fixture.ts';

const defer = useTeardown();
const isRoot = process.getuid?.() === 0;
const uid = isRoot ? 65534 : process.getuid!();
const gid = isRoot ? 65534 : process.getgid!();
const here = { uid, gid, nodePath: process.execPath };

describe('probeCapsid', () => {
  it.skipIf(capsidSkipReason() !== undefined)('finds bubblewrap, cgroups with pids, and a trial capsid that runs Node, on this machine', () => {
    const probe = probeCapsid(here);
    expect(probe).toMatchObject({ ok: true, reasons: [], bwrap: expect.stringMatching(/bwrap$/), bwrapVersion: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
    expect(['cgroup-v2', 'cgroup-v1']).toContain(probe.enforcer);
  });

  it('says so when bubblewrap is missing or broken', () => {
    const dir = tempDir(defer);
    expect(probeCapsid({ ...here, bwrap: join(dir, 'bwrap') }).reasons.some((r) => r.includes('--version failed'))).toBe(true);
    writeFileSync(join(dir, 'old-bwrap'), '#!/bin/sh\necho "bubblewrap 0.4.1"\n', { mode: 0o755 });
    const old = probeCapsid({ ...here, bwrap: join(dir, 'old-bwrap') });
    expect(old.ok).toBe(false);
    expect(old.reasons.some((r) => r.includes('0.4.1'))).toBe(true);
  });

  it('says so when cgroups cannot be written, or have no pids controller', () => {
    const none = probeCapsid({ ...here, cgroupRoot: tempDir(defer) });
    expect(none).toMatchObject({ ok: false, enforcer: 'none' });
    expect(none.reasons.some((r) => r.includes('cgroups cannot be written'))).toBe(true);
    const root = tempDir(defer, { 'memory/cgroup.procs': '', 'cpu/cgroup.procs': '' });
    const noPids = probeCapsid({ ...here, cgroupRoot: root });
    expect(noPids).toMatchObject({ ok: false, enforcer: 'cgroup-v1' });
    expect(noPids.reasons.some((r) => r.includes('pids'))).toBe(true);
  });

  it('as root, refuses uid 0 and a Node binary the sandbox uid cannot reach', () => {
    if (!isRoot) return; // only root drops to another uid
    expect(probeCapsid({ ...here, uid: 0, gid: 0 }).reasons.some((r) => r.includes('uid is 0'))).toBe(true);
    const hidden = tempDir(defer); // 0700
    mkdirSync(join(hidden, 'bin'));
    writeFileSync(join(hidden, 'bin', 'node'), '', { mode: 0o755 });
    const probe = probeCapsid({ ...here, nodePath: join(hidden, 'bin', 'node') });
    expect(probe.reasons.some((r) => r.includes('not reachable by uid 65534') && r.includes(hidden))).toBe(true);
  });
});

describe('capsidUnavailable', () => {
  it('is the typed refusal: CELL_E_CAPSID_UNAVAILABLE with every reason in details', () => {
    const err = capsidUnavailable({ ok: false, reasons: ['no bwrap', 'no pids'], bwrap: undefined, bwrapVersion: undefined, enforcer: 'none' });
    expect(err).toMatchObject({ code: 'CELL_E_CAPSID_UNAVAILABLE', details: { reasons: ['no bwrap', 'no pids'] } });
  });
});
