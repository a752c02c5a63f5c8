// The worker bundles this file: every workflow type the runtime registers is exported here.
export { agentCommandWorkflow } from './agent-command';
export { pipelineWorkflow } from './pipeline';
export { scheduledCommandWorkflow } from './scheduled-command';
