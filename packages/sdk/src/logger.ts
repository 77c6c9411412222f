import { restoreCallSites } from './pino-callers.ts'; // first: pino loads after it (see there)
import { pino, type Logger, type DestinationStream } from 'pino';
import { launchSettings } from './launch.ts';

restoreCallSites();

export type { Logger };

/** Options of `createLogger`. */
export interface LoggerOptions {
  /** Cell name, on every line as `cell`. */
  cell?: string | undefined;
  /** Replica id, on every line as `replica`. */
  replica?: string | undefined;
  /** pino level name; default `CELL_LOG_LEVEL` or `info`. */
  level?: string | undefined;
  /** Where lines go; default stdout. */
  destination?: DestinationStream | undefined;
}

/**
 * The one log schema of Cell (SDK, runtime, CLI): JSON lines with
 * `time` (epoch ms), `level` (label), `pid`, `cell`, `replica`, `component`, `msg`,
 * and, where they apply, `trace`, `method`, `callId`, `peer`, `err`. See docs/logging.md.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const base: Record<string, unknown> = { pid: process.pid };
  if (options.cell !== undefined) base['cell'] = options.cell;
  if (options.replica !== undefined) base['replica'] = options.replica;
  return pino(
    {
      level: options.level ?? launchSettings().logLevel ?? 'info',
      base,
      messageKey: 'msg',
      errorKey: 'err',
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}


let processLogger: Logger | undefined;

/**
 * The logger of this process: JSON lines on stdout when the process is a cell started by the
 * runtime (`CELL_NAME` is set), silent otherwise.
 */
export function processLog(): Logger {
  if (processLogger) return processLogger;
  const { name, replica } = launchSettings();
  // Libraries are silent unless given a logger: outside a managed cell, this one drops everything.
  processLogger = name ? createLogger({ cell: name, replica }) : pino({ level: 'silent' });
  return processLogger;
}
