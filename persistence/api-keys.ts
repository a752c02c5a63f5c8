import { ROLES, type Principal, type Role } from '../runtime/auth/principal';
import { generateApiKey, parseApiKey, secretMatches } from '../runtime/auth/api-key-format';
import type { PrismaClient } from './prisma-client';

export interface ApiKeyRow {
  id: string;
  name: string;
  role: string;
  tenantId: string | null;
  createdBy: string;
  createdAt: Date;
  revokedAt: Date | null;
}

/** runtime_api_keys: create (the key is returned once), revoke, list, and verify a presented key. */
export class ApiKeyStore {
  constructor(private readonly prisma: PrismaClient) {}

  async create(opts: { name: string; role: Role; tenantId?: string | null; createdBy: string }): Promise<{ key: string; row: ApiKeyRow }> {
    if (opts.role === 'client' && !opts.tenantId) throw new Error('a client key needs a tenant');
    const generated = generateApiKey();
    const row = await this.prisma.runtimeApiKey.create({
      data: { id: generated.id, name: opts.name, role: opts.role, tenantId: opts.tenantId ?? null, secretHash: generated.secretHash, createdBy: opts.createdBy },
      omit: { secretHash: true },
    });
    return { key: generated.key, row };
  }

  /** Revoked keys stop working at once (every request looks its key up). False when no such key. */
  async revoke(id: string): Promise<boolean> {
    const r = await this.prisma.runtimeApiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
    return r.count > 0;
  }

  get(id: string): Promise<ApiKeyRow | null> {
    return this.prisma.runtimeApiKey.findUnique({ where: { id }, omit: { secretHash: true } });
  }

  list(): Promise<ApiKeyRow[]> {
    return this.prisma.runtimeApiKey.findMany({ orderBy: { createdAt: 'asc' }, omit: { secretHash: true } });
  }

  /** The principal a presented key stands for, or undefined (malformed, unknown, revoked, wrong secret). */
  async verify(token: string): Promise<Principal | undefined> {
    const parsed = parseApiKey(token);
    if (!parsed) return undefined;
    const row = await this.prisma.runtimeApiKey.findUnique({ where: { id: parsed.id } });
    if (!row || row.revokedAt || !secretMatches(parsed.secret, row.secretHash)) return undefined;
    if (!(ROLES as readonly string[]).includes(row.role)) return undefined;
    return { actor: `apikey:${row.id}`, role: row.role as Role, tenantId: row.tenantId, via: 'api_key' };
  }
}
