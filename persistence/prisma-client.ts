/**
 * The only place that constructs PrismaClient. Other modules import Prisma
 * types, enums and errors from 'persistence/prisma-client' (or '../persistence'),
 * never from generated/ directly.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';

export * from '../generated/prisma/client';

export interface CreatePrismaClientOptions {
  /** Max connections of the underlying pg.Pool (pg default: 10). */
  poolMax?: number;
}

/**
 * A PrismaClient on the Rust-free query compiler, talking to PostgreSQL through
 * @prisma/adapter-pg (node-postgres). Call `$disconnect()` on shutdown.
 */
export function createPrismaClient(databaseUrl: string, opts: CreatePrismaClientOptions = {}): PrismaClient {
  const adapter = new PrismaPg({
    connectionString: databaseUrl,
    ...(opts.poolMax !== undefined ? { max: opts.poolMax } : {}),
  });
  return new PrismaClient({ adapter });
}

/** True for a Prisma unique-constraint violation (P2002), e.g. a duplicate idempotency key. */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'P2002';
}

// Prisma's codes for an unreachable server, a closed connection and a timeout; the adapter's
// (@prisma/adapter-pg) kinds for the same; node-postgres's own socket errors and messages.
const DB_UNAVAILABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);
const DB_UNAVAILABLE_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout']);
const DB_UNAVAILABLE_MESSAGE = /Connection terminated|Can't reach database server|timeout exceeded when trying to connect|Server has closed the connection/;

/** True when the error says PostgreSQL is unreachable (down, restarting, connection lost), not that the query was wrong. */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 3) return false;
  const e = err as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown; meta?: { driverAdapterError?: { cause?: { kind?: unknown } } } };
  if (e.name === 'PrismaClientInitializationError') return true;
  if (typeof e.code === 'string' && DB_UNAVAILABLE_CODES.has(e.code)) return true;
  const kind = e.meta?.driverAdapterError?.cause?.kind;
  if (typeof kind === 'string' && DB_UNAVAILABLE_KINDS.has(kind)) return true;
  if (typeof e.message === 'string' && DB_UNAVAILABLE_MESSAGE.test(e.message)) return true;
  return isDatabaseUnavailable(e.cause, depth + 1);
}
