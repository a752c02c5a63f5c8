-- The API answers 202 once the command row is written and starts its workflow in the background
-- (api/workflow-starter.ts); this records that the start went through, so the start sweep
-- restarts only commands whose start was lost (an API that died, Temporal away).
-- AlterTable
ALTER TABLE "runtime_commands" ADD COLUMN     "workflow_started_at" TIMESTAMPTZ(3);

-- Commands from before were started in the request (or answered 503 for the client to retry).
UPDATE "runtime_commands" SET "workflow_started_at" = "created_at";
