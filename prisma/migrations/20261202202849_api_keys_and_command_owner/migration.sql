-- AlterTable
ALTER TABLE "runtime_commands" ADD COLUMN     "owner_tenant" TEXT,
ADD COLUMN     "submitted_by" TEXT;

-- CreateTable
CREATE TABLE "runtime_api_keys" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "tenant_id" TEXT,
    "secret_hash" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "runtime_api_keys_pkey" PRIMARY KEY ("id")
);
