import { z } from 'zod';

/**
 * One description per configuration key. The zod schema, the error messages and the README table
 * are all derived from this, so the three cannot disagree.
 */
export interface ConfigKeySpec<T> {
  schema: z.ZodType<T>;
  /** Human description of the allowed values, used in error messages and the README. */
  allowed: string;
  /** Default as it would be written in the environment, or undefined when the key is required. */
  defaultText: string | undefined;
  description: string;
  production: string;
  /** Secret values are never echoed back, not even in validation errors. */
  secret?: boolean;
}

interface Docs {
  description: string;
  production: string;
  secret?: boolean;
}

// Environment values are strings; an empty string means "not set", as most deploy tools write it.
const unset = (v: unknown) => (v === '' ? undefined : v);

export function boolKey(defaultValue: boolean, docs: Docs): ConfigKeySpec<boolean> {
  const schema = z.preprocess(
    unset,
    z
      .enum(['true', 'false', '1', '0'], { error: 'expected true or false' })
      .default(defaultValue ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1'),
  );
  return { schema, allowed: 'true | false', defaultText: String(defaultValue), ...docs };
}

function intSchema(min: number, max: number) {
  return z
    .string()
    .regex(/^-?\d+$/, { error: 'expected an integer' })
    .transform(Number)
    .pipe(z.number().int().min(min, { error: `below ${min}` }).max(max, { error: `above ${max}` }));
}

export function intKey(defaultValue: number, min: number, max: number, docs: Docs): ConfigKeySpec<number> {
  const schema = z.preprocess(unset, intSchema(min, max).default(defaultValue)) as z.ZodType<number>;
  return { schema, allowed: `integer ${min}..${max}`, defaultText: String(defaultValue), ...docs };
}

/** A decimal number (fractions, USD amounts); written as in JSON, e.g. 0.95 or 0.01. */
export function numberKey(defaultValue: number, min: number, max: number, docs: Docs): ConfigKeySpec<number> {
  const schema = z.preprocess(
    unset,
    z
      .string()
      .regex(/^-?\d+(\.\d+)?$/, { error: 'expected a decimal number' })
      .transform(Number)
      .pipe(z.number().min(min, { error: `below ${min}` }).max(max, { error: `above ${max}` }))
      .default(defaultValue),
  ) as z.ZodType<number>;
  return { schema, allowed: `number ${min}..${max}`, defaultText: String(defaultValue), ...docs };
}

/** An integer that may stay unset: unset means "no override". */
export function optionalIntKey(min: number, max: number, docs: Docs): ConfigKeySpec<number | undefined> {
  const schema = z.preprocess(unset, intSchema(min, max).optional()) as z.ZodType<number | undefined>;
  return { schema, allowed: `integer ${min}..${max}, or unset`, defaultText: undefined, ...docs };
}

export function enumKey<const V extends readonly [string, ...string[]]>(
  values: V,
  defaultValue: V[number],
  docs: Docs,
): ConfigKeySpec<V[number]> {
  const schema = z.preprocess(unset, z.enum(values).default(defaultValue as never)) as z.ZodType<V[number]>;
  return { schema, allowed: values.join(' | '), defaultText: defaultValue, ...docs };
}

export function stringKey(
  defaultValue: string | undefined,
  pattern: RegExp,
  allowed: string,
  docs: Docs,
): ConfigKeySpec<string> {
  const base = z.string().regex(pattern, { error: `expected ${allowed}` });
  const schema = z.preprocess(unset, defaultValue === undefined ? base : base.default(defaultValue)) as z.ZodType<string>;
  return { schema, allowed, defaultText: defaultValue, ...docs };
}

/** A string that may stay unset: unset means "feature off" (the description says which). */
export function optionalStringKey(pattern: RegExp, allowed: string, docs: Docs): ConfigKeySpec<string | undefined> {
  const schema = z.preprocess(unset, z.string().regex(pattern, { error: `expected ${allowed}` }).optional()) as z.ZodType<string | undefined>;
  return { schema, allowed: `${allowed}, or unset`, defaultText: undefined, ...docs };
}

export function urlKey(defaultValue: string | undefined, protocols: readonly string[], docs: Docs): ConfigKeySpec<string> {
  return urlSpec(defaultValue, protocols, false, docs) as ConfigKeySpec<string>;
}

/** A URL that may stay unset: unset means "feature off" (the description says which). */
export function optionalUrlKey(protocols: readonly string[], docs: Docs): ConfigKeySpec<string | undefined> {
  return urlSpec(undefined, protocols, true, docs);
}

function urlSpec(defaultValue: string | undefined, protocols: readonly string[], optional: boolean, docs: Docs): ConfigKeySpec<string | undefined> {
  const allowed = `URL with scheme ${protocols.map((p) => `${p}//`).join(' or ')}`;
  const base = z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { error: `expected a ${allowed}` },
  );
  const schema = z.preprocess(unset, optional ? base.optional() : defaultValue === undefined ? base : base.default(defaultValue)) as z.ZodType<string | undefined>;
  return { schema, allowed: optional ? `${allowed}, or unset` : allowed, defaultText: defaultValue, ...docs };
}

/** A JSON value checked by `schema`; unset means "none" (the caller's defaults apply). */
export function jsonKey<T>(schema: z.ZodType<T>, allowed: string, docs: Docs): ConfigKeySpec<T | undefined> {
  const parsed = z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'expected JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
  return { schema: z.preprocess(unset, parsed.optional()) as z.ZodType<T | undefined>, allowed, defaultText: undefined, ...docs };
}
