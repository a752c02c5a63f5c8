// jose is ESM only; this CommonJS build loads it with import(), which tsc keeps as is.
export type Jose = typeof import('jose', { with: { 'resolution-mode': 'import' } });
let josePromise: Promise<Jose> | undefined;
export const loadJose = (): Promise<Jose> => (josePromise ??= import('jose'));
