import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';
import type { Logger } from './logger';

const LEVELS: Record<LogLevel, string> = { TRACE: 'debug', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/**
 * Routes the Temporal SDK's own logs (worker, workflow `log`, activity `log`) into our winston JSON
 * stream, so one log carries everything with the same field names.
 */
export function temporalLoggerFor(logger: Logger, level: LogLevel = 'INFO'): DefaultLogger {
  return new DefaultLogger(level, (entry: LogEntry) => {
    logger.log(LEVELS[entry.level], entry.message, { ...entry.meta, source: 'temporal-sdk' });
  });
}
