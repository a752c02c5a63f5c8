import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { atNiceness } from '../../infra/process-priority';
import { parseConfig } from '../../runtime/config/load';

/** Every child the bench started, so an exit path (normal, error, Ctrl-C) can stop them all. */
const children = new Set<BenchChild>();

export interface BenchChild {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Resolves once a line of output matches. */
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  output(): string;
  stop(timeoutMs?: number): Promise<void>;
}

export function startChild(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): BenchChild {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(logFile, { flags: 'a' });
  // Keep only the tail in memory: children log a line per command.
  let tail = '';
  const waiters: { re: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  const onData = (d: Buffer) => {
    log.write(d);
    tail = (tail + d.toString()).slice(-20_000);
    for (const w of waiters.slice()) {
      const m = w.re.exec(tail);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const bc: BenchChild = {
    name,
    child,
    pid: child.pid ?? -1,
    output: () => tail,
    waitFor(re, timeoutMs) {
      const m = re.exec(tail);
      if (m) return Promise.resolve(m);
      return new Promise((resolve, reject) => {
        const w = { re, resolve: (x: RegExpExecArray) => (clearTimeout(t), resolve(x)) };
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`${name}: no output matching ${re} after ${timeoutMs} ms; last output:\n${tail.slice(-2000)}`));
        }, timeoutMs);
        waiters.push(w);
        child.once('exit', (code, sig) => {
          if (waiters.includes(w)) {
            clearTimeout(t);
            waiters.splice(waiters.indexOf(w), 1);
            reject(new Error(`${name} exited (code ${code}, signal ${sig}) before ready; last output:\n${tail.slice(-2000)}`));
          }
        });
      });
    },
    async stop(timeoutMs = 15_000) {
      children.delete(bc);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const done = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs))]);
        if (!done) {
          child.kill('SIGKILL');
          await exited;
        }
      }
      log.end();
    },
  };
  children.add(bc);
  return bc;
}

/** A child that drains the backlog (a worker, the Temporal dev server): below the API's CPU priority, as `npm start` runs it. */
export function startBackgroundChild(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): BenchChild {
  const niced = atNiceness(backgroundNiceness(), command, args);
  return startChild(name, niced.command, niced.args, env, logFile);
}

let niceness: number | undefined;
/** RUNTIME_BACKGROUND_NICENESS of the bench's environment, validated like every process's configuration. */
function backgroundNiceness(): number {
  return (niceness ??= parseConfig(process.env).RUNTIME_BACKGROUND_NICENESS);
}

/** Stops every child still running (reverse start order). */
export async function stopAllChildren(): Promise<void> {
  for (const c of [...children].reverse()) await c.stop(10_000).catch(() => undefined);
}

/** Synchronous last resort on process exit: SIGKILL whatever is left. */
export function killAllChildrenSync(): void {
  for (const c of children) {
    try {
      c.child.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Samples VmRSS of some processes every `everyMs`; peak per window, plus VmHWM (lifetime peak). */
export class RssSampler {
  private peaks = new Map<number, number>();
  private timer: NodeJS.Timeout;
  constructor(private readonly pids: number[], everyMs = 200) {
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
    this.sample();
  }
  private sample(): void {
    for (const pid of this.pids) {
      const kb = statusKb(pid, 'VmRSS');
      if (kb !== null) this.peaks.set(pid, Math.max(this.peaks.get(pid) ?? 0, kb));
    }
  }
  /** Peak sampled VmRSS since the last reset, in MB. */
  peakMb(pid: number): number | null {
    this.sample();
    const kb = this.peaks.get(pid);
    return kb === undefined ? null : Math.round(kb / 102.4) / 10;
  }
  reset(): void {
    this.peaks.clear();
    this.sample();
  }
  /** Peak sampled VmRSS per pid since the last reset, in MB, then a reset: for sides that take turns. */
  takeMb(): Map<number, number> {
    this.sample();
    const out = new Map([...this.peaks].map(([pid, kb]) => [pid, Math.round(kb / 102.4) / 10]));
    this.reset();
    return out;
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

export function hwmMb(pid: number): number | null {
  const kb = statusKb(pid, 'VmHWM');
  return kb === null ? null : Math.round(kb / 102.4) / 10;
}

export { freePort } from '../../test/support/gateway-fixture';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A process's main thread alone, where CpuMeter and cpuMs take a process id. */
export type MainThreadOf = `${number}/task/${number}`;
export const mainThreadOf = (pid: number): MainThreadOf => `${pid}/task/${pid}`;

/** utime + stime of a process (and its threads), or of one thread, in ms; null when it is gone. */
export function cpuMs(pid: number | MainThreadOf): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is state (field 3); utime and stime are fields 14 and 15.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/**
 * CPU time per command of named processes over one level. Counted per process id: a process that
 * exits during the level (a pooled PostgreSQL backend closed when idle) takes its CPU with it and
 * is left out, rather than subtracting its earlier CPU from the others'; one that starts during
 * the level counts from zero.
 */
export class CpuMeter {
  private before = new Map<string, Map<number | MainThreadOf, number>>();
  private bench0 = process.cpuUsage();
  constructor(private readonly procs: () => Promise<Record<string, (number | MainThreadOf)[]>>) {}
  private async read(): Promise<Map<string, Map<number | MainThreadOf, number>>> {
    const out = new Map<string, Map<number | MainThreadOf, number>>();
    for (const [name, pids] of Object.entries(await this.procs())) {
      const byPid = new Map<number | MainThreadOf, number>();
      for (const p of pids) {
        const ms = cpuMs(p);
        if (ms !== null) byPid.set(p, ms);
      }
      out.set(name, byPid);
    }
    return out;
  }
  async start(): Promise<void> {
    this.before = await this.read();
    this.bench0 = process.cpuUsage();
  }
  async perCommand(commands: number): Promise<Record<string, number>> {
    const after = await this.read();
    const b = process.cpuUsage(this.bench0);
    const out: Record<string, number> = {};
    for (const [name, byPid] of after) {
      const earlier = this.before.get(name);
      let ms = 0;
      for (const [pid, v] of byPid) ms += v - (earlier?.get(pid) ?? 0);
      out[name] = Math.round((ms / Math.max(1, commands)) * 10) / 10;
    }
    out.bench = Math.round(((b.user + b.system) / 1000 / Math.max(1, commands)) * 10) / 10;
    return out;
  }
}
