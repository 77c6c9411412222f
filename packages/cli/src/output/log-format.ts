import { prettyFactory } from 'pino-pretty';

/** A parsed log line with the time it is sorted by. */
export interface LogRecord {
  time: number;
  raw: string;
  value: Record<string, unknown>;
}

/** Parses one JSON log line; anything else is kept as a message (never dropped). */
export function parseLogLine(raw: string, fallbackTime: number): LogRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  // A record is a JSON object; a bare `42` or `[1,2]` a cell printed is text like any other.
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    const value = parsed as Record<string, unknown>;
    const time = typeof value['time'] === 'number' ? value['time'] : fallbackTime;
    return { time, raw, value };
  }
  return { time: fallbackTime, raw: JSON.stringify({ time: fallbackTime, level: 'info', msg: raw }), value: { time: fallbackTime, level: 'info', msg: raw } };
}

const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/** Renders log records for people: time, level, cell/replica, message, then the other keys. */
export function prettyPrinter(colorize: boolean): (r: LogRecord) => string {
  const pretty = prettyFactory({
    colorize,
    translateTime: 'HH:MM:ss.l',
    ignore: 'pid,hostname,cell,replica,component',
    messageFormat: '{if cell}{cell}{end}{if replica}/{replica}{end} {msg}',
    singleLine: true,
  });
  return (r) => {
    const level = r.value['level'];
    const value = typeof level === 'string' ? { ...r.value, level: LEVELS[level] ?? 30 } : r.value;
    return pretty(value).trimEnd();
  };
}
