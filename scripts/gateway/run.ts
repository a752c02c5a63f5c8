/**
 * Starts the AI-provider stand-in and the pinned OpenClaw gateway, and keeps them up until
 * SIGTERM/SIGINT. Run after `bash scripts/install-gateway.sh` and a build:
 *
 *   OPENCLAW_GATEWAY_TOKEN=... node dist/scripts/gateway/run.js
 *
 * Env:
 *   OPENCLAW_GATEWAY_TOKEN   required; shared token clients send in `connect` (never printed)
 *   OPENCLAW_GATEWAY_PORT    default 18789
 *   PROVIDER_STANDIN_PORT    default 18790
 *   PROVIDER_STANDIN_URL     optional origin of an already running stand-in (http://host:port);
 *                            when set, none is started here
 *   GATEWAY_STATE_DIR        default <repo>/.data/openclaw
 *   GATEWAY_LOG_FILE         default <state dir>/gateway.log
 */
import * as path from 'node:path';
import { AGENT_FAMILIES } from '../../runtime/agents/registry';
import { startProviderStandin, type ProviderStandin } from '../provider-standin/server';
import { resolveRepoRoot, standinProviders, startGateway, type RunningGateway } from './launch';

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number, got "${raw}"`);
  return n;
}

async function main(): Promise<void> {
  const token = process.env.OPENCLAW_GATEWAY_TOKEN;
  if (!token) throw new Error('OPENCLAW_GATEWAY_TOKEN is required (the shared token gateway clients authenticate with)');
  const repoRoot = resolveRepoRoot();
  const gatewayPort = intEnv('OPENCLAW_GATEWAY_PORT', 18789);
  const standinPort = intEnv('PROVIDER_STANDIN_PORT', 18790);
  const stateDir = path.resolve(process.env.GATEWAY_STATE_DIR || path.join(repoRoot, '.data', 'openclaw'));
  const agentIds = [...new Set(Object.values(AGENT_FAMILIES).map((f) => f.gatewayAgentId))];

  let standin: ProviderStandin | null = null;
  let gateway: RunningGateway | null = null;
  let stopping = false;
  const shutdown = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log('[gateway-run] stopping gateway and provider stand-in');
    await gateway?.stop().catch(() => undefined);
    await standin?.close().catch(() => undefined);
    process.exit(code);
  };
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(0));

  let standinOrigin = process.env.PROVIDER_STANDIN_URL;
  if (!standinOrigin) {
    standin = await startProviderStandin({ port: standinPort });
    standinOrigin = standin.origin;
  }
  const providers = standinProviders(standinOrigin);
  const t0 = Date.now();
  gateway = await startGateway({
    repoRoot,
    stateDir,
    port: gatewayPort,
    token,
    providers,
    agentIds,
    logFile: process.env.GATEWAY_LOG_FILE || undefined,
  });
  console.log(`[gateway-run] OpenClaw gateway ready in ${Date.now() - t0} ms: ${gateway.url} (pid ${gateway.pid})`);
  console.log(`[gateway-run] agents: ${agentIds.join(', ')}; providers (AI-provider STAND-IN): ${providers.map((p) => `${p.id} -> ${p.baseUrl}`).join(', ')}`);
  console.log(`[gateway-run] state: ${stateDir}; gateway log: ${gateway.logFile}`);

  const exit = await gateway.exited;
  if (!stopping) {
    console.error(`[gateway-run] gateway exited unexpectedly (code ${exit.code}, signal ${exit.signal}); see ${gateway.logFile}`);
    await shutdown(1);
  }
}

main().catch((err: unknown) => {
  console.error(`[gateway-run] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
