import assert from 'node:assert/strict';
import { parseTemporalCounts } from '../../bench/lib/temporal-requests';

// The dev server's Prometheus page as the pinned CLI prints it (trimmed): the benchmark's Temporal
// request counts depend on its label names and on counting each client RPC once.
const PAGE = [
  '# HELP service_requests service_requests counter',
  '# TYPE service_requests counter',
  'service_requests{namespace="default",operation="StartWorkflowExecution",service_name="frontend"} 3',
  'service_requests{namespace="default",operation="StartWorkflowExecution",service_name="history"} 3',
  'service_requests{namespace="default",operation="PollWorkflowTaskQueue",service_name="frontend"} 5',
  'service_requests{namespace="default",operation="PollWorkflowTaskQueue",service_name="matching"} 5',
  'persistence_requests{operation="UpdateWorkflowExecution",service_name="history"} 7',
  'persistence_requests{operation="GetTasks",service_name="matching"} 2',
  'service_latency_count{namespace="default",operation="StartWorkflowExecution",service_name="frontend"} 3',
].join('\n');

describe('benchmark: Temporal request counts from the dev server metrics', () => {
  it('counts client RPCs once (frontend only), by operation, and all persistence operations', () => {
    const counts = parseTemporalCounts(PAGE);
    assert.deepEqual(Object.fromEntries(counts), {
      frontend: 8,
      'frontend.StartWorkflowExecution': 3,
      'frontend.PollWorkflowTaskQueue': 5,
      persistence: 9,
    });
  });

  it('reads nothing from a page without the counters', () => {
    assert.equal(parseTemporalCounts('# nothing here\n').size, 0);
  });
});
