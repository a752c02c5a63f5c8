import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { PrismaClient } from '../../persistence/prisma-client';
import type { MemoryRef, MemoryWrites } from '../../runtime/memory';
import type { PipelineMemory } from '../../runtime/pipelines/mapping';
import { canonicalJson } from '../../runtime/canonical-json';

export interface SnapshotRequest {
  commandId: string;
  workflowId: string;
  /** The step whose result this snapshot records ('input' for the first). */
  step: string;
  /** The snapshot this one extends; null for the first of a command. */
  base: MemoryRef | null;
  writes: MemoryWrites;
}

/**
 * The memory manager's store: versioned snapshots of a pipeline run's memory in
 * runtime_memory_snapshots. Workflows hold only a MemoryRef, so memory of any size stays out of
 * workflow history; the executor loads the version it is given. Writes are idempotent per
 * (command, version): a retried snapshot activity finds its row and returns the same reference.
 */
export class MemoryStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly maxBytes: number,
  ) {}

  async load(commandId: string, version: number): Promise<PipelineMemory> {
    const row = await this.prisma.runtimeMemorySnapshot.findUnique({ where: { commandId_version: { commandId, version } } });
    if (!row) throw ApplicationFailure.create({ type: 'internal', message: `memory snapshot ${version} of command ${commandId} does not exist`, nonRetryable: true });
    return row.content as unknown as PipelineMemory;
  }

  async snapshot(req: SnapshotRequest): Promise<MemoryRef> {
    const base: PipelineMemory = req.base ? await this.load(req.commandId, req.base.version) : { input: {}, steps: {} };
    const memory: PipelineMemory = { input: req.writes.input ?? base.input, steps: { ...base.steps, ...req.writes.steps } };
    const json = canonicalJson(memory);
    const sizeBytes = Buffer.byteLength(json);
    if (sizeBytes > this.maxBytes) {
      throw ApplicationFailure.create({
        type: 'invalid_output',
        message: `memory after step ${req.step} is ${sizeBytes} bytes, over RUNTIME_MEMORY_MAX_BYTES=${this.maxBytes}`,
        nonRetryable: true,
      });
    }
    const ref: MemoryRef = { version: (req.base?.version ?? 0) + 1, contentHash: createHash('sha256').update(json).digest('hex'), sizeBytes };
    await this.prisma.runtimeMemorySnapshot.createMany({
      skipDuplicates: true,
      data: [{ id: `${req.commandId}:${ref.version}`, commandId: req.commandId, workflowId: req.workflowId, step: req.step, version: ref.version, contentHash: ref.contentHash, sizeBytes, content: JSON.parse(json) }],
    });
    const stored = await this.prisma.runtimeMemorySnapshot.findUniqueOrThrow({ where: { commandId_version: { commandId: req.commandId, version: ref.version } } });
    // Another writer got there first with other content: a bug, never to be papered over.
    if (stored.contentHash !== ref.contentHash) {
      throw ApplicationFailure.create({ type: 'internal', message: `memory snapshot ${ref.version} of command ${req.commandId} exists with other content`, nonRetryable: true });
    }
    return ref;
  }

  /** The last good snapshot and the steps it has finished: where a replayed or restarted run resumes. */
  async latest(commandId: string): Promise<{ ref: MemoryRef; completedSteps: string[] } | null> {
    const row = await this.prisma.runtimeMemorySnapshot.findFirst({ where: { commandId }, orderBy: { version: 'desc' } });
    if (!row) return null;
    const memory = row.content as unknown as PipelineMemory;
    return { ref: { version: row.version, contentHash: row.contentHash, sizeBytes: row.sizeBytes }, completedSteps: Object.keys(memory.steps ?? {}) };
  }
}
