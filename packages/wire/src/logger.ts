/**
 * The logging the wire layer does, as an interface: pino's `Logger` fits it, and the wire layer
 * does not depend on pino. Object first, fixed message (docs/logging.md).
 */
export interface WireLogger {
  debug(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
  child(bindings: Record<string, unknown>): WireLogger;
}

const NO_OP = (): void => undefined;

/** Drops everything: the default of every collaborator that was not given a logger. */
export const silentLogger: WireLogger = { debug: NO_OP, info: NO_OP, warn: NO_OP, error: NO_OP, child: () => silentLogger };
