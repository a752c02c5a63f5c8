-- Shadow parity windows (shadow/pairs.ts): shadow commands created since a time, legacy results finished since a time.
-- CreateIndex
CREATE INDEX "runtime_commands_shadow_created_at_idx" ON "runtime_commands"("shadow", "created_at");

-- CreateIndex
CREATE INDEX "agent_execution_logs_source_created_at_idx" ON "agent_execution_logs"("source", "created_at");
