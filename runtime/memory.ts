/** What a workflow holds of a memory snapshot: a reference, never the content. */
export interface MemoryRef {
  version: number;
  contentHash: string;
  sizeBytes: number;
}

/** Top-level keys a snapshot write replaces or merges: `steps` entries are merged by step id. */
export interface MemoryWrites {
  input?: Record<string, unknown>;
  steps?: Record<string, unknown>;
}

/** Default of RUNTIME_MEMORY_MAX_BYTES. */
export const DEFAULT_MEMORY_MAX_BYTES = 262_144;
