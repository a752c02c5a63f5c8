import { Router, type Request } from 'express';
import { z } from 'zod';
import type { PrismaClient } from '../../persistence/prisma-client';
import { commandEnvelopeSchema, idempotencyKeySchema, traceparentSchema } from '../../runtime/command';
import { commandView } from '../command-view';
import type { CommandDispatcher } from '../dispatcher';
import { assertVisible } from '../auth/tenant-scope';
import { ApiError, fieldProblems, invalidRequest, type FieldProblem } from '../errors';
import { traceIdFrom } from '../trace-context';

export interface CommandRoutesDeps {
  prisma: PrismaClient;
  dispatcher: CommandDispatcher;
  isEnabled: () => boolean;
  replayEnabled: () => boolean;
}

export const commandReplayBodySchema = z.strictObject({
  /** Replaces the original input when given; validated like a new command's input. */
  input: z.record(z.string(), z.unknown()).optional(),
  reason: z.string().max(2000).optional(),
});

export const commandIdSchema = z.uuid();

/** Headers are validated with the body so a client learns every problem from one answer. */
function parseSubmission(req: Request, preparsed?: z.infer<typeof commandEnvelopeSchema>) {
  const problems: FieldProblem[] = [];
  const header = (name: string, schema: z.ZodType<string>) => {
    const raw = req.get(name);
    if (raw === undefined) return undefined;
    const parsed = schema.safeParse(raw);
    if (!parsed.success) problems.push(...fieldProblems(parsed.error, [`header:${name}`]));
    return parsed.success ? parsed.data : undefined;
  };
  const idempotencyKey = header('Idempotency-Key', idempotencyKeySchema);
  const traceparent = header('traceparent', traceparentSchema);
  const body = preparsed ? { success: true as const, data: preparsed } : commandEnvelopeSchema.safeParse(req.body);
  if (!body.success) problems.push(...fieldProblems(body.error));
  if (problems.length > 0 || !body.success) throw invalidRequest(problems);
  return { envelope: body.data, idempotencyKey, traceId: traceIdFrom(traceparent) };
}

export function commandRoutes(deps: CommandRoutesDeps): Router {
  const router = Router();

  router.post('/v1/commands', async (req, res) => {
    if (!deps.isEnabled()) {
      throw new ApiError(503, 'runtime_disabled', 'The runtime is not accepting commands (RUNTIME_ENABLED=false)', {}, { 'Retry-After': '60' });
    }
    if (!req.is('application/json')) {
      throw new ApiError(415, 'unsupported_media_type', 'Send the command as application/json');
    }
    const { command, created } = await deps.dispatcher.submit({ ...parseSubmission(req), submittedBy: req.actor!, ownerTenant: req.principal?.tenantId ?? null });
    res
      .status(created ? 202 : 200)
      .location(`/v1/commands/${command.id}`)
      .json(commandView(command));
  });

  // A new command re-running a finished one, linked to it (replayOf / replays in both views).
  router.post('/v1/commands/:commandId/replay', async (req, res) => {
    if (!deps.replayEnabled()) {
      throw new ApiError(403, 'replay_disabled', 'Replay is turned off on this runtime (RUNTIME_REPLAY_ENABLED=false); nothing was changed');
    }
    const id = commandIdSchema.safeParse(req.params.commandId);
    if (!id.success) throw invalidRequest(fieldProblems(id.error, ['commandId']));
    const body = commandReplayBodySchema.safeParse(req.body ?? {});
    if (!body.success) throw invalidRequest(fieldProblems(body.error));
    const original = await deps.prisma.runtimeCommand.findUnique({ where: { id: id.data } });
    if (!original) throw new ApiError(404, 'not_found', `No command ${id.data}`);
    if (!['succeeded', 'failed', 'cancelled'].includes(original.status)) {
      throw new ApiError(409, 'command_not_finished', `Command is ${original.status}; only finished commands can be re-run (dead letters are replayed under /admin/runtime)`, { status: original.status });
    }
    const envelope = commandEnvelopeSchema.safeParse({
      agentFamily: original.agentFamily,
      action: original.action,
      input: body.data.input ?? original.input,
      policyProfile: original.policyProfile,
    });
    if (!envelope.success) throw invalidRequest(fieldProblems(envelope.error));
    const submission = parseSubmission(req, envelope.data);
    const { command, created } = await deps.dispatcher.submit({ ...submission, replayOfCommandId: original.id, submittedBy: req.actor!, ownerTenant: original.ownerTenant });
    res.status(created ? 202 : 200).location(`/v1/commands/${command.id}`).json(commandView(command));
  });

  router.get('/v1/commands/:commandId', async (req, res) => {
    const id = commandIdSchema.safeParse(req.params.commandId);
    if (!id.success) throw invalidRequest(fieldProblems(id.error, ['commandId']));
    const command = await deps.prisma.runtimeCommand.findUnique({
      where: { id: id.data },
      include: { attempts: { orderBy: { attemptNumber: 'asc' } }, replays: { select: { id: true }, orderBy: { createdAt: 'asc' } } },
    });
    if (!command) throw new ApiError(404, 'not_found', `No command ${id.data}`);
    assertVisible(req.principal, command);
    res.json({ ...commandView(command, command.attempts), replays: command.replays.map((r) => r.id) });
  });

  return router;
}
