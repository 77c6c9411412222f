import type { TestHost, TestNetwork } from './netns.ts';
/** A node of the test LAN: its tree directory, its identity home, its key. */
export interface TestNode {
    host: TestHost;
    root: string;
    home: string;
    key: string;
}
export declare const STOCK_CONTRACT = "import { defineContract, Type, unary } from '@cell/sdk';\nexport const stockContract = defineContract({\n  name: 'stock',\n  version: '1.0.0',\n  methods: {\n    reserve: unary({\n      description: 'Takes units out of stock.',\n      input: Type.Object({ sku: Type.String(), qty: Type.Integer({ minimum: 1 }) }),\n      output: Type.Object({ left: Type.Integer(), host: Type.String() }),\n      errors: { OutOfStock: Type.Object({ available: Type.Integer() }) },\n    }),\n  },\n});\n";
/** A node on `host` with a fresh identity (its tree is written later, once keys are known). */
export declare function makeNode(host: TestHost, base: string, suffix?: string): TestNode;
export interface NetworkOptions {
    discovery: string[];
    bootstrap?: string[];
    /** Directory port (the control plane uses the next one). Default 7700. */
    port?: number;
    /** Node-wide allowed keys ([network] allowed_keys). */
    nodeKeys?: string[];
}
/** A node with no cells: a bootstrap peer for the wide-area scenario. */
export declare function writeBootstrap(node: TestNode, options: NetworkOptions): void;
/** A node serving `stock` to the listed keys (per cell, in [auth]; node-wide ones go in options). */
export declare function writeProvider(node: TestNode, allowed: string[], options: NetworkOptions): void;
/** A node whose `shop` depends on `stock` by name only (found on the network). */
export declare function writeConsumer(node: TestNode, options: NetworkOptions): void;
/** Runs `cell <args>` on a host (inside its namespace) with the node's identity. */
export declare function cellOn(net: TestNetwork, node: TestNode, args: string[], env?: Record<string, string>): {
    code: number | null;
    stdout: string;
    stderr: string;
};
/** A temp base directory for the nodes' trees; `remove` kills what runs in them and deletes it. */
export declare function nodesDir(): {
    base: string;
    remove(nodes: TestNode[]): void;
};
