import { z } from 'zod';

/**
 * Who a verified request acts as. Pure: the API derives it from a verified JWT's claims or from a
 * stored API key; routes and services only ever see this.
 *
 * Roles, least to most: client (submit and read its own tenant's commands), operator (read
 * everything, replay dead letters), admin (everything: config, schedules, discard).
 */
export const ROLES = ['client', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  /** The audit trail's "who": the token subject, or apikey:<id>. */
  actor: string;
  role: Role;
  /** Required for clients (their commands are scoped to it); operators and admins may have none. */
  tenantId: string | null;
  via: 'jwt' | 'api_key';
}

/** True when `role` may do what `required` allows (roles are ordered). */
export function roleAllows(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}

const tenantSchema = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/);
const claimsSchema = z.object({
  sub: z.string().regex(/^[\x21-\x7e]{1,200}$/),
  app_metadata: z
    .object({ role: z.enum(ROLES).optional(), tenant_id: tenantSchema.optional() })
    .catchall(z.unknown())
    .optional(),
});

export type ClaimsProblem = 'invalid_subject' | 'invalid_role' | 'missing_tenant';

/**
 * The claim mapping (Supabase conventions): actor = `sub`; role = `app_metadata.role` (an admin
 * sets it; a user cannot change app_metadata), absent = client; tenant = `app_metadata.tenant_id`.
 * Supabase's top-level `role` claim (authenticated, service_role) is the database role and is
 * deliberately ignored. A client without a tenant has nothing it may read, so it is refused.
 */
export function principalFromClaims(claims: unknown): Principal | ClaimsProblem {
  const parsed = claimsSchema.safeParse(claims);
  if (!parsed.success) return parsed.error.issues.some((i) => i.path[0] === 'sub') ? 'invalid_subject' : 'invalid_role';
  const role = parsed.data.app_metadata?.role ?? 'client';
  const tenantId = parsed.data.app_metadata?.tenant_id ?? null;
  if (role === 'client' && tenantId === null) return 'missing_tenant';
  return { actor: parsed.data.sub, role, tenantId, via: 'jwt' };
}
