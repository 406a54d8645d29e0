// Run by close-log.test.ts as a process of its own whose stdout's reader is gone. It logs while its
// only threadpool thread is busy (UV_THREADPOOL_SIZE=1), so the writes are still in flight when it
// exits, the way main.ts exits after a shutdown. `EXIT=plain` exits without closing the log first.
import { pbkdf2 } from 'node:crypto';
import { closeLog, createLogger } from '../../src/observability/logger.js';

const logger = createLogger('info');
// About a second of work for the one thread that would carry the log's writes (short: exiting
// waits for the thread to finish it).
pbkdf2('busy', 'salt', 3_000_000, 64, 'sha512', () => undefined);
logger.info('first line');
logger.info('second line');
if (process.env.EXIT !== 'plain') await closeLog(logger);
process.exit(0);
