import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { OpenClawGatewayClient } from '../activities/openclaw/gateway-client';
import { ensureDatabase } from '../persistence/database';
import { applyMigrations } from '../persistence/migrations';
import { parseConfig, ConfigError } from '../runtime/config/load';
import { signDevToken } from '../infra/dev-token';
import { ALLOCATOR_ENV } from '../infra/allocator-env';
import { atNiceness } from '../infra/process-priority';

/*
 * `npm start`: the whole runtime on one machine with embedded defaults. Starts, in order, the
 * Temporal dev server (with UI), the AI-provider stand-in and the OpenClaw gateway, migrates
 * PostgreSQL, then the worker and the API; waits for each to be healthy; prints the URLs; submits
 * one demo command and shows it complete. Ctrl-C stops everything.
 */

const repoRoot = path.resolve(__dirname, '..', '..');
const logDir = path.join(repoRoot, '.data', 'logs');
const children: { name: string; child: ChildProcess }[] = [];

const say = (msg: string) => process.stdout.write(`[start] ${msg}\n`);

function launch(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(path.join(logDir, `${name}.log`), { flags: 'a' });
  const child = spawn(command, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  child.once('exit', (code, signal) => {
    if (!stopping) {
      say(`${name} exited (code ${code}, signal ${signal}); see ${path.join(logDir, `${name}.log`)}`);
      void stopAll(1);
    }
  });
  children.push({ name, child });
  return child;
}

async function waitFor(what: string, check: () => Promise<unknown>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (stopping) throw new Error('stopping');
    try {
      await check();
      return;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new Error(`${what} not healthy after ${timeoutMs / 1000} s: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
}

let stopping = false;
async function stopAll(code: number): Promise<never> {
  stopping = true;
  // Reverse start order: API and worker drain first, infrastructure last.
  for (const { name, child } of children.slice().reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGTERM');
    const exited = await Promise.race([
      new Promise<boolean>((r) => child.once('exit', () => r(true))),
      new Promise<boolean>((r) => setTimeout(() => r(false), 35_000)),
    ]);
    if (!exited) {
      say(`${name} did not stop in time; killing`);
      child.kill('SIGKILL');
    }
  }
  process.exit(code);
}

async function main(): Promise<void> {
  let config;
  try {
    config = parseConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  // Without an identity provider configured, a local secret is made up so the runtime is
  // reachable at once; the admin token signed with it is printed below (never in production:
  // there RUNTIME_AUTH_JWT_SECRET or RUNTIME_AUTH_JWKS_URL comes from the secret store).
  const devSecret = config.RUNTIME_AUTH_JWT_SECRET ?? (config.RUNTIME_AUTH_JWKS_URL ? undefined : randomBytes(32).toString('hex'));
  const env = { ...process.env, ...(devSecret ? { RUNTIME_AUTH_JWT_SECRET: devSecret } : {}) };
  const adminToken = devSecret ? await signDevToken(devSecret, { sub: 'local-admin', role: 'admin' }) : undefined;
  const node = process.execPath;
  const temporalUiPort = process.env.TEMPORAL_UI_PORT ?? '8233';
  const [temporalHost, temporalPort] = config.TEMPORAL_ADDRESS.split(':') as [string, string];
  const gatewayPort = new URL(config.OPENCLAW_GATEWAY_URL).port || '18789';

  say('starting Temporal dev server');
  // The backlog's processes below the API (infra/process-priority.ts).
  const background = (command: string, args: string[]) => atNiceness(config.RUNTIME_BACKGROUND_NICENESS, command, args);
  const temporal = background('bash', [path.join(repoRoot, 'scripts', 'start-temporal.sh')]);
  launch('temporal', temporal.command, temporal.args, { ...env, TEMPORAL_PORT: temporalPort, TEMPORAL_UI_PORT: temporalUiPort });
  say('starting AI-provider stand-in and OpenClaw gateway');
  launch('gateway', node, [path.join(repoRoot, 'dist', 'scripts', 'gateway', 'run.js')], {
    ...env,
    OPENCLAW_GATEWAY_PORT: gatewayPort,
    OPENCLAW_GATEWAY_TOKEN: config.OPENCLAW_GATEWAY_TOKEN,
  });

  say(`migrating ${new URL(config.DATABASE_URL).pathname.slice(1)}`);
  await ensureDatabase(config.DATABASE_URL);
  const migrated = await applyMigrations(config.DATABASE_URL);
  say(`migrations: ${migrated.applied.length} applied, ${migrated.skipped.length} already in place`);

  await waitFor(
    'Temporal',
    async () => {
      const c = await Connection.connect({ address: config.TEMPORAL_ADDRESS, connectTimeout: 2000 });
      try {
        await c.workflowService.getSystemInfo({});
      } finally {
        await c.close();
      }
    },
    120_000,
  );
  say(`Temporal ready at ${temporalHost}:${temporalPort}`);
  await waitFor(
    'OpenClaw gateway',
    async () => {
      const g = new OpenClawGatewayClient({ url: config.OPENCLAW_GATEWAY_URL, token: config.OPENCLAW_GATEWAY_TOKEN, connectTimeoutMs: 3000 });
      try {
        await g.connect();
      } finally {
        await g.close();
      }
    },
    120_000,
  );
  say(`OpenClaw gateway ready at ${config.OPENCLAW_GATEWAY_URL}`);

  const worker = background(node, [path.join(repoRoot, 'dist', 'workers', 'main.js')]);
  launch('worker', worker.command, worker.args, { ...env, ...ALLOCATOR_ENV });
  launch('api', node, [path.join(repoRoot, 'dist', 'api', 'server.js')], { ...env, ...ALLOCATOR_ENV });
  const apiUrl = `http://${config.API_HOST}:${config.API_PORT}`;
  await waitFor('API', async () => {
    const res = await fetch(`${apiUrl}/readyz`);
    if (!res.ok) throw new Error(`readyz answered ${res.status}`);
  }, 60_000);

  say('runtime is up:');
  say(`  API          ${apiUrl}   (POST /v1/commands, GET /v1/commands/:id)`);
  say(`  Temporal UI  http://127.0.0.1:${temporalUiPort}`);
  say(`  Gateway      ${config.OPENCLAW_GATEWAY_URL}   (OpenClaw ${config.RUNTIME_OPENCLAW_VERSION}, AI provider: local stand-in)`);
  say(`  Events (SSE) ${apiUrl}/admin/runtime/events   (curl -N; filters: commandId, agentFamily, type)`);
  say(`  Metrics      ${apiUrl}/metrics, worker http://${config.WORKER_METRICS_HOST}:${config.WORKER_METRICS_PORT}/metrics; SLO ${apiUrl}/admin/runtime/slo`);
  say(`  Logs         ${logDir}`);
  if (adminToken) say(`  Admin token  export SI_RUNTIME_TOKEN=${adminToken}   (12 h; send as Authorization: Bearer)`);

  if (process.env.START_DEMO_COMMAND !== 'false' && adminToken) await demoCommand(apiUrl, adminToken);
  say('press Ctrl-C to stop');
}

/** Proves the stack end to end right away, the same way a client would. */
async function demoCommand(apiUrl: string, token: string): Promise<void> {
  const authorization = `Bearer ${token}`;
  const submit = await fetch(`${apiUrl}/v1/commands`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'Idempotency-Key': `start-demo-${Date.now()}`, authorization },
    body: JSON.stringify({ agentFamily: 'market_insight', action: 'scan', input: { market: 'EU residential solar' } }),
  });
  const accepted = (await submit.json()) as { commandId: string; statusUrl: string };
  say(`demo command submitted: ${submit.status} ${accepted.commandId}`);
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const res = await fetch(`${apiUrl}${accepted.statusUrl}`, { headers: { authorization } });
    const body = (await res.json()) as { status: string; result: unknown; attempts: { provider: string; model: string; tokensIn: number; tokensOut: number; costUsd: number }[] };
    if (['succeeded', 'failed', 'dead_lettered', 'cancelled'].includes(body.status)) {
      const a = body.attempts.at(-1);
      say(`demo command ${body.status}: ${JSON.stringify(body.result)}`);
      if (a) say(`  via ${a.provider}/${a.model}, ${a.tokensIn} tokens in, ${a.tokensOut} out, $${a.costUsd}`);
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  say('demo command did not finish within 120 s; see the Temporal UI');
}

main().catch((err) => {
  process.stderr.write(`[start] failed: ${err instanceof Error ? err.message : String(err)}\n`);
  void stopAll(1);
});
