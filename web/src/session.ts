// A connection: the node, the deployment (addresses), the contracts'
// metadata, the gateway, and the accounts that can sign.
import type { ApiPromise } from '@polkadot/api';
import { web3Accounts, web3Enable, web3FromSource } from '@polkadot/extension-dapp';
import { formatBalance } from '@polkadot/util';

import {
  CONTRACTS,
  DEV_NAMES,
  Gateway,
  Medrec,
  bundleFromJson,
  connect,
  cryptoReady,
  extensionSigner,
  pairSigner,
  signer,
} from '@medrec/core';
import type { GatewayCaller, TxSigner } from '@medrec/core';

export interface Deployment {
  network?: string;
  ws?: string;
  genesisHash?: string;
  addresses: Record<string, string>;
  codeHashes?: Record<string, string>;
  deployedAt?: string;
}

export interface Settings { ws: string; gateway: string; deployment: string }

export interface Session {
  api: ApiPromise;
  medrec: Medrec;
  gateway: Gateway;
  deployment: Deployment;
  settings: Settings;
  chain: string;
  dev: boolean;
  formatPlancks: (plancks: string | null) => string;
}

export interface Account {
  address: string;
  name: string;
  /** 'dev' for a development key held by this page, else the extension's name. */
  source: string;
  tx: TxSigner;
  gw: GatewayCaller;
}

/** Defaults: ./config.json (written by scripts/web.sh), then the page's query string. */
export async function defaultSettings(): Promise<Settings> {
  const s: Settings = { ws: 'ws://127.0.0.1:9944', gateway: 'http://127.0.0.1:8745', deployment: 'deployment.json' };
  try {
    const res = await fetch('config.json', { cache: 'no-store' });
    if (res.ok) Object.assign(s, await res.json());
  } catch {
    // no config.json: the defaults
  }
  const q = new URLSearchParams(window.location.search);
  for (const k of ['ws', 'gateway', 'deployment'] as const) {
    const v = q.get(k);
    if (v) s[k] = v;
  }
  return s;
}

async function fetchJson(url: string, what: string) {
  let res: Response;
  try {
    res = await fetch(url, { cache: 'no-store' });
  } catch (e) {
    throw new Error(`could not load ${what} from ${url} (${(e as Error).message})`);
  }
  if (!res.ok) throw new Error(`could not load ${what} from ${url} (HTTP ${res.status})`);
  try {
    return await res.json();
  } catch {
    throw new Error(`${what} at ${url} is not JSON`);
  }
}

/**
 * Connects, checks the deployment against the chain (genesis hash, a
 * contract at each address running the code the metadata describes), and
 * builds the client. `deployment`: parsed JSON, or null to fetch
 * settings.deployment.
 */
export async function openSession(settings: Settings, deployment: Deployment | null, onStep: (s: string) => void): Promise<Session> {
  onStep(`loading the deployment`);
  const dep: Deployment = deployment ?? (await fetchJson(settings.deployment, 'the deployment file'));
  if (!dep?.addresses) throw new Error('the deployment file has no addresses (write one with scripts/deploy.sh)');
  onStep(`connecting to ${settings.ws}`);
  const api = await connect(settings.ws, { timeoutMs: 15000, hint: 'is the node running? scripts/node.sh start' });
  try {
    const genesis = api.genesisHash.toHex();
    if (dep.genesisHash && dep.genesisHash !== genesis) {
      throw new Error(`the deployment file was written for chain ${dep.genesisHash.slice(0, 10)}…, but ${settings.ws} is chain ${genesis.slice(0, 10)}…: deploy again (scripts/deploy.sh) or pick the right file`);
    }
    onStep('loading the contracts\' metadata');
    const props = api.registry.getChainProperties();
    const bundles: Record<string, any> = {};
    for (const c of CONTRACTS) bundles[c.key] = bundleFromJson(c.snake, await fetchJson(`contracts/${c.snake}.json`, `${c.crate}'s metadata`), props);
    const medrec = new Medrec(api, dep.addresses, { bundles });
    onStep('checking the contracts on the chain');
    const onChain = await medrec.checkDeployed();
    for (const c of CONTRACTS) {
      if (bundles[c.key].codeHash && onChain[c.key] !== bundles[c.key].codeHash) {
        throw new Error(`${c.crate} at ${dep.addresses[c.key]} runs code ${onChain[c.key].slice(0, 10)}…, not the code this app's metadata describes (${String(bundles[c.key].codeHash).slice(0, 10)}…)`);
      }
    }
    const [chain, chainType] = await Promise.all([api.rpc.system.chain(), api.rpc.system.chainType()]);
    const decimals = api.registry.chainDecimals[0] ?? 12;
    const unit = api.registry.chainTokens[0] ?? 'UNIT';
    const formatPlancks = (p: string | null) => {
      if (p == null) return '—';
      const neg = p.startsWith('-');
      const s = formatBalance(neg ? p.slice(1) : p, { decimals, withUnit: unit, forceUnit: '-', withSi: true });
      return neg ? `refund of ${s}` : s;
    };
    return {
      api,
      medrec,
      gateway: new Gateway(settings.gateway, { finalityWaitMs: 60_000 }),
      deployment: dep,
      settings,
      chain: chain.toString(),
      dev: chainType.isDevelopment || chainType.isLocal,
      formatPlancks,
    };
  } catch (e) {
    await api.disconnect().catch(() => {});
    throw e;
  }
}

/** The dev accounts (development mode only: their secret keys are public). */
export async function devAccounts(): Promise<Account[]> {
  await cryptoReady();
  return DEV_NAMES.map((n) => {
    const pair = signer(`//${n}`);
    return { address: pair.address, name: n, source: 'dev', tx: pair, gw: pairSigner(pair) };
  });
}

/** The accounts of the browser's wallet extensions (polkadot.js, Talisman, SubWallet, ...). */
export async function extensionAccounts(): Promise<{ accounts: Account[]; extensions: string[] }> {
  const injected = await web3Enable('Medical records');
  if (injected.length === 0) return { accounts: [], extensions: [] };
  const found = await web3Accounts();
  const accounts: Account[] = [];
  for (const a of found) {
    const injector = await web3FromSource(a.meta.source);
    accounts.push({
      address: a.address,
      name: a.meta.name ?? a.address.slice(0, 8),
      source: a.meta.source,
      tx: { address: a.address, signer: injector.signer },
      gw: extensionSigner(a.address, injector.signer),
    });
  }
  return { accounts, extensions: injected.map((i) => i.name) };
}
