/**
 * Prisma CLI configuration (Prisma 6.19.3, offline-capable).
 *
 * - `engine: 'js'` + `experimental.adapter` run the WASM schema engine through
 *   @prisma/adapter-pg, so no native engine download is attempted.
 * - A config file turns off Prisma's .env loading: DATABASE_URL must be
 *   exported for every CLI call. We default it here (process.env is read by the
 *   schema's env("DATABASE_URL")), so `prisma generate` / `prisma migrate diff`
 *   work without setup. Diff/generate never connect.
 * - Migrations are applied by persistence/migrations.ts (see prisma/README.md),
 *   not by `prisma migrate deploy`.
 */
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

export const DEFAULT_DATABASE_URL = 'postgresql://root@127.0.0.1:5432/startinsight_runtime';

if (!process.env.DATABASE_URL) {
  process.env.DATABASE_URL = DEFAULT_DATABASE_URL;
}
const databaseUrl: string = process.env.DATABASE_URL;

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  experimental: { adapter: true },
  engine: 'js',
  // allowExitOnIdle: without it the CLI waits ~10 s for the pool's idle timeout before exiting.
  adapter: async () => new PrismaPg({ connectionString: databaseUrl, allowExitOnIdle: true }),
});
