import type { WireLogger } from '../logger.ts';

/** One line a RecordingLogger was given: its level, fixed message and fields (child bindings merged in). */
export interface LoggedLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields: Record<string, unknown>;
}

/** A WireLogger that keeps every line, for tests that assert on what was logged. */
export function recordingLogger(lines: LoggedLine[] = [], bindings: Record<string, unknown> = {}): WireLogger & { lines: LoggedLine[] } {
  const at = (level: LoggedLine['level']) => (fields: object, msg: string) => void lines.push({ level, msg, fields: { ...bindings, ...fields } });
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => recordingLogger(lines, { ...bindings, ...more }),
  };
}
