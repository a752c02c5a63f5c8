import { Router, type Request } from 'express';
import { z } from 'zod';
import type { PrismaClient } from '../../persistence/prisma-client';
import { commandEnvelopeSchema, idempotencyKeySchema, traceparentSchema } from '../../runtime/command';
import { commandView } from '../command-view';
import type { CommandDispatcher } from '../dispatcher';
import { ApiError, fieldProblems, invalidRequest, type FieldProblem } from '../errors';
import { traceIdFrom } from '../trace-context';

export interface CommandRoutesDeps {
  prisma: PrismaClient;
  dispatcher: CommandDispatcher;
  isEnabled: () => boolean;
}

const commandIdSchema = z.uuid();

/** Headers are validated with the body so a client learns every problem from one answer. */
function parseSubmission(req: Request) {
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
  const body = commandEnvelopeSchema.safeParse(req.body);
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
    const { command, created } = await deps.dispatcher.submit(parseSubmission(req));
    res
      .status(created ? 202 : 200)
      .location(`/v1/commands/${command.id}`)
      .json(commandView(command));
  });

  router.get('/v1/commands/:commandId', async (req, res) => {
    const id = commandIdSchema.safeParse(req.params.commandId);
    if (!id.success) throw invalidRequest(fieldProblems(id.error, ['commandId']));
    const command = await deps.prisma.runtimeCommand.findUnique({
      where: { id: id.data },
      include: { attempts: { orderBy: { attemptNumber: 'asc' } } },
    });
    if (!command) throw new ApiError(404, 'not_found', `No command ${id.data}`);
    res.json(commandView(command, command.attempts));
  });

  return router;
}
