import assert from 'node:assert/strict';
import { AgentPrimaryModels } from '../../activities/openclaw/agent-primary-models';
import type { AgentsListResponse } from '../../activities/openclaw/protocol';

const quiet = { info() {}, warn() {}, error() {}, debug() {} };

/** The decision alone, over agents.list answers as the pinned gateway gives them (the gateway test runs it for real). */
describe('when a run model is pinned on its session', () => {
  const answer: AgentsListResponse = {
    agents: [
      { id: 'research', model: { primary: 'gemini-standin/gemini-2.5-flash' } },
      { id: 'content', model: { primary: 'claude-standin/claude-sonnet-4-5', fallbacks: ['openai-standin/gpt-5'] } },
      { id: 'utility-only', model: {} },
    ],
  };
  let reads = 0;
  let boot = 'boot-1';
  let list: () => Promise<AgentsListResponse> = async () => answer;
  const models = () => new AgentPrimaryModels(async () => (reads++, list()), () => boot, quiet);

  beforeEach(() => {
    reads = 0;
    boot = 'boot-1';
    list = async () => answer;
  });

  it("skips the pin only for the agent's effective primary with no fallback models", async () => {
    const m = models();
    assert.equal(await m.needsPin('research', 'gemini-standin/gemini-2.5-flash'), false);
    assert.equal(await m.needsPin('research', 'claude-standin/claude-sonnet-4-5'), true, 'another model than the primary');
    assert.equal(await m.needsPin('content', 'claude-standin/claude-sonnet-4-5'), true, 'the gateway would fall back');
    assert.equal(await m.needsPin('utility-only', 'gemini-standin/gemini-2.5-flash'), true, 'no primary listed');
    assert.equal(await m.needsPin('unknown', 'gemini-standin/gemini-2.5-flash'), true, 'an agent not listed');
    assert.equal(reads, 1, 'one read serves every decision while it is trusted');
  });

  it('pins every run while agents.list cannot be read, without asking again on every run', async () => {
    list = async () => {
      throw new Error('missing scope: operator.read');
    };
    const m = models();
    assert.equal(await m.needsPin('research', 'gemini-standin/gemini-2.5-flash'), true);
    assert.equal(await m.needsPin('research', 'gemini-standin/gemini-2.5-flash'), true);
    assert.equal(reads, 1);
  });

  it('reads again after a gateway restart, after forget(), and shares one read among concurrent runs', async () => {
    const m = models();
    await Promise.all([1, 2, 3].map(() => m.needsPin('research', 'gemini-standin/gemini-2.5-flash')));
    assert.equal(reads, 1);
    boot = 'boot-2';
    await m.needsPin('research', 'gemini-standin/gemini-2.5-flash');
    assert.equal(reads, 2);
    m.forget();
    await m.needsPin('research', 'gemini-standin/gemini-2.5-flash');
    assert.equal(reads, 3);
  });
});
