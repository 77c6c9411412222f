// Prints through this process's logger, then one JSON line about it: run by logger.test.ts
// with and without CELL_NAME.
import { createLogger, processLog } from '../logger.ts';

const log = processLog();
log.info({ probe: 1 }, 'from the process logger');
log.debug({ probe: 2 }, 'a debug line');
log.error({ err: new Error('boom') }, 'an error line');
process.stdout.write(`${JSON.stringify({ probe: 'done', same: processLog() === log, defaultLevel: createLogger().level })}\n`);
