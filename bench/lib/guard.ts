/** Benchmark-only entry points call this first: they never start by accident outside `npm run bench`. */
export function requireBenchmarkMode(entry: string): void {
  if (process.env.RUNTIME_BENCHMARK !== '1') {
    process.stderr.write(
      `${entry} refuses to start: it is a benchmark-only worker (its agent executor or workflows are not the production ones). ` +
        'Set RUNTIME_BENCHMARK=1 only when running it from the benchmark (npm run bench).\n',
    );
    process.exit(64);
  }
}
