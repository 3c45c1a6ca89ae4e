// polkadot.js client for the three medical-record contracts (ink! 5.1.1) on a
// substrate-contracts-node (pallet-contracts, WeightV2).
//
// Every transaction is dry-run first; a dry run that returns `Err` (or sets the
// revert flag) throws a MedrecError naming the contract's error variant, and
// nothing is sent. Numbers that can exceed 2^53 (u64, u128: gas, deposits,
// timestamps, ids) are returned as decimal strings; u8..u32 as numbers.
//
// Only hashes, codes and key ids go on-chain: a record's `data_hash` is the
// SHA-256 of its ciphertext (see lib/vault.js), never the clinical text.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ApiPromise, Keyring, WsProvider } from '@polkadot/api';
import { Abi, CodePromise, ContractPromise } from '@polkadot/api-contract';
import { Bool, Enum, GenericAccountId, Null, Option, Raw, Result, Struct, Text } from '@polkadot/types';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, decodeAddress, randomAsU8a } from '@polkadot/util-crypto';

/** The repository root (client/lib/ -> ../..). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Default endpoint: $MEDREC_WS, else ws://127.0.0.1:$NODE_PORT (9944). */
export const DEFAULT_WS = process.env.MEDREC_WS || `ws://127.0.0.1:${process.env.NODE_PORT || 9944}`;

/** The system's contracts in deployment order. */
export const CONTRACTS = [
  { key: 'accessControl', crate: 'access-control', snake: 'access_control' },
  { key: 'patientConsent', crate: 'patient-consent', snake: 'patient_consent' },
  { key: 'recordManagement', crate: 'record-management', snake: 'record_management' },
];

const ALIASES = new Map();
for (const c of CONTRACTS) {
  for (const a of [c.key, c.crate, c.snake, c.key.toLowerCase()]) ALIASES.set(a, c);
}
ALIASES.set('ac', CONTRACTS[0]);
ALIASES.set('pc', CONTRACTS[1]);
ALIASES.set('rm', CONTRACTS[2]);

/** `access-control`, `access_control`, `accessControl` or `ac` -> its entry in CONTRACTS. */
export function contractInfo(name) {
  const c = ALIASES.get(String(name)) || ALIASES.get(String(name).toLowerCase());
  if (!c) {
    throw new Error(`unknown contract ${JSON.stringify(name)} (one of ${CONTRACTS.map((x) => x.crate).join(', ')})`);
  }
  return c;
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/**
 * A refused or failed call, named. `kind` is one of:
 * - `ContractError`: the message returned `Err(variant)` (the contract's Error enum);
 * - `LangError`: ink!'s LangError (e.g. `CouldNotReadInput`: wrong selector or args);
 * - `Reverted`: the revert flag was set and no error could be decoded;
 * - `DispatchError`: the runtime refused (e.g. `contracts.ContractTrapped`,
 *   `contracts.OutOfGas`, or `contracts.ContractReverted` for a forced submission);
 * - `Transaction`: the transaction was invalid, dropped or not included.
 * The message is one line: `<contract>.<message>: <variant>`.
 */
export class MedrecError extends Error {
  constructor(message, { contract = null, call = null, kind, variant, dispatchError = null, gasRequired = null, details = null } = {}) {
    super(message);
    this.name = 'MedrecError';
    this.contract = contract;
    this.call = call;
    this.kind = kind;
    this.variant = variant;
    this.dispatchError = dispatchError;
    this.gasRequired = gasRequired;
    this.details = details;
  }
}

/** Name of an enum value: `ConsentRequired`, or `Variant(<json>)` when it carries data. */
export function variantName(value) {
  if (value instanceof Enum) {
    return value.isBasic || value.value instanceof Null ? value.type : `${value.type}(${JSON.stringify(toPlain(value.value))})`;
  }
  return value?.toString?.() ?? String(value);
}

/**
 * Splits a message's decoded output (`Result<R, LangError>`, where R is
 * `Result<T, Error>` for fallible messages) into {ok, value, codec} or
 * {ok: false, kind, variant}.
 * In JSON terms (polkadot.js toJSON, lower-case keys):
 *   {ok: {ok: T}}         success of a fallible message
 *   {ok: {err: "Name"}}   the contract's Err(Name)
 *   {ok: T}               success of an infallible message
 *   {err: "Name"}         LangError::Name
 */
export function splitOutput(output) {
  if (!(output instanceof Result)) {
    return { ok: true, value: output == null ? null : toPlain(output), codec: output };
  }
  if (output.isErr) {
    return { ok: false, kind: 'LangError', variant: variantName(output.asErr) };
  }
  const inner = output.asOk;
  if (inner instanceof Result) {
    if (inner.isErr) {
      return { ok: false, kind: 'ContractError', variant: variantName(inner.asErr) };
    }
    return { ok: true, value: toPlain(inner.asOk), codec: inner.asOk };
  }
  return { ok: true, value: toPlain(inner), codec: inner };
}

/** `section.Name` of a DispatchError (module errors looked up in the chain's metadata). */
export function dispatchErrorName(registry, dispatchError) {
  if (dispatchError.isModule) {
    try {
      const { section, name } = registry.findMetaError(dispatchError.asModule);
      return `${section}.${name}`;
    } catch {
      return `Module(${JSON.stringify(dispatchError.asModule.toJSON())})`;
    }
  }
  if (dispatchError instanceof Enum && !dispatchError.isBasic && !(dispatchError.value instanceof Null)) {
    return `${dispatchError.type}.${variantName(dispatchError.value)}`;
  }
  return dispatchError.type ?? dispatchError.toString();
}

/**
 * Whether ExecReturnValue.flags has REVERT (bit 0). polkadot.js types it as a
 * Set with `isRevert` (its static ContractReturnFlags) or, when the runtime
 * APIs come from the chain's metadata v15 (contracts-node 0.42 does), as the
 * struct `pallet_contracts_uapi::flags::ReturnFlags { bits: u32 }`.
 */
export function isRevert(flags) {
  if (flags == null) return false;
  if (typeof flags.isRevert === 'boolean') return flags.isRevert;
  const bits = flags instanceof Struct ? flags.get('bits') : undefined;
  if (bits != null) return (BigInt(bits.toString()) & 1n) === 1n;
  if (typeof flags.toBigInt === 'function') return (flags.toBigInt() & 1n) === 1n;
  if (typeof flags.toNumber === 'function') return (flags.toNumber() & 1) === 1;
  return false;
}

/**
 * Interprets a dry run (`contract.query[...]` result: {result, output,
 * gasRequired, storageDeposit}). Returns {ok: true, value, codec} or
 * {ok: false, error: MedrecError}.
 */
export function interpretDryRun({ contract, message, dryRun, registry }) {
  const call = `${contract}.${message}`;
  const gasRequired = weightOf(dryRun.gasRequired);
  if (dryRun.result.isErr) {
    const name = dispatchErrorName(registry, dryRun.result.asErr);
    return {
      ok: false,
      error: new MedrecError(`${call}: ${name}`, { contract, call: message, kind: 'DispatchError', variant: name, dispatchError: name, gasRequired }),
    };
  }
  const split = splitOutput(dryRun.output);
  if (!split.ok) {
    return {
      ok: false,
      error: new MedrecError(`${call}: ${split.variant}`, { contract, call: message, kind: split.kind, variant: split.variant, gasRequired }),
    };
  }
  if (isRevert(dryRun.result.asOk.flags)) {
    const data = dryRun.result.asOk.data.toHex();
    return {
      ok: false,
      error: new MedrecError(`${call}: Reverted (output ${data})`, { contract, call: message, kind: 'Reverted', variant: 'Reverted', gasRequired, details: data }),
    };
  }
  return { ok: true, value: split.value, codec: split.codec };
}

// ---------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------

function snakeKey(k) {
  return k.replace(/_+$/, '').replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * A codec as plain JSON-safe data: integers up to 32 bits as numbers, wider
 * ones (u64, u128, timestamps, balances) as decimal strings; byte arrays and
 * Vec<u8> as 0x-hex; AccountId as SS58; unit enum variants as their name,
 * others as {Name: value}; Option as value or null; Result as {Ok}/{Err};
 * struct fields in snake_case as in the contracts' Rust code.
 */
export function toPlain(codec) {
  if (codec == null) return null;
  if (codec instanceof GenericAccountId) return codec.toString();
  if (codec instanceof Option) return codec.isSome ? toPlain(codec.unwrap()) : null;
  if (codec instanceof Result) return codec.isOk ? { Ok: toPlain(codec.asOk) } : { Err: toPlain(codec.asErr) };
  if (codec instanceof Enum) {
    return codec.isBasic || codec.value instanceof Null ? codec.type : { [codec.type]: toPlain(codec.value) };
  }
  if (codec instanceof Raw) return codec.toHex();
  if (codec instanceof Bool) return codec.isTrue;
  if (codec instanceof Text) return codec.toString();
  if (codec instanceof Null) return null;
  if (codec instanceof Struct) {
    const out = {};
    for (const [k, v] of codec.entries()) out[snakeKey(k)] = toPlain(v);
    return out;
  }
  if (Array.isArray(codec)) return codec.map(toPlain);
  if (typeof codec.toBigInt === 'function' && typeof codec.bitLength === 'function') {
    return codec.bitLength() <= 32 ? codec.toNumber() : codec.toBigInt().toString();
  }
  if (typeof codec.unwrap === 'function') return toPlain(codec.unwrap()); // Compact
  return codec.toJSON();
}

/** {refTime, proofSize} of a Weight(V2) codec, as decimal strings. */
export function weightOf(w) {
  if (!w) return null;
  return { refTime: w.refTime.toBigInt().toString(), proofSize: w.proofSize.toBigInt().toString() };
}

/** A StorageDeposit as a signed decimal string in plancks: charge "123", refund "-123". */
export function depositOf(sd) {
  if (!sd) return null;
  if (sd.isCharge) return sd.asCharge.toBigInt().toString();
  if (sd.isRefund) {
    const v = sd.asRefund.toBigInt();
    return v === 0n ? '0' : `-${v}`;
  }
  return sd.toString();
}

/** 1234567 or "1234567" -> "1,234,567" (for printing only). */
export function group(n) {
  const s = BigInt(n).toString();
  const neg = s.startsWith('-');
  const digits = neg ? s.slice(1) : s;
  return (neg ? '-' : '') + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** SHA-256 of bytes, as a Buffer (a record's data hash is this of its ciphertext). */
export function sha256(bytes) {
  return createHash('sha256').update(bytes).digest();
}

/** 0x-hex SHA-256 of a record's ciphertext: the contract's `data_hash` ([u8; 32]). */
export function dataHash(ciphertext) {
  return u8aToHex(sha256(ciphertext));
}

// ---------------------------------------------------------------------------
// Bundles, connection, accounts
// ---------------------------------------------------------------------------

/** `$CARGO_TARGET_DIR` (relative to the working directory, as cargo reads it) or `<repo>/target`. */
export function targetDir() {
  return process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(REPO_ROOT, 'target');
}

/** Path of a contract's release bundle: `<target>/contracts/<snake>/<snake>.contract`. */
export function bundlePath(name) {
  const snake = (ALIASES.get(name)?.snake) ?? String(name).replace(/-/g, '_');
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
  const abi = new Abi(json, chainProperties);
  return {
    name: ALIASES.get(name)?.crate ?? name,
    path,
    json,
    abi,
    codeHash: json.source.hash,
    wasm: json.source.wasm,
  };
}

/** Whether a node answers JSON-RPC (system_health over HTTP on the ws port) within `timeoutMs`. */
export async function nodeAnswers(wsUrl = DEFAULT_WS, timeoutMs = 2000) {
  const http = wsUrl.replace(/^ws(s?):\/\//, 'http$1://');
  try {
    const res = await fetch(http, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: 1, jsonrpc: '2.0', method: 'system_health', params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) return false;
    const body = await res.json();
    return body && body.result !== undefined;
  } catch {
    return false;
  }
}

/** Connects to a node; rejects (and stops retrying) when it is not ready within `timeoutMs`. */
export async function connect(wsUrl = DEFAULT_WS, { timeoutMs = 20000 } = {}) {
  await cryptoWaitReady();
  const provider = new WsProvider(wsUrl, 1000, {}, timeoutMs);
  const api = new ApiPromise({ provider, noInitWarn: true, throwOnConnect: false });
  let timer;
  try {
    await Promise.race([
      api.isReadyOrError,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no node answers at ${wsUrl} within ${timeoutMs} ms (start it with scripts/node.sh start)`)), timeoutMs);
      }),
    ]);
  } catch (e) {
    await api.disconnect().catch(() => {});
    throw e;
  } finally {
    clearTimeout(timer);
  }
  if (!api.tx.contracts || !api.call.contractsApi) {
    await api.disconnect();
    throw new Error(`the chain at ${wsUrl} has no pallet-contracts (contractsApi)`);
  }
  return api;
}

let keyring;
/** A keypair from a secret URI (`//Alice`, a mnemonic, ...), sr25519. Call after cryptoWaitReady(). */
export function signer(uri) {
  keyring ??= new Keyring({ type: 'sr25519' });
  return keyring.addFromUri(uri);
}

/** The dev accounts of the journeys: Alice (owner), Bob, Charlie, Dave, Eve, Ferdie. */
export async function devAccounts() {
  await cryptoWaitReady();
  const names = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie', 'One', 'Two'];
  return Object.fromEntries(names.map((n) => [n.toLowerCase(), signer(`//${n}`)]));
}

/** An address from an SS58 string, a `//Name` dev URI or a keypair. */
export function addressOf(who) {
  if (who && typeof who === 'object' && who.address) return who.address;
  if (typeof who === 'string' && who.startsWith('//')) return signer(who).address;
  return who;
}

function pubkeyHex(address) {
  return u8aToHex(decodeAddress(address));
}

/** Gas limit for dry runs: the chain's max block weight (what the runtime uses for `None`). */
export function dryRunWeight(api) {
  const max = api.consts.system?.blockWeights?.maxBlock;
  const refTime = max?.refTime ? max.refTime.toBigInt() : 5_000_000_000_000n;
  const proofSize = max?.proofSize ? max.proofSize.toBigInt() : 5n * 1024n * 1024n;
  return api.registry.createType('WeightV2', { refTime, proofSize });
}

// ---------------------------------------------------------------------------
// Submitting extrinsics
// ---------------------------------------------------------------------------

/**
 * Signs and sends an extrinsic; resolves with the SubmittableResult once it is
 * in a block and succeeded, rejects with a MedrecError otherwise.
 */
export function submit(api, extrinsic, pair, { label = 'transaction', timeoutMs = 120000 } = {}) {
  return new Promise((resolvePromise, reject) => {
    let unsub = null;
    let done = false;
    const finish = (fn, arg) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (unsub) unsub();
      fn(arg);
    };
    const timer = setTimeout(
      () => finish(reject, new MedrecError(`${label}: not included within ${timeoutMs} ms`, { kind: 'Transaction', variant: 'Timeout' })),
      timeoutMs,
    );
    extrinsic
      .signAndSend(pair, (res) => {
        const { status, dispatchError } = res;
        if (res.internalError) {
          finish(reject, new MedrecError(`${label}: ${res.internalError.message}`, { kind: 'Transaction', variant: 'InternalError' }));
        } else if (status.isInBlock || status.isFinalized) {
          if (dispatchError) {
            const name = dispatchErrorName(api.registry, dispatchError);
            const e = new MedrecError(`${label}: ${name}`, { kind: 'DispatchError', variant: name, dispatchError: name });
            e.result = res;
            finish(reject, e);
          } else {
            finish(resolvePromise, res);
          }
        } else if (status.isInvalid || status.isDropped || status.isUsurped) {
          finish(reject, new MedrecError(`${label}: transaction ${status.type}`, { kind: 'Transaction', variant: status.type }));
        }
      })
      .then((u) => {
        unsub = u;
        if (done) u();
      })
      .catch((e) => finish(reject, new MedrecError(`${label}: ${e.message}`, { kind: 'Transaction', variant: 'Rejected' })));
  });
}

/**
 * Decodes the `contracts.ContractEmitted` records among `records` with the ABI
 * of the contract that emitted each (`abis`: Map pubkey-hex -> {name, abi}).
 * Returns [{contract, name, args}] (args keyed by the event's field labels);
 * an event of an unknown contract or signature comes back with name null and
 * its raw data.
 */
export function decodeContractEvents(api, records, abis) {
  const out = [];
  for (const record of records) {
    const { event } = record;
    if (!(api ? api.events.contracts.ContractEmitted.is(event) : event.section === 'contracts' && event.method === 'ContractEmitted')) {
      continue;
    }
    out.push(decodeContractEvent(record, abis));
  }
  return out;
}

/** Decodes one ContractEmitted EventRecord (see decodeContractEvents). */
export function decodeContractEvent(record, abis) {
  const [emitter, data] = record.event.data;
  const address = emitter.toString();
  const known = abis.get(pubkeyHex(address));
  if (!known) {
    return { contract: address, name: null, args: null, data: data.toHex() };
  }
  try {
    const decoded = known.abi.decodeEvent(record);
    const spec = known.abi.metadata.spec.events[decoded.event.index];
    const args = {};
    decoded.args.forEach((value, i) => {
      const label = spec?.args?.[i]?.label?.toString() ?? decoded.event.args[i].name;
      args[label] = toPlain(value);
    });
    return { contract: known.name, name: decoded.event.identifier.split('::').pop(), args };
  } catch (e) {
    return { contract: known.name, name: null, args: null, data: data.toHex(), error: e.message };
  }
}

// ---------------------------------------------------------------------------
// Deployment
// ---------------------------------------------------------------------------

async function instantiate(api, pair, bundle, ctorArgs, abis, log) {
  const code = new CodePromise(api, bundle.abi, bundle.wasm);
  const ctor = bundle.abi.findConstructor('new');
  const salt = u8aToHex(randomAsU8a(32));
  const label = `${bundle.name}.new`;
  const dry = await api.call.contractsApi.instantiate(
    pair.address,
    0,
    dryRunWeight(api),
    null,
    { Upload: u8aToHex(code.code) },
    ctor.toU8a(ctorArgs),
    salt,
  );
  const gasRequired = weightOf(dry.gasRequired);
  if (dry.result.isErr) {
    const name = dispatchErrorName(api.registry, dry.result.asErr);
    throw new MedrecError(`${label}: ${name}`, { contract: bundle.name, call: 'new', kind: 'DispatchError', variant: name, gasRequired });
  }
  const ret = dry.result.asOk.result;
  if (isRevert(ret.flags)) {
    let variant = 'Reverted';
    try {
      const out = bundle.abi.registry.createType(ctor.returnType.lookupName || ctor.returnType.type, ret.data.toU8a(true));
      const split = splitOutput(out);
      if (!split.ok) variant = split.variant;
    } catch {
      // keep 'Reverted'
    }
    throw new MedrecError(`${label}: ${variant}`, { contract: bundle.name, call: 'new', kind: 'Reverted', variant, gasRequired });
  }
  const predicted = dry.result.asOk.accountId.toString();
  const tx = code.tx[ctor.method]({ gasLimit: dry.gasRequired, storageDepositLimit: null, salt }, ...ctorArgs);
  const res = await submit(api, tx, pair, { label });
  const instantiated = res.events.find(({ event }) => api.events.contracts.Instantiated.is(event));
  if (!instantiated) {
    throw new MedrecError(`${label}: no contracts.Instantiated event`, { contract: bundle.name, kind: 'Transaction', variant: 'NotInstantiated' });
  }
  const address = instantiated.event.data[1].toString();
  abis.set(pubkeyHex(address), { name: bundle.name, abi: bundle.abi });
  const result = {
    contract: bundle.name,
    address,
    predictedAddress: predicted,
    codeHash: bundle.codeHash,
    gasRequired,
    gasConsumed: weightOf(dry.gasConsumed),
    storageDeposit: depositOf(dry.storageDeposit),
    blockHash: res.status.isInBlock ? res.status.asInBlock.toHex() : res.status.asFinalized.toHex(),
    events: decodeContractEvents(api, res.events, abis),
  };
  log?.(result);
  return result;
}

/**
 * Uploads and instantiates the three contracts (signer = owner of each) and
 * wires them as e2e-tests' deploy_all does: access-control gets its first
 * admin (`firstAdmin`, not the owner: the owner registers providers, admins
 * verify them), patient-consent gets access-control's address,
 * record-management gets both, and patient-consent is then wired to
 * record-management (`set_record_management`, once). Checks the wiring by
 * querying it. Returns {addresses, codeHashes, instantiations, deployer,
 * firstAdmin}.
 */
export async function deploy(api, pair, { log, firstAdmin = '//Bob', credentialsHash = `0x${'00'.repeat(32)}` } = {}) {
  await cryptoWaitReady();
  const props = api.registry.getChainProperties();
  const bundles = Object.fromEntries(CONTRACTS.map((c) => [c.key, loadBundle(c.snake, props)]));
  const abis = new Map();
  const admin = addressOf(firstAdmin);
  const ac = await instantiate(api, pair, bundles.accessControl, [admin, credentialsHash], abis, log);
  const pc = await instantiate(api, pair, bundles.patientConsent, [ac.address], abis, log);
  const rm = await instantiate(api, pair, bundles.recordManagement, [pc.address, ac.address], abis, log);
  const addresses = { accessControl: ac.address, patientConsent: pc.address, recordManagement: rm.address };
  const medrec = new Medrec(api, addresses, { bundles });
  const wire = await medrec.tx('patientConsent', 'set_record_management', pair, rm.address);
  log?.({ contract: 'patient-consent', wired: 'record_management', ...wire });
  const wiredAc = await medrec.query('patientConsent', 'access_control', pair);
  const wiredRm = await medrec.query('patientConsent', 'record_management', pair);
  const stats = await medrec.query('recordManagement', 'stats', pair);
  const same = (a, b) => a != null && b != null && pubkeyHex(a) === pubkeyHex(b);
  if (!same(wiredAc, ac.address) || !same(wiredRm, rm.address) || !same(stats.consent_contract, pc.address) || !same(stats.access_control, ac.address)) {
    throw new Error(`wiring check failed: patient-consent -> ${wiredAc}, ${wiredRm}; record-management -> ${stats.consent_contract}, ${stats.access_control}`);
  }
  return {
    addresses,
    codeHashes: Object.fromEntries(CONTRACTS.map((c) => [c.key, bundles[c.key].codeHash])),
    instantiations: [ac, pc, rm],
    deployer: pair.address,
    firstAdmin: admin,
  };
}

// ---------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------

/**
 * The three contracts at `addresses` ({accessControl, patientConsent,
 * recordManagement}), with one method per user action plus generic `tx` and
 * `query`. Transactions return
 *   {contract, message, value, gasRequired: {refTime, proofSize}, gasConsumed,
 *    storageDeposit, events: [{contract, name, args}], blockHash, txHash}
 * where `value` is the message's Ok value from the dry run (e.g. the new
 * record id), and throw MedrecError on a refusal.
 */
export class Medrec {
  constructor(api, addresses, { bundles } = {}) {
    this.api = api;
    this.addresses = { ...addresses };
    const props = api.registry.getChainProperties();
    this.contracts = {};
    this.abis = new Map();
    for (const c of CONTRACTS) {
      const address = addresses[c.key];
      if (!address) throw new Error(`no address for ${c.crate}`);
      const bundle = bundles?.[c.key] ?? loadBundle(c.snake, props);
      this.contracts[c.key] = new ContractPromise(api, bundle.abi, address);
      this.abis.set(pubkeyHex(address), { name: c.crate, abi: bundle.abi });
    }
  }

  /** Fails unless each address holds a contract on this chain; returns their code hashes. */
  async checkDeployed() {
    const out = {};
    for (const c of CONTRACTS) {
      const info = await this.api.query.contracts.contractInfoOf(this.addresses[c.key]);
      if (info.isNone) {
        throw new Error(`no ${c.crate} contract at ${this.addresses[c.key]} on this chain (deploy again: node client/cli.js deploy)`);
      }
      out[c.key] = info.unwrap().codeHash.toHex();
    }
    return out;
  }

  #resolve(contract, message) {
    const info = contractInfo(contract);
    const c = this.contracts[info.key];
    const m = c.abi.messages.find((x) => x.identifier === message || x.method === message);
    if (!m) {
      throw new Error(`${info.crate} has no message ${JSON.stringify(message)}`);
    }
    return { info, c, m };
  }

  /** Argument types of a message: [{name, type}] (for the CLI). */
  messageArgs(contract, message) {
    const { m } = this.#resolve(contract, message);
    return m.args.map((a) => ({ name: a.name, type: a.type.displayName || a.type.type, raw: a.type.type }));
  }

  /** Dry-runs a message as `caller`; returns {ok, value, codec, error, gasRequired, gasConsumed, storageDeposit}. */
  async dryRun(contract, message, caller, ...args) {
    const { info, c, m } = this.#resolve(contract, message);
    const origin = addressOf(caller ?? '//Alice');
    const dry = await c.query[m.method](origin, { gasLimit: dryRunWeight(this.api), storageDepositLimit: null }, ...args);
    const verdict = interpretDryRun({ contract: info.crate, message: m.identifier, dryRun: dry, registry: this.api.registry });
    return {
      ...verdict,
      raw: dry,
      gasRequired: weightOf(dry.gasRequired),
      gasConsumed: weightOf(dry.gasConsumed),
      storageDeposit: depositOf(dry.storageDeposit),
    };
  }

  /** A read: the message's Ok value (plain data), or throws MedrecError. */
  async query(contract, message, caller, ...args) {
    const r = await this.dryRun(contract, message, caller, ...args);
    if (!r.ok) throw r.error;
    return r.value;
  }

  /** As `query`, but returns the decoded codec (for re-encoding, e.g. the audit chain). */
  async queryCodec(contract, message, caller, ...args) {
    const r = await this.dryRun(contract, message, caller, ...args);
    if (!r.ok) throw r.error;
    return r.codec;
  }

  /** Sends a message as `signer` (a keypair) after a dry run; see the class doc. */
  async tx(contract, message, signerPair, ...args) {
    return this.send({ contract, message, signer: signerPair, args });
  }

  /**
   * `tx` with options. `force: true` submits even when the dry run is refused
   * (gas limit from the dry run): the chain then answers with
   * contracts.ContractReverted; the MedrecError thrown names both.
   */
  async send({ contract, message, signer: pair, args = [], force = false }) {
    const { info, c, m } = this.#resolve(contract, message);
    const dry = await this.dryRun(info.key, m.identifier, pair, ...args);
    const label = `${info.crate}.${m.identifier}`;
    if (!dry.ok && !force) throw dry.error;
    const sd = dry.raw.storageDeposit;
    const storageDepositLimit = dry.ok && sd.isCharge ? sd.asCharge : null;
    const extrinsic = c.tx[m.method]({ gasLimit: dry.raw.gasRequired, storageDepositLimit }, ...args);
    let res;
    try {
      res = await submit(this.api, extrinsic, pair, { label });
    } catch (e) {
      if (e instanceof MedrecError) {
        e.contract = info.crate;
        e.call = m.identifier;
        e.gasRequired = dry.gasRequired;
        if (!dry.ok) {
          // Forced: keep the contract's own verdict as the variant.
          e.dispatchError = e.variant;
          e.kind = dry.error.kind;
          e.variant = dry.error.variant;
          e.message = `${label}: ${dry.error.variant} (${e.dispatchError})`;
        }
      }
      throw e;
    }
    if (!dry.ok) {
      throw new MedrecError(`${label}: ${dry.error.variant} (dry run refused, but the chain accepted it)`, {
        contract: info.crate, call: m.identifier, kind: dry.error.kind, variant: dry.error.variant,
      });
    }
    return {
      contract: info.crate,
      message: m.identifier,
      value: dry.value,
      gasRequired: dry.gasRequired,
      gasConsumed: dry.gasConsumed,
      storageDeposit: dry.storageDeposit,
      events: decodeContractEvents(this.api, res.events, this.abis),
      blockHash: res.status.isInBlock ? res.status.asInBlock.toHex() : res.status.asFinalized.toHex(),
      txHash: res.txHash.toHex(),
    };
  }

  // --- access-control -----------------------------------------------------

  /** The owner registers a provider with a role (`Admin`, `Doctor`, ..., `Payer`) and a salted commitment to its credentials. */
  registerProvider(owner, provider, role, credentialsHash) {
    return this.tx('accessControl', 'register_provider', owner, addressOf(provider), role, credentialsHash);
  }

  /** A verified admin (not the owner) verifies a provider. */
  verifyProvider(admin, provider) {
    return this.tx('accessControl', 'verify_provider', admin, addressOf(provider));
  }

  /** The owner or an admin deactivates a provider (its open emergency windows close). */
  deactivateProvider(admin, provider) {
    return this.tx('accessControl', 'deactivate_provider', admin, addressOf(provider));
  }

  reactivateProvider(admin, provider) {
    return this.tx('accessControl', 'reactivate_provider', admin, addressOf(provider));
  }

  getProvider(provider) {
    return this.query('accessControl', 'get_provider', null, addressOf(provider));
  }

  /** A page of providers in registration order. */
  providers(from = 0, limit = 50) {
    return this.query('accessControl', 'providers', null, from, limit);
  }

  /** A verified emergency-role provider opens a break-glass window on a patient; value: [window id, expiry]. */
  activateEmergencyAccess(provider, patient, reason, noteHash) {
    return this.tx('accessControl', 'activate_emergency_access', provider, addressOf(patient), reason, noteHash);
  }

  /** The holder ends its open window early; value: the window id. */
  endEmergencyAccess(provider, patient) {
    return this.tx('accessControl', 'end_emergency_access', provider, addressOf(patient));
  }

  /** An admin other than the holder reviews a closed window (`Justified`, `Unjustified`, `Inconclusive`). */
  reviewEmergencyAccess(admin, windowId, outcome, noteHash) {
    return this.tx('accessControl', 'review_emergency_access', admin, windowId, outcome, noteHash);
  }

  emergencyWindow(windowId) {
    return this.query('accessControl', 'emergency_window', null, windowId);
  }

  /** A page of the windows opened on a patient, with their reviews. */
  patientEmergencyWindows(patient, from = 0, limit = 50) {
    return this.query('accessControl', 'patient_emergency_windows', null, addressOf(patient), from, limit);
  }

  /** A page of the windows awaiting review. */
  unreviewedWindows(from = 0, limit = 50) {
    return this.query('accessControl', 'unreviewed_emergency_windows', null, from, limit);
  }

  // --- patient-consent ----------------------------------------------------

  registerPatient(patient) {
    return this.tx('patientConsent', 'register_patient', patient);
  }

  getPatient(patient) {
    return this.query('patientConsent', 'get_patient', null, addressOf(patient));
  }

  /** The patient or a delegate sets what break-glass reaches: `NonSensitive`, `IncludeSensitive` or `OptOut`. */
  setEmergencyPreference(signerPair, patient, preference) {
    return this.tx('patientConsent', 'set_emergency_preference', signerPair, addressOf(patient), preference);
  }

  /**
   * The patient or a delegate (`signerPair`) consents to `provider` seeing
   * `dataType` for the given purposes (`['Treatment', ...]`) during
   * `durationMs`; value: the expiry.
   */
  grantConsent(signerPair, patient, provider, dataType, durationMs, purposes) {
    return this.tx('patientConsent', 'grant_consent', signerPair, addressOf(patient), addressOf(provider), dataType, durationMs, purposes);
  }

  revokeConsent(signerPair, patient, provider, dataType) {
    return this.tx('patientConsent', 'revoke_consent', signerPair, addressOf(patient), addressOf(provider), dataType);
  }

  updateConsentPurposes(signerPair, patient, provider, dataType, purposes) {
    return this.tx('patientConsent', 'update_consent_purposes', signerPair, addressOf(patient), addressOf(provider), dataType, purposes);
  }

  getConsent(patient, provider, dataType) {
    return this.query('patientConsent', 'get_consent', null, addressOf(patient), addressOf(provider), dataType);
  }

  /** A page of the patient's consents with their status. */
  consentsOf(patient, from = 0, limit = 50) {
    return this.query('patientConsent', 'consents_of', null, addressOf(patient), from, limit);
  }

  /** A page of the consents given to a provider (its patients). */
  consentsTo(provider, from = 0, limit = 50) {
    return this.query('patientConsent', 'consents_to', null, addressOf(provider), from, limit);
  }

  /** A provider asks a patient for `dataType` for an HL7 purpose; value: the request id. */
  requestAccess(provider, patient, dataType, purpose) {
    return this.tx('patientConsent', 'request_access', provider, addressOf(patient), dataType, purpose);
  }

  /**
   * The patient (or delegate) approves a request for `durationMs`; with
   * `recordTypes`, the provider also gets `level` on each of them until the
   * same expiry. Value: the consent's expiry.
   */
  approveAccess(signerPair, requestId, durationMs, recordTypes = [], level = 'Read') {
    return this.tx('patientConsent', 'approve_access_request', signerPair, requestId, durationMs, recordTypes, level);
  }

  denyAccess(signerPair, requestId) {
    return this.tx('patientConsent', 'deny_access_request', signerPair, requestId);
  }

  /** A page of the requests awaiting the patient's decision. */
  pendingRequests(patient, from = 0, limit = 50) {
    return this.query('patientConsent', 'pending_requests', null, addressOf(patient), from, limit);
  }

  /** The patient (signer) names a delegate (`Guardian` or `PowerOfAttorney`) for `durationMs`. */
  addDelegate(patient, delegate, kind, durationMs) {
    return this.tx('patientConsent', 'add_delegate', patient, addressOf(delegate), kind, durationMs);
  }

  /** The patient removes a delegate, or the delegate steps down. */
  removeDelegate(signerPair, patient, delegate) {
    return this.tx('patientConsent', 'remove_delegate', signerPair, addressOf(patient), addressOf(delegate));
  }

  /** A page of the patient's consent history. */
  consentHistory(patient, from = 0, limit = 50) {
    return this.query('patientConsent', 'history', null, addressOf(patient), from, limit);
  }

  // --- record-management --------------------------------------------------

  /**
   * The patient (or delegate) gives `provider` `level` (`Read`, `Write`,
   * `Admin`) on `recordType`, optionally for `durationMs` and with a quota
   * ({max_reads, max_bytes}).
   */
  grantPermission(signerPair, patient, provider, recordType, level, durationMs = null, quota = null) {
    return this.tx('recordManagement', 'grant_permission', signerPair, addressOf(patient), addressOf(provider), recordType, level, durationMs, quota);
  }

  revokePermission(signerPair, patient, provider, recordType) {
    return this.tx('recordManagement', 'revoke_permission', signerPair, addressOf(patient), addressOf(provider), recordType);
  }

  /** A page of the patient's permissions with their status. */
  permissionsOf(patient, from = 0, limit = 50) {
    return this.query('recordManagement', 'permissions_of', null, addressOf(patient), from, limit);
  }

  /**
   * A record's metadata: `dataHash` = SHA-256 of the ciphertext (its content
   * address, `vault://sha256/<hex>`), `keyId` the data key's id (the key
   * itself never goes on-chain), `purpose` the declared purpose of use.
   * A provider with Write, or the patient side (then patient-authored).
   * Value: the new record id.
   */
  createRecord(author, patient, recordType, { dataHash: hash, keyId, size, mimeCode = 0, confidentiality = 'Normal', purpose = 'Treatment' }) {
    return this.tx('recordManagement', 'create_record', author, addressOf(patient), recordType, hash, keyId, size, mimeCode, confidentiality, purpose);
  }

  /**
   * A recorded read (a transaction, so it lands in the audit trail); value:
   * the RecordView with `audit_index`, the entry a key-release gateway
   * checks before releasing the data key.
   */
  getRecord(reader, patient, recordId, purpose) {
    return this.tx('recordManagement', 'get_record', reader, addressOf(patient), recordId, purpose);
  }

  /** A record's metadata without a recorded read (public anyway). */
  recordMetadata(recordId) {
    return this.query('recordManagement', 'record_metadata', null, recordId);
  }

  /** A page of the patient's records. */
  patientRecords(patient, from = 0, limit = 50) {
    return this.query('recordManagement', 'patient_records', null, addressOf(patient), from, limit);
  }

  /** Replaces the record's ciphertext; value: the new version number. */
  updateRecord(author, patient, recordId, { dataHash: hash, keyId, size, purpose = 'Treatment' }) {
    return this.tx('recordManagement', 'update_record', author, addressOf(patient), recordId, hash, keyId, size, purpose);
  }

  lockRecord(signerPair, patient, recordId, purpose = 'PatientRequest') {
    return this.tx('recordManagement', 'lock_record', signerPair, addressOf(patient), recordId, purpose);
  }

  unlockRecord(signerPair, patient, recordId, purpose = 'PatientRequest') {
    return this.tx('recordManagement', 'unlock_record', signerPair, addressOf(patient), recordId, purpose);
  }

  shareRecord(signerPair, patient, recordId, provider, durationMs) {
    return this.tx('recordManagement', 'share_record', signerPair, addressOf(patient), recordId, addressOf(provider), durationMs);
  }

  unshareRecord(signerPair, patient, recordId, provider) {
    return this.tx('recordManagement', 'unshare_record', signerPair, addressOf(patient), recordId, addressOf(provider));
  }

  /** A page (at most 50) of the patient's hash-chained audit trail. */
  auditTrail(patient, from = 0, limit = 50) {
    return this.query('recordManagement', 'audit_trail', null, addressOf(patient), from, limit);
  }

  auditHead(patient) {
    return this.query('recordManagement', 'audit_head', null, addressOf(patient));
  }

  auditEntry(patient, index) {
    return this.query('recordManagement', 'audit_entry', null, addressOf(patient), index);
  }

  /**
   * Reads the whole audit trail page by page and recomputes its hash chain
   * off-chain (see auditEntryHash); compares the result with audit_head.
   * Returns {entries, head, len, verified, brokenAt}.
   */
  async verifyAuditChain(patient) {
    const who = addressOf(patient);
    const head = await this.auditHead(who);
    const entries = [];
    let prev = new Uint8Array(32);
    let brokenAt = null;
    for (let from = 0n; from < BigInt(head.len); from += 50n) {
      const page = await this.queryCodec('recordManagement', 'audit_trail', null, who, from.toString(), 50);
      if (page.length === 0) break;
      for (const entry of page) {
        if (brokenAt === null && u8aToHex(entry.prevHash) !== u8aToHex(prev)) brokenAt = entries.length;
        prev = auditEntryHash(this.addresses.recordManagement, who, BigInt(entries.length), entry.toU8a());
        entries.push(toPlain(entry));
      }
    }
    const verified = brokenAt === null && u8aToHex(prev) === head.head && BigInt(entries.length) === BigInt(head.len);
    return { entries, head: head.head, len: head.len, verified, brokenAt };
  }
}

/** The domain tag every audit hash starts with (record-management's AUDIT_DOMAIN). */
export const AUDIT_DOMAIN = new Uint8Array([...new TextEncoder().encode('medrec/audit/v2'), 0]);

/**
 * The hash of audit entry `index` of `patient`'s trail in the
 * record-management contract at `contract`: SHA-256 of the SCALE encoding
 * of (AUDIT_DOMAIN, contract, patient, index as u64, entry), where
 * `entryBytes` is the entry's SCALE encoding.
 */
export function auditEntryHash(contract, patient, index, entryBytes) {
  const idx = new Uint8Array(8);
  new DataView(idx.buffer).setBigUint64(0, BigInt(index), true);
  const input = new Uint8Array([
    ...AUDIT_DOMAIN,
    ...decodeAddress(addressOf(contract)),
    ...decodeAddress(addressOf(patient)),
    ...idx,
    ...entryBytes,
  ]);
  return sha256(input);
}

