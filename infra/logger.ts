import winston from 'winston';

export type Logger = winston.Logger;

/**
 * JSON lines on stdout. Every log line about a command carries commandId, workflowId and traceId:
 * callers make a child logger with them instead of repeating them per call.
 */
export function createLogger(service: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return winston.createLogger({
    level,
    defaultMeta: { service },
    format: winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.json()),
    transports: [new winston.transports.Console({ stderrLevels: ['error'] })],
  });
}
