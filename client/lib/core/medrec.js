// The three medical-record contracts (ink! 5.1.1) through polkadot.js, on a
// substrate-contracts-node (pallet-contracts, WeightV2). Browser-safe: the
// contracts' metadata and addresses come in as arguments.
//
// Every transaction is dry-run first; a dry run that returns `Err` (or sets the
// revert flag) throws a MedrecError naming the contract's error variant, and
// nothing is sent. Numbers that can exceed 2^53 (u64, u128: gas, deposits,
// timestamps, ids) are returned as decimal strings; u8..u32 as numbers.
//
// Only hashes, codes and key ids go on-chain: a record's `data_hash` is the
// SHA-256 of its ciphertext, never the clinical text.

import { ContractPromise } from '@polkadot/api-contract';
import { u8aToHex } from '@polkadot/util';

import { addressOf, pubkeyHex } from './accounts.js';
import { dryRunWeight, submit } from './chain.js';
import { MedrecError, depositOf, interpretDryRun, toPlain, weightOf } from './codec.js';
import { CONTRACTS, contractInfo, decodeContractEvents } from './contracts.js';
import { chainHashes } from './hash.js';

/**
 * The storage key under which a contract on its hot shell keeps its full
 * code's hash: `medrec_types::split::COLD_CODE_KEY` (0x636f6c64), SCALE
 * (little-endian), as ContractsApi_get_storage takes it.
 */
export const COLD_CODE_KEY = '0x646c6f63';

/**
 * The three contracts at `addresses` ({accessControl, patientConsent,
 * recordManagement}), with one method per user action plus generic `tx` and
 * `query`. Transactions return
 *   {contract, message, value, gasRequired: {refTime, proofSize}, gasConsumed,
 *    storageDeposit, events: [{contract, name, args}], blockHash, txHash}
 * where `value` is the message's Ok value from the dry run (e.g. the new
 * record id), and throw MedrecError on a refusal. A signer is a keyring pair
 * or {address, signer} (an extension account).
 */
export class Medrec {
  /**
   * `bundles`: {accessControl, patientConsent, recordManagement}, each at
   * least {abi} (core's bundleFromJson of the contract's metadata JSON).
   */
  constructor(api, addresses, { bundles } = {}) {
    this.api = api;
    this.addresses = { ...addresses };
    this.contracts = {};
    this.hotShells = {};
    this.abis = new Map();
    for (const c of CONTRACTS) {
      const address = addresses[c.key];
      if (!address) throw new Error(`no address for ${c.crate}`);
      const bundle = bundles?.[c.key];
      if (!bundle?.abi) throw new Error(`no metadata for ${c.crate}`);
      this.contracts[c.key] = new ContractPromise(api, bundle.abi, address);
      this.hotShells[c.key] = bundle.hotShell ?? null;
      this.abis.set(pubkeyHex(address), { name: c.crate, abi: bundle.abi });
    }
  }

  /** Fails unless each address holds a contract on this chain; returns their code hashes. */
  async checkDeployed() {
    const out = {};
    for (const c of CONTRACTS) {
      const address = this.addresses[c.key];
      const info = await this.api.query.contracts.contractInfoOf(address);
      if (info.isNone) {
        throw new Error(`no ${c.crate} contract at ${address} on this chain (deploy again: node client/cli.js deploy)`);
      }
      const runs = info.unwrap().codeHash.toHex();
      const shell = this.hotShells[c.key];
      // A contract on its hot shell answers with the full code the shell
      // stores (medrec_types::split): that is the code to compare.
      out[c.key] = shell && runs === shell.codeHash ? await this.fullCodeOf(address, c.crate) : runs;
    }
    return out;
  }

  /** The full code a hot shell at `address` forwards to, from its storage (see medrec_types::split). */
  async fullCodeOf(address, crate = 'contract') {
    const res = await this.api.call.contractsApi.getStorage(address, COLD_CODE_KEY);
    const value = res.isOk ? res.asOk : null;
    if (!value || value.isNone || value.unwrap().length !== 32) {
      throw new Error(`${crate} at ${address} runs its hot shell but stores no full code: every message but the hot ones is refused`);
    }
    return u8aToHex(value.unwrap());
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
   * `onStatus`, `waitFor`: see submit().
   */
  async send({ contract, message, signer: who, args = [], force = false, onStatus, waitFor }) {
    const prepared = await this.preview({ contract, message, signer: who, args, fee: false });
    if (!prepared.ok && !force) throw prepared.error;
    return this.sendPrepared(prepared, who, { onStatus, waitFor });
  }

  /**
   * What a transaction would do, before signing: the dry run as `signer`
   * (value or the contract's error), gas (ref_time, proof_size), storage
   * deposit (negative: refund), and, when it would pass and `fee` is true,
   * the estimated fee (paymentInfo's partialFee, plancks as a decimal
   * string). Returns {ok, value, error, label, contract, message,
   * gasRequired, gasConsumed, storageDeposit, fee, extrinsic}.
   */
  async preview({ contract, message, signer: who, args = [], fee = true }) {
    const { info, c, m } = this.#resolve(contract, message);
    const dry = await this.dryRun(info.key, m.identifier, who, ...args);
    const sd = dry.raw.storageDeposit;
    const storageDepositLimit = dry.ok && sd.isCharge ? sd.asCharge : null;
    const extrinsic = c.tx[m.method]({ gasLimit: dry.raw.gasRequired, storageDepositLimit }, ...args);
    let estimatedFee = null;
    if (dry.ok && fee) {
      const pay = await extrinsic.paymentInfo(addressOf(who));
      estimatedFee = pay.partialFee.toBigInt().toString();
    }
    return {
      ok: dry.ok,
      value: dry.value,
      error: dry.error,
      dry,
      label: `${info.crate}.${m.identifier}`,
      contract: info.crate,
      message: m.identifier,
      gasRequired: dry.gasRequired,
      gasConsumed: dry.gasConsumed,
      storageDeposit: dry.storageDeposit,
      fee: estimatedFee,
      extrinsic,
    };
  }

  /** Signs and sends what preview() prepared (as `who`); the result as tx() returns it. */
  async sendPrepared(prepared, who, { onStatus, waitFor } = {}) {
    const { dry, label, extrinsic } = prepared;
    const contract = prepared.contract;
    const message = prepared.message;
    let res;
    try {
      res = await submit(this.api, extrinsic, who, { label, onStatus, waitFor });
    } catch (e) {
      if (e instanceof MedrecError) {
        e.contract = contract;
        e.call = message;
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
        contract, call: message, kind: dry.error.kind, variant: dry.error.variant,
      });
    }
    return {
      contract,
      message,
      value: dry.value,
      gasRequired: dry.gasRequired,
      gasConsumed: dry.gasConsumed,
      storageDeposit: dry.storageDeposit,
      events: decodeContractEvents(this.api, res.events, this.abis),
      blockHash: res.status.isInBlock ? res.status.asInBlock.toHex() : res.status.asFinalized.toHex(),
      finalized: res.status.isFinalized,
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
    const codecs = [];
    for (let from = 0n; from < BigInt(head.len); from += 50n) {
      const page = await this.queryCodec('recordManagement', 'audit_trail', null, who, from.toString(), 50);
      if (page.length === 0) break;
      codecs.push(...page);
    }
    const chain = chainHashes(this.addresses.recordManagement, who, codecs);
    const entries = codecs.map(toPlain);
    const verified = chain.brokenAt === null && chain.last === head.head && BigInt(entries.length) === BigInt(head.len);
    const brokenAt = chain.brokenAt === null ? null : Number(chain.brokenAt);
    return { entries, hashes: chain.hashes, head: head.head, len: head.len, verified, brokenAt };
  }
}
