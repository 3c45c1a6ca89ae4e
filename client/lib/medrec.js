// polkadot.js client for the three medical-record contracts (ink! 5.1.1) on a
// substrate-contracts-node (pallet-contracts, WeightV2): the Node layer.
//
// The logic is the browser-safe core in lib/core/ (shared with the web app,
// web/); this file adds what only Node has: the repository's release bundles
// on disk ($CARGO_TARGET_DIR/contracts), the environment's defaults
// ($MEDREC_WS, $NODE_PORT), and Buffer-returning hashes. Every export the
// client had before the split is still here.
//
// Every transaction is dry-run first; a dry run that returns `Err` (or sets the
// revert flag) throws a MedrecError naming the contract's error variant, and
// nothing is sent. Numbers that can exceed 2^53 (u64, u128: gas, deposits,
// timestamps, ids) are returned as decimal strings; u8..u32 as numbers.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as core from './core/index.js';

export {
  AUDIT_DOMAIN,
  CONTRACTS,
  MedrecError,
  addressOf,
  chainHashes,
  contractInfo,
  decodeContractEvent,
  decodeContractEvents,
  depositOf,
  devAccounts,
  dispatchErrorName,
  dryRunWeight,
  explainError,
  group,
  interpretDryRun,
  isRevert,
  signer,
  splitOutput,
  submit,
  toPlain,
  variantName,
  weightOf,
} from './core/index.js';

/** The repository root (client/lib/ -> ../..). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Default endpoint: $MEDREC_WS, else ws://127.0.0.1:$NODE_PORT (9944). */
export const DEFAULT_WS = process.env.MEDREC_WS || `ws://127.0.0.1:${process.env.NODE_PORT || 9944}`;

/** SHA-256 of bytes, as a Buffer (a record's data hash is this of its ciphertext). */
export function sha256(bytes) {
  return Buffer.from(core.sha256(bytes));
}

/** 0x-hex SHA-256 of a record's ciphertext: the contract's `data_hash` ([u8; 32]). */
export const dataHash = core.dataHash;

/** The hash of an audit entry (see core's auditEntryHash), as a Buffer. */
export function auditEntryHash(contract, patient, index, entryBytes) {
  return Buffer.from(core.auditEntryHash(contract, patient, index, entryBytes));
}

/** `$CARGO_TARGET_DIR` (relative to the working directory, as cargo reads it) or `<repo>/target`. */
export function targetDir() {
  return process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(REPO_ROOT, 'target');
}

/** Path of a contract's release bundle: `<target>/contracts/<snake>/<snake>.contract`. */
export function bundlePath(name) {
  const snake = core.findContract(name)?.snake ?? String(name).replace(/-/g, '_');
  return join(targetDir(), 'contracts', snake, `${snake}.contract`);
}

/**
 * Reads a release bundle (.contract: ink! metadata v5 with the wasm inside).
 * Returns {name, path, json, abi, codeHash, wasm}.
 */
export function loadBundle(name, chainProperties) {
  const path = bundlePath(name);
  if (!existsSync(path)) {
    throw new Error(`${path} is missing (run scripts/build.sh first)`);
  }
  const json = JSON.parse(readFileSync(path, 'utf8'));
  if (!json.source?.wasm) {
    throw new Error(`${path} has no source.wasm (expected a .contract bundle)`);
  }
  return { ...core.bundleFromJson(name, json, chainProperties), path };
}

/** Whether a node answers JSON-RPC (system_health over HTTP on the ws port) within `timeoutMs`. */
export function nodeAnswers(wsUrl = DEFAULT_WS, timeoutMs = 2000) {
  return core.nodeAnswers(wsUrl, timeoutMs);
}

/** Connects to a node; rejects (and stops retrying) when it is not ready within `timeoutMs`. */
export function connect(wsUrl = DEFAULT_WS, opts = {}) {
  return core.connect(wsUrl, opts);
}

/** The three bundles from disk, for this chain's properties. */
function loadBundles(api) {
  const props = api.registry.getChainProperties();
  return Object.fromEntries(core.CONTRACTS.map((c) => [c.key, loadBundle(c.snake, props)]));
}

/**
 * The client (see core/medrec.js); without `bundles`, the release bundles are
 * read from $CARGO_TARGET_DIR/contracts.
 */
export class Medrec extends core.Medrec {
  constructor(api, addresses, { bundles } = {}) {
    super(api, addresses, { bundles: bundles ?? loadBundles(api) });
  }
}

/**
 * Uploads, instantiates and wires the three contracts from the release
 * bundles on disk (see core's deployBundles). Returns {addresses, codeHashes,
 * instantiations, deployer, firstAdmin}.
 */
export async function deploy(api, pair, { log, firstAdmin = '//Bob', credentialsHash = `0x${'00'.repeat(32)}` } = {}) {
  await core.cryptoReady();
  return core.deployBundles(api, pair, { bundles: loadBundles(api), Medrec, log, firstAdmin, credentialsHash });
}
