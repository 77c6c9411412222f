import { describe, expect, it } from 'vitest';
import * as runtime from './index.ts';

describe('@cell/runtime public surface', () => {
  it('exports exactly what the CLI and embedding programs are meant to use', () => {
    expect(Object.keys(runtime).sort()).toEqual(
      [
        'BINDINGS_DIR',
        'BUILD_DIR',
        'CELL_BUNDLE_OPTIONS',
        'CapsidProcess',
        'DEFAULT_SANDBOX_UID',
        'GENOME_FILE',
        'MAIN_FILE',
        'Nucleus',
        'RotatingFile',
        'TreeWatch',
        'buildCell',
        'buildTree',
        'buildTreeChecked',
        'bundleCellSandboxed',
        'buildProcessCellSandboxed',
        'capsidNetworkUnavailable',
        'dependencyVariables',
        'interpolate',
        'LOCAL_HOST',
        'openCapsidNetwork',
        'portVariables',
        'capsidUnavailable',
        'checkTree',
        'cpuSecondsOf',
        'DURATION_BUCKETS_MS',
        'currentGenome',
        'fetchGitDependencies',
        'createCapsidHost',
        'findRunningTree',
        'generateDependencyTypes',
        'generateRemoteTypes',
        'genomeFromSource',
        'installCellSandboxed',
        'localDeps',
        'majorOf',
        'probeCapsid',
        'programConfig',
        'programTsconfig',
        'readGenomeFile',
        'reloadCell',
        'reloadWithConsumers',
        'restartCell',
        'runningNucleusPid',
        'runningTree',
        'shippedCompiler',
        'startStandaloneCell',
        'stopCell',
        'summarizeTraces',
        'treeSpans',
        'treeStatus',
        'typecheckCells',
        'typecheckFailure',
        'typecheckTarget',
      ].sort(),
    );
  });

  it('names the build layout inside a cell', () => {
    expect([runtime.BUILD_DIR, runtime.MAIN_FILE, runtime.GENOME_FILE, runtime.BINDINGS_DIR]).toEqual(['.cell/build', '.cell/build/main.mjs', '.cell/genome.json', '.cell/bindings']);
  });
});
