import type { ErrorRequestHandler } from 'express';
import type { z } from 'zod';
import { CommandSetupError } from '../commands/errors';
import type { Logger } from '../infra/logger';
import { isDatabaseUnavailable } from '../persistence/prisma-client';

/**
 * Every error the API answers has one machine-readable shape:
 * `{ error: { code, message, ...details } }`. Routes throw ApiError; the handler below renders it.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface FieldProblem {
  path: string;
  code: string;
  message: string;
}

export function fieldProblems(error: z.ZodError, prefix: readonly (string | number)[] = []): FieldProblem[] {
  return error.issues.map((issue) => ({
    path: [...prefix, ...issue.path].map(String).join('.') || '(root)',
    code: issue.code,
    message: issue.message,
  }));
}

export function invalidRequest(fields: FieldProblem[]): ApiError {
  return new ApiError(400, 'invalid_request', `Request validation failed: ${fields.map((f) => f.path).join(', ')}`, { fields });
}

/** The value as the schema parses it, or a 400 naming every field that failed. */
export function parseOrReject<T>(schema: z.ZodType<T>, value: unknown, prefix: string[] = []): T {
  const r = schema.safeParse(value ?? {});
  if (!r.success) throw invalidRequest(fieldProblems(r.error, prefix));
  return r.data;
}

/** body-parser's errors carry a `type`; map the ones a client can cause to 4xx answers. */
function fromBodyParser(err: { type?: string; limit?: number; status?: unknown; message?: unknown }): ApiError | undefined {
  switch (err.type) {
    case 'entity.too.large':
      return new ApiError(413, 'payload_too_large', `Request body exceeds ${err.limit} bytes`, { limitBytes: err.limit });
    case 'entity.parse.failed':
      return new ApiError(400, 'invalid_json', 'Request body is not valid JSON');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError(415, 'unsupported_encoding', 'Request body encoding is not supported');
    case 'request.aborted':
      return new ApiError(400, 'request_aborted', 'Request was aborted by the client');
    default:
      return fromHttpError(err);
  }
}

/**
 * Express and its router raise http-errors for requests they cannot even route, e.g. a path whose
 * percent-encoding does not decode (400). Those a client caused (4xx) are answered as such.
 */
function fromHttpError(err: { status?: unknown; message?: unknown }): ApiError | undefined {
  if (typeof err.status !== 'number' || err.status < 400 || err.status > 499) return undefined;
  return err instanceof URIError ? new ApiError(400, 'invalid_path', 'The request path is not valid percent-encoded UTF-8') : new ApiError(err.status, 'bad_request', typeof err.message === 'string' ? err.message.slice(0, 200) : 'Bad request');
}

const databaseUnavailable = () =>
  new ApiError(503, 'database_unavailable', 'The database is unavailable; retry later (with the same Idempotency-Key for a submission)', {}, { 'Retry-After': '5' });

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const apiError =
      err instanceof ApiError ? err : err instanceof CommandSetupError ? new ApiError(err.status, err.code, err.message, err.details) : (fromBodyParser(err) ?? (isDatabaseUnavailable(err) ? databaseUnavailable() : undefined));
    if (apiError?.code === 'database_unavailable') logger.warn('database unavailable', { method: req.method, path: req.path, error: err instanceof Error ? err.message : String(err) });
    if (apiError) {
      res.status(apiError.status).set(apiError.headers).json({ error: { code: apiError.code, message: apiError.message, ...apiError.details } });
      return;
    }
    logger.error('unhandled API error', { method: req.method, path: req.path, error: err instanceof Error ? err.stack : String(err) });
    res.status(500).json({ error: { code: 'internal', message: 'Internal error' } });
  };
}
