import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { OpenClawGatewayClient } from '../../activities/openclaw/gateway-client';
import { agentSessionKey } from '../../activities/openclaw/protocol';
import { AGENT_FAMILIES } from '../../runtime/agents/registry';

const family = AGENT_FAMILIES.research;

/**
 * One agent run straight to the gateway, as the runtime's executor would make it (same agent,
 * prompt shape and idempotency key shape) but with nothing of the runtime around it: the
 * "gateway alone" side of Mode B.
 */
export async function directGatewayRun(gw: OpenClawGatewayClient): Promise<{ ms: number; ok: boolean }> {
  const id = randomUUID();
  const t0 = performance.now();
  try {
    await gw.runAgent({
      agentId: family.gatewayAgentId,
      sessionKey: agentSessionKey(family.gatewayAgentId, `bench-${id}`),
      message: `[si-command:${id}]\n${family.prompt('investigate', { question: 'Who buys heat pumps? (benchmark)' })}`,
      idempotencyKey: `bench-${id}`,
      timeoutMs: 120_000,
    });
    return { ms: performance.now() - t0, ok: true };
  } catch {
    return { ms: performance.now() - t0, ok: false };
  }
}
