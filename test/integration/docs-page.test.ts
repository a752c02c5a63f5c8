import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { getHarness, type RuntimeHarness } from '../support/runtime-harness';
import { REPO_ROOT } from '../support/paths';

// Debian's package (scripts/ensure-deps.sh installs it): playwright-core must never fetch a browser.
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Git-ignored; kept after the run so a person can look at what the browser showed. */
const SCREENSHOT = path.join(REPO_ROOT, 'test-output', 'docs-page.png');

describe('GET /docs in headless Chromium', function () {
  this.timeout(120_000);
  let h: RuntimeHarness;
  let userDataDir: string;
  let context: BrowserContext;
  /** Requests the page tried to send anywhere but the API: the page must work offline. */
  const offSite: string[] = [];
  const pageErrors: string[] = [];

  before(async function () {
    this.timeout(240_000);
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: run bash scripts/ensure-deps.sh (it installs Debian's chromium)`);
    h = await getHarness();
    userDataDir = await mkdtemp(path.join(os.tmpdir(), 'si-docs-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 1600 } });
    await context.route('**/*', (route) => {
      if (route.request().url().startsWith(h.apiUrl)) return route.continue();
      offSite.push(route.request().url());
      return route.abort();
    });
  });

  after(async () => {
    await context?.close();
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
  });

  it('renders the document and shows the command submission route with its example', async () => {
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    const answer = await page.goto(`${h.apiUrl}/docs`);
    assert.equal(answer?.status(), 200);

    const submit = page.locator('.opblock-post', { has: page.locator('.opblock-summary-path[data-path="/v1/commands"]') });
    await submit.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await submit.locator('.opblock-summary-description').innerText(), /Submit a command/);
    // Opened, the operation shows its first request body example: the document's examples reach the page.
    const doc = (await (await fetch(`${h.apiUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, any>> };
    const [firstExample] = Object.values(doc.paths['/v1/commands']!.post.requestBody.content['application/json'].examples) as { value: { agentFamily: string } }[];
    await submit.locator('.opblock-summary').click();
    await submit.locator('.body-param__example').getByText(`"${firstExample!.value.agentFamily}"`).first().waitFor({ state: 'visible', timeout: 10_000 });

    await mkdir(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    process.stdout.write(`      screenshot of /docs: ${SCREENSHOT}\n`);

    assert.deepEqual(pageErrors, [], 'script errors on the page');
    assert.deepEqual(offSite, [], 'requests to hosts other than the API');
  });
});
