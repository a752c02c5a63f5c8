import { sleep } from './procs';

/**
 * The dev server's tally metrics reach its /metrics page about once a second: a read taken right
 * after a half would miss that half's last second and hand it to the next half.
 */
const METRICS_FLUSH_MS = 1100;

/** Counters summed per key: `frontend` (RPCs the server's clients made), `persistence` (SQLite operations), `frontend.<Operation>`. */
type Counts = Map<string, number>;

const SERVICE_REQUESTS = /^service_requests\{([^}]*)\} ([0-9.e+]+)$/;
const PERSISTENCE_REQUESTS = /^persistence_requests\{([^}]*)\} ([0-9.e+]+)$/;

function label(labels: string, name: string): string | undefined {
  return new RegExp(`(?:^|,)${name}="([^"]*)"`).exec(labels)?.[1];
}

export function parseTemporalCounts(page: string): Counts {
  const out: Counts = new Map();
  const add = (key: string, v: number) => out.set(key, (out.get(key) ?? 0) + v);
  for (const line of page.split('\n')) {
    const service = SERVICE_REQUESTS.exec(line);
    // The history and matching services count the frontend's own calls again: clients talk to the frontend only.
    if (service && label(service[1]!, 'service_name') === 'frontend') {
      add('frontend', Number(service[2]));
      add(`frontend.${label(service[1]!, 'operation') ?? '?'}`, Number(service[2]));
      continue;
    }
    const persistence = PERSISTENCE_REQUESTS.exec(line);
    if (persistence) add('persistence', Number(persistence[2]));
  }
  return out;
}

/**
 * Requests the Temporal dev server served per command over a stretch of a run, read from its
 * Prometheus page (`--metrics-port`): the frontend RPCs its clients made, by operation, and its
 * persistence operations. Bare Temporal and the runtime side by side: whether the runtime asks
 * Temporal for more than a plain workflow with one activity does.
 */
export class TemporalRequestMeter {
  private before: Counts | null = null;
  constructor(private readonly metricsUrl: string) {}

  private async read(): Promise<Counts | null> {
    await sleep(METRICS_FLUSH_MS);
    try {
      const res = await fetch(this.metricsUrl);
      return res.ok ? parseTemporalCounts(await res.text()) : null;
    } catch {
      return null;
    }
  }

  async start(): Promise<void> {
    this.before = await this.read();
  }

  /** Per command since start(); operations under 0.05 per command are left out. Empty when the page could not be read. */
  async perCommand(commands: number): Promise<Record<string, number>> {
    const after = await this.read();
    const out: Record<string, number> = {};
    if (!after || !this.before) return out;
    for (const [key, v] of after) {
      const per = (v - (this.before.get(key) ?? 0)) / Math.max(1, commands);
      if (per >= 0.05 || !key.includes('.')) out[key] = Math.round(per * 100) / 100;
    }
    return out;
  }
}
