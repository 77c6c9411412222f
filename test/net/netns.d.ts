/** One simulated machine: a Linux network namespace with one interface on the test LAN. */
export interface TestHost {
    name: string;
    ns: string;
    ip: string;
    /** The bridge-side end of its cable (what `unplug` takes down). */
    port: string;
}
/** Why network tests cannot run here, or undefined when they can (root and `ip netns`). */
export declare function netnsUnavailable(): string | undefined;
/**
 * A LAN of `count` hosts (10.77.0.1, .2, ...) joined by a bridge that lives in its own
 * namespace: nothing touches the machine's own network. `destroy` removes it all, and a later run
 * removes what a crashed one left.
 */
export declare class TestNetwork {
    readonly hosts: TestHost[];
    private readonly bridgeNs;
    private destroyed;
    private constructor();
    static create(count: number): TestNetwork;
    host(name: string): TestHost;
    /** Command prefix that runs a program on a host. */
    exec(host: TestHost): string[];
    /** Pulls a host's cable: its link on the bridge goes down. */
    unplug(host: TestHost): void;
    plugIn(host: TestHost): void;
    /** Kills every process on the hosts and removes all namespaces (and with them the links). */
    destroy(): void;
}
