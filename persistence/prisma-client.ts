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
