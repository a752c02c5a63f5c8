import { ConfigError, parseConfig, redactConfig } from '../runtime/config/load';
import type { RuntimeConfig } from '../runtime/config/schema';
import type { Logger } from './logger';

/** EX_CONFIG from sysexits.h: supervisors can tell "fix the config" from a crash. */
export const CONFIG_EXIT_CODE = 78;

/**
 * Loads the configuration once, at process start. A bad value stops the process here, before any
 * connection is opened, with every bad key, its value and its allowed range on stderr.
 */
export function loadConfigOrExit(logger: Logger, env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  try {
    const config = parseConfig(env);
    logger.info('configuration loaded', { config: redactConfig(config) });
    return config;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    logger.error('invalid configuration', { problems: err.problems });
    process.exit(CONFIG_EXIT_CODE);
  }
}
