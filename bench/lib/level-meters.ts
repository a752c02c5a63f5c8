import type { CpuMeter } from './procs';
import type { TemporalRequestMeter } from './temporal-requests';

export interface PerCommandFigures {
  /** CPU ms per command, per process (CpuMeter). */
  cpu: Record<string, number>;
  /** Temporal requests per command (TemporalRequestMeter). */
  temporal: Record<string, number>;
}

/**
 * What every half of a level meters: CPU per process and the Temporal server's requests. The CPU
 * is read inside the Temporal reads, which wait for the server's metrics to be flushed, so that
 * wait is never charged to anyone's CPU.
 */
export class LevelMeters {
  constructor(
    private readonly cpu: CpuMeter,
    private readonly temporal: TemporalRequestMeter,
  ) {}

  async start(): Promise<void> {
    await this.temporal.start();
    await this.cpu.start();
  }

  async perCommand(commands: number): Promise<PerCommandFigures> {
    const cpu = await this.cpu.perCommand(commands);
    return { cpu, temporal: await this.temporal.perCommand(commands) };
  }
}
