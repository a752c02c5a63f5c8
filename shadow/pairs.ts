import { LegacyResultStore, type LegacyResult } from '../persistence/legacy-results';
import type { AgentExecutionLog, PrismaClient, RuntimeCommand } from '../persistence/prisma-client';
import type { ExecutionResult, ParityPair } from './parity';

export interface ParityWindow {
  since: Date;
  agentFamily?: string;
}

type CommandRef = Pick<RuntimeCommand, 'id' | 'idempotencyKey' | 'agentFamily' | 'action' | 'status' | 'result' | 'costUsd'>;
const COMMAND_FIELDS = { id: true, idempotencyKey: true, agentFamily: true, action: true, status: true, result: true, costUsd: true } as const;

// accepted/running: no outcome yet. Every other status is an outcome (dead_lettered counts as failed).
const UNFINISHED = new Set(['accepted', 'running']);

const usd = (d: { toString(): string } | null) => (d === null ? null : Number(d.toString()));

function fromLegacy(r: LegacyResult): ExecutionResult {
  return { agentFamily: r.agentFamily, action: r.action, status: r.status, output: r.output, latencyMs: r.latencyMs, costUsd: r.costUsd };
}

/**
 * The runtime's side: its execution-log row (written with the outcome, keyed by command id), which
 * holds the summed attempt durations as latency; a finished command without one (dead-lettered
 * before any outcome row) falls back to the command row, with no latency to compare.
 */
function fromRuntime(c: CommandRef, log: AgentExecutionLog | undefined): ExecutionResult {
  if (log) return { agentFamily: log.agentFamily, action: log.action, status: log.status, output: log.output ?? null, latencyMs: log.durationMs, costUsd: usd(log.costUsd) };
  return { agentFamily: c.agentFamily, action: c.action, status: c.status === 'dead_lettered' ? 'failed' : c.status, output: c.result ?? null, latencyMs: null, costUsd: usd(c.costUsd) };
}

/**
 * Every legacy/runtime pair touching the window: shadow commands created in it and legacy results
 * finished in it, each joined with its other side whenever that side happened (a legacy result
 * finishing just after the window start still pairs with a command accepted just before it).
 * The join key is the command's idempotency key (= the legacy row's correlation_key); a shadow
 * command submitted without one cannot be paired and counts as missing its legacy side.
 */
export async function loadParityPairs(prisma: PrismaClient, window: ParityWindow): Promise<ParityPair[]> {
  const legacyStore = new LegacyResultStore(prisma);
  const family = window.agentFamily ? { agentFamily: window.agentFamily } : {};
  const [shadowCommands, legacyInWindow] = await Promise.all([
    prisma.runtimeCommand.findMany({ where: { shadow: true, createdAt: { gte: window.since }, ...family }, select: COMMAND_FIELDS }),
    legacyStore.since(window.since, window.agentFamily),
  ]);
  const commandKeys = new Set(shadowCommands.flatMap((c) => (c.idempotencyKey ? [c.idempotencyKey] : [])));
  const legacyKeys = new Set(legacyInWindow.map((l) => l.correlationKey));
  const [earlierCommands, laterLegacy] = await Promise.all([
    prisma.runtimeCommand.findMany({ where: { idempotencyKey: { in: [...legacyKeys].filter((k) => !commandKeys.has(k)) } }, select: COMMAND_FIELDS }),
    legacyStore.byKeys([...commandKeys].filter((k) => !legacyKeys.has(k))),
  ]);
  const commands = [...shadowCommands, ...earlierCommands];
  const legacyByKey = new Map([...legacyInWindow, ...laterLegacy].map((l) => [l.correlationKey, l]));
  const logs = await prisma.agentExecutionLog.findMany({ where: { source: 'runtime', correlationKey: { in: commands.map((c) => c.id) } } });
  const logByCommand = new Map(logs.map((l) => [l.correlationKey, l]));

  const pairs: ParityPair[] = commands.map((c) => {
    const legacy = c.idempotencyKey ? legacyByKey.get(c.idempotencyKey) : undefined;
    const pending = UNFINISHED.has(c.status) && !logByCommand.has(c.id);
    return {
      correlationKey: c.idempotencyKey ?? c.id,
      commandId: c.id,
      agentFamily: c.agentFamily,
      ...(legacy ? { legacy: fromLegacy(legacy) } : {}),
      ...(pending ? { runtimePending: true } : { runtime: fromRuntime(c, logByCommand.get(c.id)) }),
    };
  });
  const paired = new Set(commands.flatMap((c) => (c.idempotencyKey ? [c.idempotencyKey] : [])));
  for (const l of legacyByKey.values()) {
    if (!paired.has(l.correlationKey)) pairs.push({ correlationKey: l.correlationKey, agentFamily: l.agentFamily, legacy: fromLegacy(l) });
  }
  return pairs;
}
