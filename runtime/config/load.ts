import { z } from 'zod';
import { CONFIG_KEYS, type ConfigKey, type RuntimeConfig } from './schema';

/** Thrown when the environment holds a value the runtime cannot run with. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly { key: string; value: string | undefined; allowed: string; reason: string }[]) {
    super(
      `Invalid configuration:\n` +
        problems.map((p) => `  ${p.key}=${p.value === undefined ? '(unset)' : JSON.stringify(p.value)}: ${p.reason}; allowed: ${p.allowed}`).join('\n'),
    );
  }
}

const schema = z.object(
  Object.fromEntries(Object.entries(CONFIG_KEYS).map(([key, spec]) => [key, spec.schema])) as {
    [K in ConfigKey]: (typeof CONFIG_KEYS)[K]['schema'];
  },
);

/**
 * Validates the whole environment once. Pure: the caller hands in the environment, so this stays
 * importable anywhere and the error names every bad key at once rather than the first.
 */
export function parseConfig(env: Readonly<Record<string, string | undefined>>): RuntimeConfig {
  const picked = Object.fromEntries(Object.keys(CONFIG_KEYS).map((k) => [k, env[k]]));
  const result = schema.safeParse(picked);
  if (result.success) return result.data as RuntimeConfig;
  const problems = result.error.issues.map((issue) => {
    const key = String(issue.path[0]) as ConfigKey;
    const spec = CONFIG_KEYS[key];
    const raw = env[key];
    return {
      key,
      value: spec && 'secret' in spec && spec.secret && raw !== undefined ? '***' : raw,
      allowed: spec?.allowed ?? 'see README',
      reason: issue.message,
    };
  });
  throw new ConfigError(problems);
}

/** A copy safe to log: secrets are masked. */
export function redactConfig(config: RuntimeConfig): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => {
      const spec = CONFIG_KEYS[k as ConfigKey];
      return [k, 'secret' in spec && spec.secret ? '***' : v];
    }),
  );
}
