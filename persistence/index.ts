/** Persistence layer entry point: Prisma client factory + generated types/enums, database and migration helpers. */
export * from './prisma-client';
export * from './database';
export * from './migrations';
