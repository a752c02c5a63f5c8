import { createPrismaClient } from '../../persistence/prisma-client';
import { parseConfig } from '../../runtime/config/load';
import { parityGate as shadowParityGate } from '../../shadow/gate';
import { failed, notAvailable, passed, type Gate } from '../gate-result';

/**
 * Shadow parity over the last 24 hours of a shadow run: the database the runtime and the legacy
 * path wrote to (--parity-database-url). Without one, or with no pairs in the window, there is no
 * verdict to give (not_available); below RUNTIME_SHADOW_PARITY_THRESHOLD in any family it fails.
 */
export function parityGate(opts: { databaseUrl?: string; env?: NodeJS.ProcessEnv } = {}): Gate {
  const name = 'parity';
  return {
    name,
    async run() {
      if (!opts.databaseUrl) return notAvailable(name, 'no shadow-run database given (--parity-database-url)');
      const config = parseConfig({ ...(opts.env ?? process.env), DATABASE_URL: opts.databaseUrl });
      const prisma = createPrismaClient(opts.databaseUrl);
      try {
        const result = await shadowParityGate(prisma, config);
        if (result.status === 'no_data') return notAvailable(name, result.summary.split('\n')[0]!, result.details);
        return (result.ok ? passed : failed)(name, result.summary.split('\n')[0]!, { problems: result.summary.split('\n').slice(1), report: result.details });
      } finally {
        await prisma.$disconnect();
      }
    },
  };
}
