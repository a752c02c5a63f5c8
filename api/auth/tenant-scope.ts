import type { Principal } from '../../runtime/auth/principal';
import { ApiError } from '../errors';

/**
 * Clients see their own tenant's commands only; operators and admins see all. Another tenant's
 * command answers 404, exactly as a missing one, so ids cannot be probed.
 */
export function assertVisible(principal: Principal | undefined, command: { id: string; ownerTenant: string | null }): void {
  if (principal && principal.role === 'client' && principal.tenantId !== command.ownerTenant) {
    throw new ApiError(404, 'not_found', `No command ${command.id}`);
  }
}
