import { configTableRows } from '../../runtime/config/docs';
import { ConfigError, parseConfig, redactConfig } from '../../runtime/config/load';
import { judged, type Gate } from '../gate-result';

const REDACTED = '***';

/**
 * The configuration table (keys, defaults, allowed ranges) and the values this environment
 * resolves to, secrets masked in both; an environment the runtime would refuse fails.
 */
export function configGate(env: Readonly<Record<string, string | undefined>> = process.env): Gate {
  const name = 'config';
  return {
    name,
    async run() {
      const rows = configTableRows().map((row) => ({ ...row, defaultText: row.secret && row.defaultText !== undefined ? REDACTED : row.defaultText }));
      try {
        const effective = redactConfig(parseConfig(env));
        return judged(name, true, `${rows.length} keys; this environment is valid`, { keys: rows, effective });
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        return judged(name, false, `${err.problems.length} invalid key(s): ${err.problems.map((p) => p.key).join(', ')}`, { keys: rows, problems: err.problems });
      }
    },
  };
}
