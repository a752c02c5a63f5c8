-- AlterTable
ALTER TABLE "runtime_commands" ADD COLUMN     "replay_of_command_id" TEXT;

-- AlterTable
ALTER TABLE "runtime_command_attempts" ADD COLUMN     "reattached" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "runtime_workflow_runs" ADD COLUMN     "replay_id" TEXT;

-- AlterTable
ALTER TABLE "runtime_dead_letters" ADD COLUMN     "last_replay_at" TIMESTAMPTZ(3),
ADD COLUMN     "last_replay_id" TEXT;

-- AlterTable
ALTER TABLE "runtime_admin_audit" ADD COLUMN     "dedupe_key" TEXT,
ADD COLUMN     "outcome" TEXT NOT NULL DEFAULT 'ok';

-- CreateIndex
CREATE INDEX "runtime_commands_replay_of_command_id_idx" ON "runtime_commands"("replay_of_command_id");

-- CreateIndex
CREATE UNIQUE INDEX "runtime_admin_audit_dedupe_key_key" ON "runtime_admin_audit"("dedupe_key");

-- AddForeignKey
ALTER TABLE "runtime_commands" ADD CONSTRAINT "runtime_commands_replay_of_command_id_fkey" FOREIGN KEY ("replay_of_command_id") REFERENCES "runtime_commands"("id") ON DELETE SET NULL ON UPDATE CASCADE;
