/**
 * The workflow code revision every new run is started with (workflows/code-revision.ts). Revision 2
 * takes every path that patched() guarded until then without writing its marker; revision 3 lets a
 * single command's successful attempt project the command's outcome. A worker refuses a run of a
 * revision it doesn't know. Its own module: workflow code imports it, so no zod here.
 */
export const WORKFLOW_CODE_REVISION = 3;
