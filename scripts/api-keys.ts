/**
 * Service API keys from the command line, for the first admin key (before any token exists) and
 * for operators with database access:
 *
 *   node dist/scripts/api-keys.js create --name <name> --role client|operator|admin [--tenant <id>]
 *   node dist/scripts/api-keys.js list
 *   node dist/scripts/api-keys.js revoke <keyId>
 *
 * DATABASE_URL as for the API. `create` prints the key once (only its hash is stored).
 * Exit codes: 0 done, 1 failure (unknown key), 64 usage.
 */
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../infra/config';
import { createLogger } from '../infra/logger';
import { ApiKeyStore } from '../persistence/api-keys';
import { createPrismaClient } from '../persistence/prisma-client';
import { ROLES, type Role } from '../runtime/auth/principal';

const USAGE = 'usage: api-keys.js create --name <name> --role client|operator|admin [--tenant <id>] | list | revoke <keyId>';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ options: { name: { type: 'string' }, role: { type: 'string' }, tenant: { type: 'string' } }, allowPositionals: true, strict: true });
  const [verb, keyId] = positionals;
  const logger = createLogger('api-keys');
  const config = loadConfigOrExit(logger);
  const keys = new ApiKeyStore(createPrismaClient(config.DATABASE_URL));
  if (verb === 'list') {
    console.log(JSON.stringify(await keys.list(), null, 2));
    return 0;
  }
  if (verb === 'revoke' && keyId) {
    await keys.revoke(keyId);
    const row = await keys.get(keyId);
    if (!row) {
      console.error(`no API key ${keyId}`);
      return 1;
    }
    console.log(JSON.stringify(row, null, 2));
    return 0;
  }
  if (verb === 'create' && values.name && (ROLES as readonly string[]).includes(values.role ?? '')) {
    if (values.role === 'client' && !values.tenant) {
      console.error('a client key needs --tenant');
      return 64;
    }
    const { key, row } = await keys.create({ name: values.name, role: values.role as Role, tenantId: values.tenant ?? null, createdBy: `cli:${userInfo().username}` });
    console.log(JSON.stringify({ ...row, key }, null, 2));
    return 0;
  }
  console.error(USAGE);
  return 64;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
