// Connecting to a node, submitting extrinsics, deploying. Browser-safe.

import { ApiPromise, WsProvider } from '@polkadot/api';
import { CodePromise } from '@polkadot/api-contract';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, randomAsU8a } from '@polkadot/util-crypto';

import { addressOf, pubkeyHex } from './accounts.js';
import { MedrecError, depositOf, dispatchErrorName, isRevert, splitOutput, weightOf } from './codec.js';
import { decodeContractEvents } from './contracts.js';

/** Whether a node answers JSON-RPC (system_health over HTTP on the ws port) within `timeoutMs`. */
export async function nodeAnswers(wsUrl, timeoutMs = 2000) {
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
export async function connect(wsUrl, { timeoutMs = 20000, hint = 'start it with scripts/node.sh start' } = {}) {
  await cryptoWaitReady();
  const provider = new WsProvider(wsUrl, 1000, {}, timeoutMs);
  const api = new ApiPromise({ provider, noInitWarn: true, throwOnConnect: false });
  let timer;
  try {
    await Promise.race([
      api.isReadyOrError,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no node answers at ${wsUrl} within ${timeoutMs} ms (${hint})`)), timeoutMs);
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

/** Gas limit for dry runs: the chain's max block weight (what the runtime uses for `None`). */
export function dryRunWeight(api) {
  const max = api.consts.system?.blockWeights?.maxBlock;
  const refTime = max?.refTime ? max.refTime.toBigInt() : 5_000_000_000_000n;
  const proofSize = max?.proofSize ? max.proofSize.toBigInt() : 5n * 1024n * 1024n;
  return api.registry.createType('WeightV2', { refTime, proofSize });
}

/**
 * signAndSend's first arguments for a signer: a keyring pair signs itself;
 * {address, signer} (an extension account) signs through its injected signer.
 */
function signArgs(who) {
  if (who && typeof who.sign === 'function' && who.publicKey) return [who];
  if (who && who.address && who.signer) return [who.address, { signer: who.signer }];
  throw new Error('a transaction needs a keyring pair or {address, signer}');
}

/**
 * Signs and sends an extrinsic; resolves with the SubmittableResult once it is
 * in a block (or finalized, with `waitFor: 'finalized'`) and succeeded,
 * rejects with a MedrecError otherwise. `onStatus(stage, result)` is told
 * 'signing', then 'broadcast', 'inBlock' and 'finalized' as they happen.
 */
export function submit(api, extrinsic, who, { label = 'transaction', timeoutMs = 120000, waitFor = 'inBlock', onStatus } = {}) {
  return new Promise((resolvePromise, reject) => {
    let unsub = null;
    let done = false;
    let inBlock = null;
    const finish = (fn, arg) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (unsub) unsub();
      fn(arg);
    };
    const timer = setTimeout(
      () => finish(reject, new MedrecError(`${label}: not ${waitFor === 'finalized' ? 'finalized' : 'included'} within ${timeoutMs} ms`, { kind: 'Transaction', variant: 'Timeout' })),
      timeoutMs,
    );
    onStatus?.('signing');
    extrinsic
      .signAndSend(...signArgs(who), (res) => {
        const { status, dispatchError } = res;
        if (res.internalError) {
          finish(reject, new MedrecError(`${label}: ${res.internalError.message}`, { kind: 'Transaction', variant: 'InternalError' }));
        } else if (status.isInBlock || status.isFinalized) {
          if (dispatchError) {
            const name = dispatchErrorName(api.registry, dispatchError);
            const e = new MedrecError(`${label}: ${name}`, { kind: 'DispatchError', variant: name, dispatchError: name });
            e.result = res;
            finish(reject, e);
            return;
          }
          if (status.isInBlock && !inBlock) {
            inBlock = res;
            onStatus?.('inBlock', res);
          }
          if (status.isFinalized) onStatus?.('finalized', res);
          if (waitFor !== 'finalized' || status.isFinalized) finish(resolvePromise, res);
        } else if (status.isInvalid || status.isDropped || status.isUsurped) {
          finish(reject, new MedrecError(`${label}: transaction ${status.type}`, { kind: 'Transaction', variant: status.type }));
        } else if (status.isReady || status.isBroadcast) {
          onStatus?.('broadcast', res);
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
 * Uploads a contract's hot shell (see medrec_types::split), unless that code
 * is on chain already, so that the constructor switches the new contract to
 * it. A bundle without a shell is left alone (the contract stays on its full
 * code).
 */
async function uploadHotShell(api, who, bundle, log) {
  const shell = bundle.hotShell;
  if (!shell?.wasm) return null;
  const present = await api.query.contracts.codeInfoOf(shell.codeHash);
  if (present.isSome) return { contract: bundle.name, hotShell: shell.codeHash, uploaded: false };
  const label = `${bundle.name}: upload of its hot shell`;
  const res = await submit(api, api.tx.contracts.uploadCode(shell.wasm, null, 'Enforced'), who, { label });
  const stored = res.events.find(({ event }) => api.events.contracts.CodeStored.is(event));
  if (!stored || stored.event.data[0].toHex() !== shell.codeHash) {
    throw new MedrecError(`${label}: no contracts.CodeStored event for ${shell.codeHash}`, { contract: bundle.name, kind: 'Transaction', variant: 'NotUploaded' });
  }
  const result = { contract: bundle.name, hotShell: shell.codeHash, uploaded: true };
  log?.(result);
  return result;
}

async function instantiate(api, who, bundle, ctorArgs, abis, log) {
  await uploadHotShell(api, who, bundle, log);
  const code = new CodePromise(api, bundle.abi, bundle.wasm);
  const ctor = bundle.abi.findConstructor('new');
  const salt = u8aToHex(randomAsU8a(32));
  const label = `${bundle.name}.new`;
  const dry = await api.call.contractsApi.instantiate(
    addressOf(who),
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
  const res = await submit(api, tx, who, { label });
  const instantiated = res.events.find(({ event }) => api.events.contracts.Instantiated.is(event));
  if (!instantiated) {
    throw new MedrecError(`${label}: no contracts.Instantiated event`, { contract: bundle.name, kind: 'Transaction', variant: 'NotInstantiated' });
  }
  const address = instantiated.event.data[1].toString();
  if (bundle.hotShell) {
    const info = await api.query.contracts.contractInfoOf(address);
    const runs = info.isSome ? info.unwrap().codeHash.toHex() : null;
    if (runs !== bundle.hotShell.codeHash) {
      throw new MedrecError(`${label}: the new contract runs ${runs}, not its hot shell ${bundle.hotShell.codeHash}`, { contract: bundle.name, kind: 'Transaction', variant: 'NotSplit' });
    }
  }
  abis.set(pubkeyHex(address), { name: bundle.name, abi: bundle.abi });
  const result = {
    contract: bundle.name,
    address,
    predictedAddress: predicted,
    codeHash: bundle.codeHash,
    hotShell: bundle.hotShell?.codeHash ?? null,
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
 * querying it. `bundles`: {accessControl, patientConsent, recordManagement},
 * each from bundleFromJson of a `.contract` bundle (with its wasm).
 * `Medrec`: the client class to wire with (core's, or the Node one).
 * Returns {addresses, codeHashes, instantiations, deployer, firstAdmin}.
 */
export async function deployBundles(api, who, { bundles, Medrec, log, firstAdmin = '//Bob', credentialsHash = `0x${'00'.repeat(32)}` }) {
  await cryptoWaitReady();
  const abis = new Map();
  const admin = addressOf(firstAdmin);
  const ac = await instantiate(api, who, bundles.accessControl, [admin, credentialsHash], abis, log);
  const pc = await instantiate(api, who, bundles.patientConsent, [ac.address], abis, log);
  const rm = await instantiate(api, who, bundles.recordManagement, [pc.address, ac.address], abis, log);
  const addresses = { accessControl: ac.address, patientConsent: pc.address, recordManagement: rm.address };
  const medrec = new Medrec(api, addresses, { bundles });
  const wire = await medrec.tx('patientConsent', 'set_record_management', who, rm.address);
  log?.({ contract: 'patient-consent', wired: 'record_management', ...wire });
  const wiredAc = await medrec.query('patientConsent', 'access_control', who);
  const wiredRm = await medrec.query('patientConsent', 'record_management', who);
  const stats = await medrec.query('recordManagement', 'stats', who);
  const same = (a, b) => a != null && b != null && pubkeyHex(a) === pubkeyHex(b);
  if (!same(wiredAc, ac.address) || !same(wiredRm, rm.address) || !same(stats.consent_contract, pc.address) || !same(stats.access_control, ac.address)) {
    throw new Error(`wiring check failed: patient-consent -> ${wiredAc}, ${wiredRm}; record-management -> ${stats.consent_contract}, ${stats.access_control}`);
  }
  return {
    addresses,
    codeHashes: { accessControl: bundles.accessControl.codeHash, patientConsent: bundles.patientConsent.codeHash, recordManagement: bundles.recordManagement.codeHash },
    instantiations: [ac, pc, rm],
    deployer: addressOf(who),
    firstAdmin: admin,
  };
}
