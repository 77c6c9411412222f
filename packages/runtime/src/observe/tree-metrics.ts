import { readFileSync } from 'node:fs';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { TreeStatus } from '@cell/host';
import { DURATION_BUCKETS_MS } from '@cell/wire';
import { CountedHistogram } from './counted-histogram.ts';

/** Linux reports process CPU time in clock ticks of 1/100 s. */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds (user + system, every thread) a process has used; null once it is gone. */
export function cpuSecondsOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

type Labels<K extends string> = Record<K, string>;

/**
 * The tree as Prometheus metrics (docs/metrics.md): a registry refreshed from a full status
 * before each scrape, plus the nucleus's own process metrics. Nothing is counted on a call's path.
 */
export class TreeMetrics {
  readonly registry = new Registry();
  private readonly gauges: Array<Gauge<string>> = [];
  private readonly counters: Array<Counter<string>> = [];
  private readonly cellInfo = this.gauge('cell_info', 'Always 1: the version each cell runs', ['cell', 'version']);
  private readonly cellState = this.gauge('cell_state', '1 for the state each cell is in (ready, degraded, failed, idle, ...)', ['cell', 'state']);
  private readonly replicasWanted = this.gauge('cell_replicas_wanted', 'Replicas each cell is asked to run', ['cell']);
  private readonly replicaUp = this.gauge('cell_replica_up', '1 while a replica is ready, else 0', ['cell', 'replica']);
  private readonly replicaState = this.gauge('cell_replica_state', '1 for the state each replica is in (starting, ready, backoff, failed, ...)', ['cell', 'replica', 'state']);
  private readonly restarts = this.counter('cell_replica_restarts_total', 'Restarts of a replica since the tree started', ['cell', 'replica']);
  private readonly cpu = this.counter('cell_replica_cpu_seconds_total', 'CPU time (user + system) of the replica process running now', ['cell', 'replica']);
  private readonly memory = this.gauge('cell_replica_resident_memory_bytes', 'Resident memory of the replica process', ['cell', 'replica']);
  private readonly started = this.gauge('cell_replica_start_time_seconds', 'Unix time the replica process running now started', ['cell', 'replica']);
  private readonly replicaInFlight = this.gauge('cell_replica_calls_in_flight', 'Calls a replica process is handling now', ['cell', 'replica']);
  private readonly replicaConnections = this.gauge('cell_replica_connections', 'Caller connections a replica process holds now', ['cell', 'replica']);
  private readonly replicaAxonConnections = this.gauge('cell_replica_axon_connections', 'Of those, connections from other nodes (axons)', ['cell', 'replica']);
  private readonly lastExit = this.gauge('cell_replica_last_exit_time_seconds', 'Unix time a replica process last ended, labelled with why (crash, oom, idle, stopped, reload, start-failed)', ['cell', 'replica', 'reason']);
  private readonly candidateConnected = this.gauge('cell_dependency_candidate_connected', '1 while a cell holds a connection to this candidate of a dependency', ['cell', 'dependency', 'endpoint']);
  private readonly candidateLatency = this.gauge('cell_dependency_candidate_latency_seconds', "The racer's round-trip estimate (peak EWMA) for a candidate", ['cell', 'dependency', 'endpoint']);
  private readonly candidateInFlight = this.gauge('cell_dependency_candidate_calls_in_flight', 'Calls a cell has in flight to a candidate', ['cell', 'dependency', 'endpoint']);
  private readonly candidateScore = this.gauge('cell_dependency_candidate_score', "The racer's score of a candidate (lower wins)", ['cell', 'dependency', 'endpoint']);
  private readonly candidateCalls = this.counter('cell_dependency_candidate_calls_total', 'Calls a cell made to a candidate', ['cell', 'dependency', 'endpoint']);
  private readonly calls = this.counter('cell_calls_total', 'Calls a cell served, by method and outcome (ok or error), counted by its running processes', ['cell', 'method', 'outcome']);
  private readonly callErrors = this.counter('cell_call_errors_total', 'Calls a cell served that failed, by method and error code', ['cell', 'method', 'code']);
  private readonly callDuration = new CountedHistogram({
    name: 'cell_call_duration_seconds',
    help: 'How long the calls a cell served took, by method, from request to reply',
    bounds: DURATION_BUCKETS_MS.map((ms) => ms / 1000),
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'cell_nucleus_' });
  }

  /** The Prometheus text exposition of `status`. */
  async render(status: TreeStatus): Promise<string> {
    this.update(status);
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private update(status: TreeStatus): void {
    for (const m of [...this.gauges, ...this.counters, this.callDuration]) m.reset();
    const durations = [];
    for (const c of status.cells) {
      const cell = c.name;
      for (const [method, m] of Object.entries(c.methods)) {
        const errors = Object.values(m.errors).reduce((a, b) => a + b, 0);
        this.calls.inc({ cell, method, outcome: 'ok' }, m.ok);
        this.calls.inc({ cell, method, outcome: 'error' }, errors);
        for (const [code, n] of Object.entries(m.errors)) this.callErrors.inc({ cell, method, code }, n);
        durations.push({ labels: { cell, method }, buckets: m.buckets, sum: m.sumMs / 1000 });
      }
      this.cellInfo.set({ cell, version: c.version }, 1);
      this.cellState.set({ cell, state: c.state }, 1);
      this.replicasWanted.set({ cell }, c.replicasWanted);
      for (const r of c.replicas) {
        const labels: Labels<'cell' | 'replica'> = { cell, replica: r.id };
        this.replicaUp.set(labels, r.state === 'ready' ? 1 : 0);
        this.replicaState.set({ ...labels, state: r.state }, 1);
        this.restarts.inc(labels, r.restarts);
        if (r.rssBytes !== null) this.memory.set(labels, r.rssBytes);
        if (r.startedAt !== null) this.started.set(labels, r.startedAt / 1000);
        const cpu = r.pid === null ? null : cpuSecondsOf(r.pid);
        if (cpu !== null) this.cpu.inc(labels, cpu);
        if (r.lastExit) this.lastExit.set({ ...labels, reason: r.lastExit.reason }, r.lastExit.at / 1000);
        if (r.calls) {
          this.replicaInFlight.set(labels, r.calls.inFlight);
          this.replicaConnections.set(labels, r.calls.connections);
          this.replicaAxonConnections.set(labels, r.calls.axonConnections);
        }
      }
      for (const [dependency, candidates] of Object.entries(c.deps)) {
        for (const k of candidates) {
          const labels: Labels<'cell' | 'dependency' | 'endpoint'> = { cell, dependency, endpoint: k.endpoint };
          this.candidateConnected.set(labels, k.connected ? 1 : 0);
          this.candidateInFlight.set(labels, k.inFlight);
          this.candidateCalls.inc(labels, k.calls);
          if (k.latencyMs !== null) this.candidateLatency.set(labels, k.latencyMs / 1000);
          if (k.score !== null) this.candidateScore.set(labels, k.score);
        }
      }
    }
    this.callDuration.set(durations);
  }

  private gauge<K extends string>(name: string, help: string, labelNames: K[]): Gauge<K> {
    const g = new Gauge<K>({ name, help, labelNames, registers: [this.registry] });
    this.gauges.push(g as unknown as Gauge<string>);
    return g;
  }

  private counter<K extends string>(name: string, help: string, labelNames: K[]): Counter<K> {
    const c = new Counter<K>({ name, help, labelNames, registers: [this.registry] });
    this.counters.push(c as unknown as Counter<string>);
    return c;
  }
}
