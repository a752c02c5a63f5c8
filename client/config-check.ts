import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { ConfigError, parseConfig } from '../runtime/config/load';
import { CONFIG_KEYS, type ConfigKey } from '../runtime/config/schema';

export interface EnvFileReport {
  ok: boolean;
  keys: { key: string; value: string | undefined; default: string | undefined; allowed: string }[];
  problems: { key: string; value: string | undefined; allowed: string; reason: string }[];
  /** Keys that look like the runtime's (same prefixes) but are not: usually typos that would be ignored. */
  unknown: string[];
}

const RUNTIME_PREFIXES = /^(RUNTIME|TEMPORAL|OPENCLAW|REDIS|API|WORKER|DATABASE)_/;

/** Validates an env file with the runtime's own schema, exactly as a starting process would. */
export function checkEnvFile(path: string): EnvFileReport {
  const env = parseEnv(readFileSync(path, 'utf8'));
  const isSecret = (key: ConfigKey) => 'secret' in CONFIG_KEYS[key] && CONFIG_KEYS[key].secret === true;
  const keys = (Object.keys(CONFIG_KEYS) as ConfigKey[]).map((key) => ({
    key,
    value: env[key] === undefined ? undefined : isSecret(key) ? '***' : env[key],
    default: CONFIG_KEYS[key].defaultText,
    allowed: CONFIG_KEYS[key].allowed,
  }));
  const unknown = Object.keys(env).filter((k) => RUNTIME_PREFIXES.test(k) && !(k in CONFIG_KEYS));
  let problems: EnvFileReport['problems'] = [];
  try {
    parseConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems = [...err.problems];
  }
  return { ok: problems.length === 0 && unknown.length === 0, keys, problems, unknown };
}
