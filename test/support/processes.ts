import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ALLOCATOR_ENV } from '../../infra/allocator-env';
import { TEST_AUTH_ENV } from './auth';
import { REPO_ROOT } from './paths';
import { until } from './until';

export interface StartedProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** SIGKILLs a child process, as in a crash, and waits until it is gone; nothing to do when it already exited. */
export async function crash(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/** Starts a compiled entry point (path under dist/) as its own process and collects its output. */
export function startProcess(entry: string, env: Record<string, string>): StartedProcess {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', entry)], {
    // Launched as a deployment launches them (README, "Deployment").
    env: { PATH: process.env.PATH ?? '', ...ALLOCATOR_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** The environment a worker or API process needs to join the harness's components on its own task queue. */
export function processEnv(
  h: { databaseUrl: string; temporal: { address: string }; gatewayUrl: string; gatewayToken: string; redisPrefix: string },
  taskQueue: string,
): Record<string, string> {
  return {
    REDIS_KEY_PREFIX: h.redisPrefix,
    DATABASE_URL: h.databaseUrl,
    TEMPORAL_ADDRESS: h.temporal.address,
    // A queue of its own, so this worker and the harness's never take each other's tasks.
    TEMPORAL_TASK_QUEUE: taskQueue,
    OPENCLAW_GATEWAY_URL: h.gatewayUrl,
    OPENCLAW_GATEWAY_TOKEN: h.gatewayToken,
    API_PORT: '0',
    WORKER_METRICS_PORT: '0',
    LOG_LEVEL: 'info',
    ...TEST_AUTH_ENV,
  };
}

const LISTENING = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/;

/** Starts an API process and waits until it listens; its URL is read from its log. */
export async function startApiProcess(env: Record<string, string>): Promise<{ api: StartedProcess; apiUrl: string }> {
  const api = startProcess('api/server.js', env);
  await until('api listening', () => LISTENING.test(api.output()), 30_000);
  return { api, apiUrl: LISTENING.exec(api.output())![1]! };
}

/** Starts a worker and an API process and waits until both are up. */
export async function startRuntimeProcesses(env: Record<string, string>): Promise<{ worker: StartedProcess; api: StartedProcess; apiUrl: string }> {
  const worker = startProcess('workers/main.js', env);
  const [, api] = await Promise.all([until('worker running', () => worker.output().includes('"worker running"'), 60_000), startApiProcess(env)]);
  return { worker, ...api };
}

/** Worker processes a test starts (and kills, to crash them), all gone with killAll() in its after hook. */
export class WorkerProcesses {
  private readonly started: StartedProcess[] = [];

  async start(env: Record<string, string>): Promise<StartedProcess> {
    const worker = startProcess('workers/main.js', env);
    this.started.push(worker);
    await until('worker running', () => worker.output().includes('"worker running"'), 60_000);
    return worker;
  }

  killAll(): void {
    for (const w of this.started) w.child.kill('SIGKILL');
  }
}
