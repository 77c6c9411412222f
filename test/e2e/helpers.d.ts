import { type ChildProcess } from 'node:child_process';
import { type TreeStatus } from '@cell/sdk';
export declare const REPO: string;
export declare const CLI: string;
export interface CliResult {
    code: number | null;
    stdout: string;
    stderr: string;
}
/** Runs `cell <args>` to completion (bounded). */
export declare function cell(args: string[], options?: {
    cwd?: string;
    env?: Record<string, string>;
    timeoutMs?: number;
}): CliResult;
/** Runs `cell <args>` in the background (for concurrency tests). */
export declare function cellAsync(args: string[], options?: {
    env?: Record<string, string>;
    timeoutMs?: number;
}): Promise<CliResult>;
/** A temporary tree of cells written from `files` (path -> content); `remove` stops and deletes it. */
export interface TempTree {
    root: string;
    write(path: string, content: string): void;
    /** Stops whatever runs in the tree (nucleus, standalone cells), then deletes it. */
    remove(): void;
}
export declare function tempTree(files: Record<string, string>): TempTree;
/** A copy of a directory of this repo (an example) in a temp dir. */
export declare function copyOfRepoDir(rel: string): TempTree;
/** Kills every process whose command line mentions `root` (nucleus and cells): teardown never leaks. */
export declare function killTree(root: string): void;
/** Reads `cell status --json`. */
export declare function status(root: string): TreeStatus;
/** Polls until `predicate(status)` holds (bounded). */
export declare function waitStatus(root: string, predicate: (s: TreeStatus) => boolean, timeoutMs?: number, what?: string): Promise<TreeStatus>;
export declare function cellOf(s: TreeStatus, name: string): TreeStatus['cells'][number];
/** A free TCP port on loopback. */
export declare function freePort(): Promise<number>;
/** Keeps `lanes` calls in flight until `stop()`; counts successes and failures. */
export declare function load(call: () => Promise<unknown>, lanes: number): {
    stop(): Promise<{
        ok: number;
        failed: number;
        errors: string[];
    }>;
};
/** cell.toml text for a test cell. */
export declare function cellToml(name: string, extra?: string): string;
export type { ChildProcess };
