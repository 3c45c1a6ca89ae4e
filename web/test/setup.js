// The browser tests' harness: Debian's chromium driven by playwright-core
// (no browser is downloaded), the chain read through the Node client, and a
// mock injected wallet (window.injectedWeb3, as use-ink/contracts-ui's tests
// do) whose accounts are dev keys held by this Node process: the page asks
// it to sign exactly as it would ask a real extension.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { Medrec, connect, devAccounts } from '../../client/lib/medrec.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const WEB_URL = process.env.WEB_URL || 'http://127.0.0.1:4173/';
export const WS = process.env.MEDREC_WS || 'ws://127.0.0.1:9944';
export const GATEWAY = process.env.MEDREC_GATEWAY || '';
export const DEPLOYMENT = process.env.MEDREC_DEPLOYMENT || join(REPO, 'deployments', 'local.json');
export const CREDENTIALS = `0x${'c0'.repeat(32)}`; // a salted hash of off-chain credentials
/** How long a step that waits on the chain (a block, finality) may take. */
export const LONG = 120_000;
export const SHOTS = process.env.WEB_SCREENSHOTS || join(REPO, 'docs', 'screenshots');

/** <Bytes>-wraps raw data unless it is wrapped already (what @polkadot/util's u8aWrapBytes does). */
function wrapBytes(data) {
  const s = data.toString('latin1');
  return s.startsWith('<Bytes>') && s.endsWith('</Bytes>') ? data : Buffer.concat([Buffer.from('<Bytes>'), data, Buffer.from('</Bytes>')]);
}

/** Why the browser tests cannot run here, or null. */
export function missing() {
  if (!existsSync(CHROMIUM)) return `no chromium at ${CHROMIUM} (apt-get install chromium)`;
  if (!existsSync(DEPLOYMENT)) return `no deployment file at ${DEPLOYMENT} (scripts/deploy.sh)`;
  return null;
}

/** The chain as the tests read it: the Node client on the same deployment. */
export async function chain() {
  const deployment = JSON.parse(readFileSync(DEPLOYMENT, 'utf8'));
  const api = await connect(WS);
  const medrec = new Medrec(api, deployment.addresses);
  const accounts = await devAccounts();
  return { api, medrec, accounts, deployment };
}

/**
 * Starts chromium (headless, fresh profile) and opens a page with the mock
 * wallet holding `walletAccounts` ({name, pair}). Every signing request is
 * recorded in `signed` ({kind, address, data?}).
 */
export async function openBrowser(api, walletAccounts) {
  const profile = mkdtempSync(join(tmpdir(), 'medrec-chromium-'));
  // A fresh --user-data-dir: playwright passes it for a persistent context.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
    ],
  });
  const signed = [];
  const byAddress = new Map(walletAccounts.map((a) => [a.pair.address, a.pair]));
  await context.exposeFunction('__medrecWalletSign', async (kind, request) => {
    const pair = byAddress.get(request.address);
    if (!pair) throw new Error(`the test wallet has no account ${request.address}`);
    if (kind === 'payload') {
      signed.push({ kind, address: request.address, method: request.method });
      const payload = api.registry.createType('ExtrinsicPayload', request, { version: request.version });
      return payload.sign(pair).signature;
    }
    // signRaw, as the polkadot.js extension does it: <Bytes>-wrap (unless wrapped), sign.
    signed.push({ kind, address: request.address, data: request.data, type: request.type });
    return `0x${Buffer.from(pair.sign(wrapBytes(Buffer.from(request.data.slice(2), 'hex')))).toString('hex')}`;
  });
  const accounts = walletAccounts.map((a) => ({ address: a.pair.address, name: a.name, type: 'sr25519' }));
  await context.addInitScript((list) => {
    let id = 0;
    const injected = {
      accounts: {
        get: async () => list,
        subscribe: (cb) => {
          cb(list);
          return () => {};
        },
      },
      signer: {
        signPayload: async (payload) => ({ id: ++id, signature: await window.__medrecWalletSign('payload', payload) }),
        signRaw: async (raw) => ({ id: ++id, signature: await window.__medrecWalletSign('raw', raw) }),
      },
    };
    window.injectedWeb3 = { 'polkadot-js': { version: '0.0.0-test', enable: async () => injected } };
  }, accounts);
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  return {
    context,
    page,
    signed,
    consoleErrors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/**
 * Opens the app, connects with its defaults and picks the browser wallet;
 * returns once the wallet's `count` accounts are listed.
 */
export async function connectWallet(page, count) {
  await page.goto(WEB_URL);
  await page.getByRole('heading', { name: 'Connect to a chain' }).waitFor();
  await page.locator('form').getByRole('button', { name: 'Connect' }).click();
  await page.getByRole('heading', { name: 'Choose an account' }).waitFor({ timeout: LONG });
  await page.getByRole('button', { name: 'Use a browser wallet' }).click();
  await page.getByText(new RegExp(`${count} account\\(s\\) from polkadot-js`)).waitFor();
}

/** Switches to the account whose label matches `name`, then to `view`. */
export async function asAccount(page, name, view) {
  const nav = page.getByRole('navigation', { name: 'Views' });
  await nav.getByRole('button', { name: 'Connect', exact: true }).click();
  await page.getByRole('radio', { name: new RegExp(name) }).check();
  await nav.getByRole('button', { name: view, exact: true }).click();
}

/**
 * The last transaction region titled `title` once its dry run would succeed,
 * its gas and fee shown: the preview every transaction gets before signing.
 */
export async function previewed(page, title) {
  const tx = page.getByRole('region', { name: title }).last();
  await tx.getByTestId('dry-run').getByText('would succeed').waitFor({ timeout: LONG });
  assert.match(await tx.getByTestId('gas').innerText(), /^[\d,]+ \/ [\d,]+$/);
  assert.match(await tx.getByTestId('fee').innerText(), /\d/);
  return tx;
}

/** Signs the previewed transaction `tx`, waits until finalized and done; its decoded events' text. */
export async function signAndWait(tx) {
  await tx.getByRole('button', { name: 'Sign and send' }).click();
  await tx.getByText('Finalized ✓').waitFor({ timeout: LONG });
  await tx.getByText(/^Done/).waitFor({ timeout: LONG });
  return tx.getByRole('list', { name: 'Contract events' }).innerText();
}
