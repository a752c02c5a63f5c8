-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "command_status" AS ENUM ('accepted', 'running', 'succeeded', 'failed', 'dead_lettered', 'cancelled');

-- CreateEnum
CREATE TYPE "attempt_status" AS ENUM ('running', 'succeeded', 'failed');

-- CreateEnum
CREATE TYPE "workflow_run_status" AS ENUM ('running', 'completed', 'failed', 'dead_lettered', 'cancelled', 'continued_as_new');

-- CreateEnum
CREATE TYPE "dead_letter_status" AS ENUM ('parked', 'replaying', 'replayed', 'discarded', 'expired');

-- CreateTable
CREATE TABLE "runtime_commands" (
    "id" TEXT NOT NULL,
    "idempotency_key" TEXT,
    "request_hash" TEXT NOT NULL,
    "agent_family" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "input" JSONB NOT NULL,
    "policy_profile" TEXT NOT NULL,
    "trace_id" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "status" "command_status" NOT NULL DEFAULT 'accepted',
    "result" JSONB,
    "error_class" TEXT,
    "error_message" TEXT,
    "attempt_count" INTEGER NOT NULL DEFAULT 0,
    "tokens_in" INTEGER NOT NULL DEFAULT 0,
    "tokens_out" INTEGER NOT NULL DEFAULT 0,
    "cost_usd" DECIMAL(14,6) NOT NULL DEFAULT 0,
    "shadow" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "runtime_commands_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "runtime_command_attempts" (
    "id" TEXT NOT NULL,
    "command_id" TEXT NOT NULL,
    "attempt_number" INTEGER NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "workflow_run_id" TEXT NOT NULL,
    "activity_id" TEXT,
    "status" "attempt_status" NOT NULL DEFAULT 'running',
    "provider" TEXT,
    "model" TEXT,
    "gateway_run_id" TEXT,
    "idempotency_key" TEXT NOT NULL,
    "tokens_in" INTEGER NOT NULL DEFAULT 0,
    "tokens_out" INTEGER NOT NULL DEFAULT 0,
    "tokens_cache_read" INTEGER NOT NULL DEFAULT 0,
    "tokens_cache_write" INTEGER NOT NULL DEFAULT 0,
    "cost_usd" DECIMAL(14,6) NOT NULL DEFAULT 0,
    "gateway_cost_usd" DECIMAL(14,6),
    "error_class" TEXT,
    "error_message" TEXT,
    "trace_id" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "duration_ms" INTEGER,

    CONSTRAINT "runtime_command_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "runtime_workflow_runs" (
    "id" TEXT NOT NULL,
    "command_id" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "run_id" TEXT NOT NULL,
    "workflow_type" TEXT NOT NULL,
    "task_queue" TEXT NOT NULL,
    "status" "workflow_run_status" NOT NULL DEFAULT 'running',
    "trace_id" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closed_at" TIMESTAMPTZ(3),
    "history_length" INTEGER,

    CONSTRAINT "runtime_workflow_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "runtime_memory_snapshots" (
    "id" TEXT NOT NULL,
    "command_id" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "step" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "content_hash" TEXT NOT NULL,
    "size_bytes" INTEGER NOT NULL,
    "content" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "runtime_memory_snapshots_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "runtime_dead_letters" (
    "id" TEXT NOT NULL,
    "command_id" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "agent_family" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "policy_profile" TEXT NOT NULL,
    "error_class" TEXT NOT NULL,
    "error_message" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL,
    "cost_usd" DECIMAL(14,6) NOT NULL DEFAULT 0,
    "status" "dead_letter_status" NOT NULL DEFAULT 'parked',
    "replayable_until" TIMESTAMPTZ(3) NOT NULL,
    "replay_count" INTEGER NOT NULL DEFAULT 0,
    "trace_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "resolved_at" TIMESTAMPTZ(3),
    "resolved_by" TEXT,
    "resolution_note" TEXT,

    CONSTRAINT "runtime_dead_letters_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agent_execution_logs" (
    "id" TEXT NOT NULL,
    "command_id" TEXT,
    "source" TEXT NOT NULL,
    "correlation_key" TEXT NOT NULL,
    "workflow_id" TEXT,
    "agent_family" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "trace_id" TEXT,
    "input" JSONB,
    "output" JSONB,
    "error_class" TEXT,
    "error_message" TEXT,
    "tokens_in" INTEGER,
    "tokens_out" INTEGER,
    "cost_usd" DECIMAL(14,6),
    "duration_ms" INTEGER,
    "shadow" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "agent_execution_logs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agent_configurations" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "agent_family" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "policy_profile" TEXT,
    "policy_overrides" JSONB,
    "input" JSONB,
    "schedule_cron" TEXT,
    "schedule_interval_seconds" INTEGER,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "jitter_seconds" INTEGER NOT NULL DEFAULT 0,
    "overlap_policy" TEXT NOT NULL DEFAULT 'SKIP',
    "catchup_window_seconds" INTEGER,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "agent_configurations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "runtime_admin_audit" (
    "id" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target_type" TEXT NOT NULL,
    "target_id" TEXT NOT NULL,
    "trace_id" TEXT,
    "details" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "runtime_admin_audit_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "runtime_commands_idempotency_key_key" ON "runtime_commands"("idempotency_key");

-- CreateIndex
CREATE UNIQUE INDEX "runtime_commands_workflow_id_key" ON "runtime_commands"("workflow_id");

-- CreateIndex
CREATE INDEX "runtime_commands_status_created_at_idx" ON "runtime_commands"("status", "created_at");

-- CreateIndex
CREATE INDEX "runtime_commands_agent_family_created_at_idx" ON "runtime_commands"("agent_family", "created_at");

-- CreateIndex
CREATE INDEX "runtime_commands_trace_id_idx" ON "runtime_commands"("trace_id");

-- CreateIndex
CREATE INDEX "runtime_command_attempts_gateway_run_id_idx" ON "runtime_command_attempts"("gateway_run_id");

-- CreateIndex
CREATE UNIQUE INDEX "runtime_command_attempts_command_id_attempt_number_key" ON "runtime_command_attempts"("command_id", "attempt_number");

-- CreateIndex
CREATE INDEX "runtime_workflow_runs_command_id_started_at_idx" ON "runtime_workflow_runs"("command_id", "started_at");

-- CreateIndex
CREATE UNIQUE INDEX "runtime_workflow_runs_workflow_id_run_id_key" ON "runtime_workflow_runs"("workflow_id", "run_id");

-- CreateIndex
CREATE UNIQUE INDEX "runtime_memory_snapshots_command_id_version_key" ON "runtime_memory_snapshots"("command_id", "version");

-- CreateIndex
CREATE UNIQUE INDEX "runtime_dead_letters_command_id_key" ON "runtime_dead_letters"("command_id");

-- CreateIndex
CREATE INDEX "runtime_dead_letters_status_created_at_idx" ON "runtime_dead_letters"("status", "created_at");

-- CreateIndex
CREATE INDEX "runtime_dead_letters_agent_family_error_class_created_at_idx" ON "runtime_dead_letters"("agent_family", "error_class", "created_at");

-- CreateIndex
CREATE INDEX "runtime_dead_letters_status_replayable_until_idx" ON "runtime_dead_letters"("status", "replayable_until");

-- CreateIndex
CREATE INDEX "agent_execution_logs_command_id_created_at_idx" ON "agent_execution_logs"("command_id", "created_at");

-- CreateIndex
CREATE INDEX "agent_execution_logs_agent_family_action_created_at_idx" ON "agent_execution_logs"("agent_family", "action", "created_at");

-- CreateIndex
CREATE INDEX "agent_execution_logs_trace_id_idx" ON "agent_execution_logs"("trace_id");

-- CreateIndex
CREATE UNIQUE INDEX "agent_execution_logs_source_correlation_key_key" ON "agent_execution_logs"("source", "correlation_key");

-- CreateIndex
CREATE UNIQUE INDEX "agent_configurations_name_key" ON "agent_configurations"("name");

-- CreateIndex
CREATE INDEX "agent_configurations_enabled_agent_family_idx" ON "agent_configurations"("enabled", "agent_family");

-- CreateIndex
CREATE INDEX "runtime_admin_audit_target_type_target_id_created_at_idx" ON "runtime_admin_audit"("target_type", "target_id", "created_at");

-- AddForeignKey
ALTER TABLE "runtime_command_attempts" ADD CONSTRAINT "runtime_command_attempts_command_id_fkey" FOREIGN KEY ("command_id") REFERENCES "runtime_commands"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "runtime_workflow_runs" ADD CONSTRAINT "runtime_workflow_runs_command_id_fkey" FOREIGN KEY ("command_id") REFERENCES "runtime_commands"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "runtime_memory_snapshots" ADD CONSTRAINT "runtime_memory_snapshots_command_id_fkey" FOREIGN KEY ("command_id") REFERENCES "runtime_commands"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "runtime_dead_letters" ADD CONSTRAINT "runtime_dead_letters_command_id_fkey" FOREIGN KEY ("command_id") REFERENCES "runtime_commands"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agent_execution_logs" ADD CONSTRAINT "agent_execution_logs_command_id_fkey" FOREIGN KEY ("command_id") REFERENCES "runtime_commands"("id") ON DELETE SET NULL ON UPDATE CASCADE;

