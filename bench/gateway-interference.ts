/**
 * How much the OpenClaw gateway's throughput depends on other work on its cores (bench/README.md,
 * "Sixth pass"): the gateway alone at 10 concurrent runs, in rounds alternating without and with a
 * CPU load at nice 19, busy for `--load` of every 10 ms (default 0.3). At nice 19 it gets less
 * where the gateway wants both cores: each loaded round prints the share of a core it took (~0.2
 * core at 0.3 here, about what the runtime's own processes take beside the gateway in Mode B).
 * Prints each round's runs/s and the gateway's CPU per run, then the ratios loaded / unloaded.
 *
 *   npm run bench:gateway-interference -- [--load=0.3] [--rounds=4] [--runs=60]
 */
import { OpenClawGatewayClient } from '../activities/openclaw/gateway-client';
import { atNiceness } from '../infra/process-priority';
import { startGatewayFixture } from '../test/support/gateway-fixture';
import { closedLoop } from './lib/drivers';
import { directGatewayRun } from './lib/gateway-alone';
import { cpuMs } from './lib/procs';
import { spawn } from 'node:child_process';

function numberArg(name: string, fallback: number, min: number, max: number): number {
  const raw = process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const v = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(v) || v < min || v > max) throw new Error(`--${name}=${raw}: a number from ${min} to ${max} is wanted`);
  return v;
}

const load = numberArg('load', 0.3, 0.01, 1);
const rounds = numberArg('rounds', 4, 2, 20);
const runs = numberArg('runs', 60, 10, 1000);

/** A process at nice 19 busy for `share` of every 10 ms and asleep the rest. */
function startLoad(share: number) {
  const busy = Math.round(10 * share);
  const code = `const s=new Int32Array(new SharedArrayBuffer(4));for(;;){const t=Date.now();while(Date.now()-t<${busy}){}if(${10 - busy}>0)Atomics.wait(s,0,0,${10 - busy});}`;
  const { command, args } = atNiceness(19, process.execPath, ['-e', code]);
  return spawn(command, args, { stdio: 'ignore' });
}

async function main(): Promise<void> {
  const gateway = await startGatewayFixture();
  const gw = new OpenClawGatewayClient({ url: gateway.gatewayUrl, token: gateway.token });
  try {
    await gw.connect();
    await closedLoop(10, 30, async () => void (await directGatewayRun(gw)));
    const rows: { loaded: boolean; runsPerSec: number; gatewayCpuMsPerRun: number; loadCores: number }[] = [];
    for (let round = 0; round < rounds; round++) {
      const loaded = round % 2 === 1;
      const burner = loaded ? startLoad(load) : null;
      const c0 = cpuMs(gateway.gatewayPid) ?? 0;
      const seconds = await closedLoop(10, runs, async () => void (await directGatewayRun(gw)));
      const gatewayMs = (cpuMs(gateway.gatewayPid) ?? 0) - c0;
      const loadMs = burner?.pid ? (cpuMs(burner.pid) ?? 0) : 0;
      burner?.kill('SIGKILL');
      const row = { loaded, runsPerSec: runs / seconds, gatewayCpuMsPerRun: gatewayMs / runs, loadCores: loadMs / 1000 / seconds };
      rows.push(row);
      console.log(`round ${round + 1}: ${loaded ? `load ${row.loadCores.toFixed(2)} core at nice 19` : 'no load               '}  ${row.runsPerSec.toFixed(2)} runs/s, gateway CPU ${row.gatewayCpuMsPerRun.toFixed(0)} ms/run`);
    }
    const mean = (loaded: boolean, k: 'runsPerSec' | 'gatewayCpuMsPerRun') => {
      const xs = rows.filter((r) => r.loaded === loaded).map((r) => r[k]);
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    };
    console.log(
      `loaded / unloaded: throughput ${(mean(true, 'runsPerSec') / mean(false, 'runsPerSec')).toFixed(2)}, gateway CPU per run ${(mean(true, 'gatewayCpuMsPerRun') / mean(false, 'gatewayCpuMsPerRun')).toFixed(2)}`,
    );
  } finally {
    await gw.close();
    await gateway.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
