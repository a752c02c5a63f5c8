import type { Client } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import { Prisma, type PrismaClient } from '../../persistence/prisma-client';
import type { AgentFamily } from '../../runtime/agents/registry';
import { APPROVAL_SIGNAL, PIPELINE_STATE_QUERY, approvalSignalSchema, type ApprovalSignal, type PipelineState } from '../../runtime/pipelines/contract';
import { routeCommand } from '../../runtime/router';
import type { Principal } from '../../runtime/auth/principal';
import { assertVisible } from '../auth/tenant-scope';
import { ApiError, fieldProblems, invalidRequest } from '../errors';
import { commandIdSchema } from './commands';

export const approvalBodySchema = approvalSignalSchema.omit({ actor: true });

export interface ApprovalRoutesDeps {
  prisma: PrismaClient;
  temporal: Client;
}

async function pipelineCommand(prisma: PrismaClient, rawId: unknown, principal: Principal | undefined) {
  const id = commandIdSchema.safeParse(rawId);
  if (!id.success) throw invalidRequest(fieldProblems(id.error, ['commandId']));
  const command = await prisma.runtimeCommand.findUnique({ where: { id: id.data } });
  if (!command) throw new ApiError(404, 'not_found', `No command ${id.data}`);
  assertVisible(principal, command);
  const route = routeCommand(command.agentFamily as AgentFamily, command.action);
  if (route?.workflowType !== 'pipelineWorkflow') {
    throw new ApiError(409, 'not_a_pipeline', `Command ${command.id} (${command.agentFamily}.${command.action}) is a single-step command; it has no steps`, { agentFamily: command.agentFamily, action: command.action });
  }
  return { command, pipeline: route.pipeline };
}

/**
 * Human steps of pipeline commands: answering an approval step (also possible from the Temporal
 * UI with the same payload plus `actor`), and the live step state of a running pipeline.
 */
export function commandApprovalRoutes(deps: ApprovalRoutesDeps): Router {
  const router = Router();

  router.post('/v1/commands/:commandId/approvals', async (req, res) => {
    const body = approvalBodySchema.safeParse(req.body ?? {});
    if (!body.success) throw invalidRequest(fieldProblems(body.error));
    const { command, pipeline } = await pipelineCommand(deps.prisma, req.params.commandId, req.principal);
    if (!pipeline.steps.some((s) => s.kind === 'approval' && s.id === body.data.step)) {
      const steps = pipeline.steps.filter((s) => s.kind === 'approval').map((s) => s.id);
      throw invalidRequest([{ path: 'step', code: 'invalid_value', message: `no approval step ${body.data.step} in ${pipeline.name}; approval steps: ${steps.join(', ')}` }]);
    }
    if (command.status !== 'running') {
      throw new ApiError(409, 'command_not_running', `Command is ${command.status}; only a running pipeline waits for approvals`, { status: command.status });
    }
    const signal: ApprovalSignal = { ...body.data, actor: req.actor! };
    // Audit first, once per (command, step): a second answer for the same step is refused, as the workflow would ignore it.
    try {
      await deps.prisma.runtimeAdminAudit.create({
        data: {
          actor: signal.actor,
          action: 'pipeline.approval',
          targetType: 'command',
          targetId: command.id,
          traceId: req.traceId ?? command.traceId,
          outcome: signal.decision === 'approve' ? 'approved' : 'rejected',
          dedupeKey: `approval:${command.id}:${signal.step}`,
          details: { step: signal.step, decision: signal.decision, note: signal.note ?? null },
        },
      });
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
        throw new ApiError(409, 'approval_already_given', `Step ${signal.step} of command ${command.id} has been answered already`, { step: signal.step });
      }
      throw err;
    }
    await deps.temporal.workflow.getHandle(command.workflowId).signal(APPROVAL_SIGNAL, signal);
    res.status(202).json({ commandId: command.id, step: signal.step, decision: signal.decision, actor: signal.actor });
  });

  router.get('/v1/commands/:commandId/state', async (req, res) => {
    const { command } = await pipelineCommand(deps.prisma, req.params.commandId, req.principal);
    if (command.status !== 'running') {
      throw new ApiError(409, 'command_not_running', `Command is ${command.status}; its steps are in GET /v1/commands/${command.id}`, { status: command.status });
    }
    const state = await deps.temporal.workflow.getHandle(command.workflowId).query<PipelineState>(PIPELINE_STATE_QUERY);
    res.json({ commandId: command.id, ...state });
  });

  return router;
}

export type ApprovalBody = z.infer<typeof approvalBodySchema>;
