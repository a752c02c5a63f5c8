import { readFileSync } from 'node:fs';
import { PINNED_OPENCLAW_VERSION } from '../../runtime/config/schema';
import { judged, type Gate } from '../gate-result';

/** Packages whose exact version a release records; a RegExp stands for a whole scope. */
export const KEY_PACKAGES: readonly (string | RegExp)[] = [/^@temporalio\//, 'prisma', '@prisma/client', 'express', 'ioredis', 'zod', 'jose', 'winston'];

export interface DependencyGateOptions {
  /** The project's package-lock.json. */
  lockfile: string;
  /** toolchain/openclaw/package-lock.json: the gateway actually installed. */
  openclawLockfile: string;
  /** scripts/install-temporal.sh, which holds the Temporal CLI pin. */
  temporalInstallScript: string;
}

type Lock = { packages?: Record<string, { version?: string }> };
const readLock = (file: string): Lock => JSON.parse(readFileSync(file, 'utf8')) as Lock;

/** Top-level installs only: nested copies are some dependency's business, not our pin. */
export function keyPackageVersions(lock: Lock): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [where, entry] of Object.entries(lock.packages ?? {})) {
    const name = where.match(/^node_modules\/((?:@[^/]+\/)?[^/]+)$/)?.[1];
    if (name && entry.version && KEY_PACKAGES.some((k) => (typeof k === 'string' ? k === name : k.test(name)))) out[name] = entry.version;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** The Temporal CLI is built from source by a shell script; its pin lives there. */
export function temporalCliPin(script: string): { cli?: string; embeds?: string } {
  const text = readFileSync(script, 'utf8');
  const cli = text.match(/^TEMPORAL_CLI_VERSION="([^"]+)"/m)?.[1];
  const embeds = text.match(/^EXPECTED_VERSIONS="([^"]+)"/m)?.[1];
  return { ...(cli ? { cli } : {}), ...(embeds ? { embeds } : {}) };
}

export function dependencyGate(opts: DependencyGateOptions): Gate {
  const name = 'dependencies';
  return {
    name,
    async run() {
      const packages = keyPackageVersions(readLock(opts.lockfile));
      const temporalCli = temporalCliPin(opts.temporalInstallScript);
      const locked = readLock(opts.openclawLockfile).packages?.['node_modules/openclaw']?.version;
      const openclaw = { pinned: PINNED_OPENCLAW_VERSION, lockfile: opts.openclawLockfile, locked: locked ?? null, matches: locked === PINNED_OPENCLAW_VERSION };
      const problems: string[] = [];
      if (!openclaw.matches) {
        problems.push(
          `OpenClaw pin mismatch: PINNED_OPENCLAW_VERSION (runtime/config/schema.ts) is ${PINNED_OPENCLAW_VERSION} but ${opts.openclawLockfile} locks ${locked ?? 'no openclaw'}; change both together`,
        );
      }
      for (const k of KEY_PACKAGES) {
        if (!Object.keys(packages).some((n) => (typeof k === 'string' ? k === n : k.test(n)))) problems.push(`${String(k)} is not in ${opts.lockfile}`);
      }
      if (!temporalCli.cli) problems.push(`no TEMPORAL_CLI_VERSION pin found in ${opts.temporalInstallScript}`);
      const summary =
        problems[0] ?? `OpenClaw ${PINNED_OPENCLAW_VERSION} matches its lockfile; Temporal CLI ${temporalCli.cli}; ${Object.keys(packages).length} key packages recorded`;
      return judged(name, problems.length === 0, summary, { problems, openclaw, temporalCli, node: process.version, packages });
    },
  };
}
