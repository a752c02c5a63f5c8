-- AlterTable
ALTER TABLE "runtime_command_attempts" ADD COLUMN     "step" TEXT;

-- AlterTable (columns in schema.prisma order, so a database built from the migrations matches one built from the schema)
ALTER TABLE "runtime_workflow_runs" ADD COLUMN     "current_step" TEXT,
ADD COLUMN     "steps" JSONB,
ADD COLUMN     "tokens_in" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "tokens_out" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "cost_usd" DECIMAL(14,6) NOT NULL DEFAULT 0;
