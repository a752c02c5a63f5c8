import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';

/** Progress on stderr: one rewritten line on a terminal, a line every few seconds otherwise. */
export class Progress {
  private last = 0;
  private readonly tty = process.stderr.isTTY === true;
  line(msg: string, force = false): void {
    const now = Date.now();
    if (this.tty) {
      process.stderr.write(`\r\x1b[K[bench] ${msg}`);
      if (force) process.stderr.write('\n');
    } else if (force || now - this.last > 5000) {
      process.stderr.write(`[bench] ${msg}\n`);
      this.last = now;
    }
  }
}

/** `concurrency` virtual clients, each doing one operation after the other, `total` in all. Returns seconds. */
export async function closedLoop(concurrency: number, total: number, one: (i: number) => Promise<void>, onDone?: (done: number) => void): Promise<number> {
  let next = 0;
  let done = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      while (next < total) {
        const i = next++;
        await one(i);
        onDone?.(++done);
      }
    }),
  );
  return (performance.now() - t0) / 1000;
}

/** Open loop: operation i starts at t0 + i / rate, whatever the earlier ones are doing. */
export async function fixedRate(ratePerSec: number, total: number, one: (i: number) => Promise<void>): Promise<number> {
  const t0 = performance.now();
  const all: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / ratePerSec;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    all.push(one(i));
  }
  await Promise.all(all);
  return (performance.now() - t0) / 1000;
}

export interface Completion {
  status: string;
  completedAt: Date;
}

/**
 * Waits for commands to be projected as completed by reading runtime_commands directly (one
 * batched query every few ms for everything pending), so waiting adds no load on the API.
 */
export class CompletionWatcher {
  private pending = new Map<string, { resolve: (c: Completion) => void; reject: (e: Error) => void; deadline: number }>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  readonly pool: Pool;

  constructor(databaseUrl: string, private everyMs = 5) {
    this.pool = new Pool({ connectionString: databaseUrl, max: 2 });
  }

  /** From the next wait on. Latency is read from completed_at, so polling only paces the clients. */
  pollEvery(ms: number): void {
    this.everyMs = ms;
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.pending.size > 0) this.timer = setInterval(() => void this.tick(), this.everyMs);
  }

  wait(commandId: string, timeoutMs = 120_000): Promise<Completion> {
    return new Promise((resolve, reject) => {
      this.pending.set(commandId, { resolve, reject, deadline: Date.now() + timeoutMs });
      this.timer ??= setInterval(() => void this.tick(), this.everyMs);
    });
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    if (this.pending.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    this.busy = true;
    try {
      const ids = [...this.pending.keys()];
      const { rows } = await this.pool.query<{ id: string; status: string; completed_at: Date }>(
        'SELECT id, status::text AS status, completed_at FROM runtime_commands WHERE id = ANY($1::text[]) AND completed_at IS NOT NULL',
        [ids],
      );
      for (const r of rows) {
        const p = this.pending.get(r.id);
        if (p) {
          this.pending.delete(r.id);
          p.resolve({ status: r.status, completedAt: r.completed_at });
        }
      }
      const now = Date.now();
      for (const [id, p] of this.pending) {
        if (now > p.deadline) {
          this.pending.delete(id);
          p.reject(new Error(`command ${id} not completed in time`));
        }
      }
    } catch (err) {
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(err as Error);
      }
    } finally {
      this.busy = false;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.pool.end();
  }
}

/** Runs fn over items with at most `limit` in flight. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}
