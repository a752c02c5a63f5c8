import type { Logger } from '../../infra/logger';
import type { PrismaClient } from '../../persistence/prisma-client';
import type { Principal } from '../../runtime/auth/principal';

export interface AccessDecision {
  /** `METHOD /template` of the route, or `METHOD <path>` for an unknown one. */
  route: string;
  traceId: string;
  principal: Principal | undefined;
  ip: string;
  allowed: boolean;
  /** 401/403 reason, or the role that sufficed. */
  reason: string;
}

/**
 * Records access decisions in runtime_admin_audit (action auth.denied / auth.allowed). Every
 * decision is a structured log line; the table gets every refusal and every allowed admin
 * mutation. Allowed reads and command submissions stay out of it: a command row records who
 * submitted it, and polling a status must not cost a write.
 */
export class AccessAudit {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly logger: Logger,
  ) {}

  /** Awaited for allowed mutations (the mutation needs the database anyway); refusals never wait on it. */
  async record(decision: AccessDecision, persist: boolean): Promise<void> {
    const actor = decision.principal?.actor ?? 'anonymous';
    const fields = { route: decision.route, actor, role: decision.principal?.role ?? null, tenantId: decision.principal?.tenantId ?? null, ip: decision.ip, traceId: decision.traceId, reason: decision.reason };
    if (decision.allowed) this.logger.debug('access allowed', fields);
    else this.logger.warn('access denied', fields);
    if (!persist) return;
    const write = this.prisma.runtimeAdminAudit.create({
      data: {
        actor,
        action: decision.allowed ? 'auth.allowed' : 'auth.denied',
        targetType: 'route',
        targetId: decision.route,
        traceId: decision.traceId,
        outcome: decision.allowed ? 'allowed' : 'rejected',
        details: { reason: decision.reason, role: fields.role, tenantId: fields.tenantId, ip: decision.ip, via: decision.principal?.via ?? null },
      },
    });
    if (decision.allowed) {
      await write;
      return;
    }
    write.catch((err: unknown) => this.logger.error('access denial not audited', { ...fields, error: err instanceof Error ? err.message : String(err) }));
  }
}
