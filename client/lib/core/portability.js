// Data portability, browser-safe: a patient's complete record exported as an
// archive holding a FHIR R4 Bundle, the ciphertexts and the data keys sealed
// to the patient's export key; and imported into another deployment.
//
// The archive is a set of files (client/lib/archive.js writes them as a plain
// tar; the web app may offer them as a download):
//
//   manifest.json        format, patient, deployment (genesis hash, contract
//                        addresses), the audit head at export (index, length,
//                        hash), the export public key, and every other
//                        file's path, SHA-256 and size
//   manifest.sig         the patient's sr25519 signature over the manifest's
//                        SHA-256 (MANIFEST_SIGNING_CONTEXT)
//   bundle.json          the FHIR R4 Bundle (see fhir.js)
//   audit/trail.json     the audit trail as the chain stores it: each entry's
//                        SCALE bytes (hex), from which its hash chain is
//                        recomputed on import
//   blobs/<sha256>       the ciphertext of each record's current version
//   keys/<sha256>.key    its data key sealed to the export public key (80
//                        bytes; never a plaintext key)
//
// Every key comes through a recorded access: the patient reads the record
// with get_record as a transaction (an audit entry), and the gateway releases
// the key against that entry to a fresh X25519 key; the key is checked
// against the record's key id and sealed again to the export key.
//
// `vault` (injected, so the web app passes its WebAssembly build and Node
// passes lib/vault.js, see nodeVault there): {generateKeyPair, wrapKey,
// unwrapKey, keyId, openBytes, sealBytes, publicKeyOf}.

import { hexToU8a, stringToU8a, u8aToHex, u8aWrapBytes } from '@polkadot/util';
import { decodeAddress, encodeAddress, sha256AsU8a, signatureVerify } from '@polkadot/util-crypto';

import { addressOf, sameAccount } from './accounts.js';
import { MedrecError } from './codec.js';
import { pairSigner } from './gateway.js';
import { auditEntryHash } from './hash.js';
import { AUDIT_ACTIONS, FhirError, RECORD_STATUSES, RECORD_TYPES, bundleToModel, modelToBundle } from './fhir.js';

export const EXPORT_FORMAT = 'medrec-export/1';
export const HISTORY_FORMAT = 'medrec-history/1';
export const MANIFEST_SIGNING_CONTEXT = 'medrec-export/v1\n';
/** Purpose the patient declares for its own reads and writes during export and import. */
export const PORTABILITY_PURPOSE = 'PatientRequest';
/** The record type of the imported historical document (no record type names an administrative document; see the README). */
export const HISTORY_RECORD_TYPE = 'BasicInfo';

const PURPOSES = ['Treatment', 'EmergencyTreatment', 'Payment', 'Operations', 'Research', 'PatientRequest', 'PublicHealth'];

/** A refusal of an archive or an export/import that stopped, with `code` naming it. */
export class PortabilityError extends Error {
  constructor(code, message, extra = {}) {
    super(`${code}: ${message}`);
    this.name = 'PortabilityError';
    this.code = code;
    Object.assign(this, extra);
  }
}

const hex = (u8) => u8aToHex(u8).slice(2);
const sha256Hex = (bytes) => hex(sha256AsU8a(bytes));
const utf8 = (s) => new TextEncoder().encode(s);
const fromUtf8 = (b) => new TextDecoder('utf-8', { fatal: true }).decode(b);
/** Accounts as the bundle writes them: SS58 with the generic prefix 42. */
const ss58 = (a) => encodeAddress(decodeAddress(addressOf(a)), 42);

// --- the audit trail's SCALE encoding (record-management's AuditEntry) -----

/**
 * Decodes one AuditEntry from its SCALE bytes: actor, action, record_id,
 * subject, record_type, purpose, status, at, prev_hash (data.rs, in order).
 * Written by hand so that an archive is checked without the contracts'
 * metadata; the node-backed test compares it with polkadot.js's decoding.
 */
export function decodeAuditEntry(bytes) {
  let at = 0;
  const take = (n) => {
    if (at + n > bytes.length) throw new Error('truncated audit entry');
    const out = bytes.subarray(at, at + n);
    at += n;
    return out;
  };
  const u8 = () => take(1)[0];
  const u64 = () => {
    const b = take(8);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true).toString();
  };
  const variant = (names, what) => {
    const i = u8();
    if (i >= names.length) throw new Error(`bad ${what} ${i} in audit entry`);
    return names[i];
  };
  const option = (read) => {
    const tag = u8();
    if (tag === 0) return null;
    if (tag !== 1) throw new Error(`bad Option tag ${tag} in audit entry`);
    return read();
  };
  const account = () => ss58(take(32));
  const entry = {
    actor: account(),
    action: variant(AUDIT_ACTIONS, 'action'),
    recordId: option(u64),
    subject: option(account),
    recordType: option(() => variant(RECORD_TYPES, 'record type')),
    purpose: option(() => variant(PURPOSES, 'purpose')),
    status: option(() => variant(RECORD_STATUSES, 'status')),
    at: u64(),
    prevHash: hex(take(32)),
  };
  if (at !== bytes.length) throw new Error(`${bytes.length - at} bytes after the audit entry`);
  return entry;
}

/** The SCALE bytes of an entry (decodeAuditEntry's inverse; for fixtures). */
export function encodeAuditEntry(e) {
  const out = [];
  const u64 = (v) => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
    out.push(...b);
  };
  const option = (v, write) => {
    if (v == null) out.push(0);
    else {
      out.push(1);
      write(v);
    }
  };
  const index = (names, v) => {
    const i = names.indexOf(v);
    if (i < 0) throw new Error(`unknown ${v}`);
    out.push(i);
  };
  out.push(...decodeAddress(e.actor));
  index(AUDIT_ACTIONS, e.action);
  option(e.recordId, u64);
  option(e.subject, (s) => out.push(...decodeAddress(s)));
  option(e.recordType, (v) => index(RECORD_TYPES, v));
  option(e.purpose, (v) => index(PURPOSES, v));
  option(e.status, (v) => index(RECORD_STATUSES, v));
  u64(e.at);
  out.push(...hexToU8a(`0x${e.prevHash}`));
  return new Uint8Array(out);
}

/**
 * Recomputes a trail's hash chain from its entries' SCALE bytes (hex, in
 * order from index 0) for `patient` in the record-management contract at
 * `contract`. Returns {entries (decoded, with index and hash), head, len,
 * brokenAt (the first index whose prev_hash is not its predecessor's hash, or
 * null)}.
 */
export function verifyTrail(contract, patient, entriesHex) {
  let prev = '00'.repeat(32);
  let brokenAt = null;
  const entries = entriesHex.map((h, i) => {
    if (typeof h !== 'string' || !/^(0x)?([0-9a-f]{2})+$/.test(h)) throw new PortabilityError('AuditTrailInvalid', `audit/trail.json: entry ${i} is not hex`);
    const bytes = hexToU8a(h.startsWith('0x') ? h : `0x${h}`);
    let e;
    try {
      e = decodeAuditEntry(bytes);
    } catch (err) {
      throw new PortabilityError('AuditTrailInvalid', `audit/trail.json: entry ${i}: ${err.message}`);
    }
    if (brokenAt === null && e.prevHash !== prev) brokenAt = i;
    prev = hex(auditEntryHash(contract, patient, i, bytes));
    return { index: String(i), ...e, hash: prev };
  });
  return { entries, head: prev, len: entries.length, brokenAt };
}

// --- the manifest ------------------------------------------------------

/** The bytes a manifest signature covers (before <Bytes> wrapping): the context and the manifest's SHA-256. */
export function manifestPayload(manifestBytes) {
  return utf8(`${MANIFEST_SIGNING_CONTEXT}${sha256Hex(manifestBytes)}`);
}

/** manifest.sig for `manifestBytes`, signed by `caller` ({address, sign(wrappedBytes)}). */
export async function signManifest(caller, manifestBytes) {
  const signature = await caller.sign(u8aWrapBytes(manifestPayload(manifestBytes)));
  return utf8(`${JSON.stringify({ signer: ss58(caller.address), scheme: 'sr25519', payload: `${MANIFEST_SIGNING_CONTEXT}sha256(manifest.json)`, signature: u8aToHex(signature) }, null, 2)}\n`);
}

/**
 * Collects files for an archive: `put(path, bytes)` stores each through
 * `sink` (if given; else in memory) and remembers its SHA-256 and size.
 */
export function fileSet(sink) {
  const files = [];
  const mem = new Map();
  return {
    files,
    mem,
    async put(path, bytes) {
      if (files.some((f) => f.path === path)) throw new Error(`${path} written twice`);
      files.push({ path, sha256: sha256Hex(bytes), size: bytes.length });
      if (sink) await sink(path, bytes);
      else mem.set(path, bytes);
    },
  };
}

/**
 * Writes bundle.json, audit/trail.json, manifest.json and manifest.sig into
 * `set` (blobs and keys already put). Returns the manifest.
 */
export async function packExport({ set, model, trailHex, exportPublicKey, caller }) {
  const bundle = modelToBundle(model);
  await set.put('bundle.json', utf8(`${JSON.stringify(bundle, null, 2)}\n`));
  await set.put('audit/trail.json', utf8(`${JSON.stringify({ format: 'medrec-audit-scale/1', contract: model.deployment.recordManagement, patient: model.patient, entries: trailHex }, null, 1)}\n`));
  const last = model.audit[model.audit.length - 1];
  const manifest = {
    format: EXPORT_FORMAT,
    patient: model.patient,
    deployment: model.deployment,
    auditHead: { index: last ? last.index : null, len: String(model.audit.length), hash: last ? last.hash : '00'.repeat(32) },
    exportedAt: new Date(Number(model.exportedAt)).toISOString(),
    exportPublicKey: hex(exportPublicKey),
    files: [...set.files].sort((a, b) => (a.path < b.path ? -1 : 1)),
  };
  const bytes = utf8(`${JSON.stringify(manifest, null, 2)}\n`);
  await set.put('manifest.json', bytes);
  await set.put('manifest.sig', await signManifest(caller, bytes));
  return { manifest, bundle };
}

// --- export ------------------------------------------------------------

async function allPages(fetchPage, limit = 50) {
  const out = [];
  for (let from = 0n; ; from += BigInt(limit)) {
    const page = await fetchPage(from.toString(), limit);
    out.push(...page);
    if (page.length < limit) return out;
  }
}

const purposesOf = (set) => {
  const bits = typeof set === 'object' && set !== null ? Number(Object.values(set)[0]) : Number(set);
  return PURPOSES.filter((_, i) => bits & (1 << i));
};
const strip0x = (h) => String(h).replace(/^0x/, '').toLowerCase();

/**
 * Exports the signer's complete record from `medrec`'s deployment through
 * `gateway`: every live record read as a transaction and its key released
 * against that read, the ciphertexts, consents, permissions, delegations and
 * the whole audit trail. `signer`: a keyring pair or {address, signer} (sends
 * the reads); `caller`: signs gateway requests and the manifest (default:
 * pairSigner(signer)). `sink(path, bytes)` receives each file (default: kept
 * in memory, returned as `files`). `log(line)` tells progress.
 * Returns {manifest, bundle, model, files, report}.
 */
export async function exportPatient({ medrec, gateway, signer, caller, vault, exportPublicKey, genesisHash, sink, log = () => {}, now = Date.now }) {
  caller ??= pairSigner(signer);
  const patient = ss58(signer);
  if (!(await medrec.getPatient(patient))) throw new PortabilityError('NotRegistered', `${patient} is not a registered patient of this deployment`);
  const info = await gateway.info();
  log(`gateway ${gateway.url}: ${info.service ?? 'medrec-gateway'} ${info.version ?? ''}`.trim());
  const set = fileSet(sink);
  const summaries = await allPages((from, limit) => medrec.patientRecords(patient, from, limit));
  log(`${summaries.length} record(s) of ${patient}`);
  const records = [];
  const report = { records: [], reads: [] };
  for (const { record_id: recordId, meta } of summaries) {
    const older = await allPages((from, limit) => medrec.query('recordManagement', 'record_versions', null, recordId, Number(from) + 1, limit));
    const versions = older.map((v, i) => ({ version: i + 1, dataHash: strip0x(v.data_hash), keyId: strip0x(v.key_id), size: Number(v.size), author: ss58(v.author), at: String(v.at) }));
    if (versions.length !== meta.version || versions[versions.length - 1].dataHash !== strip0x(meta.data_hash)) {
      throw new PortabilityError('ChainInconsistent', `record ${recordId}: ${versions.length} version(s) listed, metadata says ${meta.version}`);
    }
    records.push({
      recordId: String(recordId),
      recordType: meta.record_type,
      mimeCode: meta.mime_code,
      confidentiality: meta.confidentiality,
      status: meta.status,
      patientAuthored: meta.patient_authored,
      createdBy: ss58(meta.created_by),
      createdAt: String(meta.created_at),
      retentionUntil: String(meta.retention_until),
      versions,
    });
    const current = versions[versions.length - 1];
    if (meta.status === 'Deleted') {
      log(`  record ${recordId}: deleted (its keys are destroyed): metadata only`);
      report.records.push({ recordId: String(recordId), blob: false, why: 'deleted' });
      continue;
    }
    // The recorded access: a get_record transaction; the gateway releases the key against its audit entry.
    const read = await medrec.getRecord(signer, patient, recordId, PORTABILITY_PURPOSE);
    const auditIndex = read.events.find((e) => e.name === 'AuditAppended' && e.args.action === 'Read')?.args.index ?? read.value.audit_index;
    const fresh = vault.generateKeyPair();
    const proof = { patient, recordId, auditIndex, wrapTo: fresh.publicKey };
    let key;
    try {
      const released = await gateway.release(caller, proof);
      if (released.kind && released.kind !== 'key') {
        throw new PortabilityError('SplitCustody', `record ${recordId}: the gateway holds only a share of its key (split custody); export needs the whole key`);
      }
      key = vault.unwrapKey(released.wrapped, fresh.secretKey);
      if (strip0x(vault.keyId(key)) !== current.keyId) throw new PortabilityError('KeyMismatch', `record ${recordId}: the released key's id is not the record's key id ${current.keyId}`);
      const bytes = new Uint8Array(await gateway.fetchCiphertext(caller, proof));
      if (sha256Hex(bytes) !== current.dataHash) throw new PortabilityError('BlobHashMismatch', `record ${recordId}: the gateway's ciphertext does not hash to the chain's data hash ${current.dataHash}`);
      await set.put(`blobs/${current.dataHash}`, bytes);
      await set.put(`keys/${current.dataHash}.key`, new Uint8Array(vault.wrapKey(key, exportPublicKey)));
    } finally {
      key?.fill(0);
      fresh.secretKey.fill(0);
    }
    log(`  record ${recordId} (${meta.record_type}, v${meta.version}): read as audit entry #${auditIndex}, key released and sealed to the export key, ${current.size} bytes`);
    report.reads.push({ recordId: String(recordId), auditIndex: String(auditIndex) });
    report.records.push({ recordId: String(recordId), blob: true, olderVersions: versions.length - 1 });
  }

  const consents = (await allPages((from, limit) => medrec.consentsOf(patient, from, limit))).map((c) => ({
    provider: ss58(c.provider),
    dataType: c.data_type,
    purposes: purposesOf(c.consent.purposes),
    grantedAt: String(c.consent.granted_at),
    expiresAt: String(c.consent.expires_at),
    grantedBy: ss58(c.consent.granted_by),
    requestId: c.consent.request_id == null ? null : String(c.consent.request_id),
    status: c.status,
  }));
  const permissions = (await allPages((from, limit) => medrec.permissionsOf(patient, from, limit))).map((p) => ({
    provider: ss58(p.provider),
    recordType: p.record_type,
    level: p.permission.level,
    grantedBy: ss58(p.permission.granted_by),
    grantedAt: String(p.permission.granted_at),
    expiresAt: p.permission.expires_at == null ? null : String(p.permission.expires_at),
    quota: p.permission.quota ? { max_reads: p.permission.quota.max_reads ?? null, max_bytes: p.permission.quota.max_bytes == null ? null : String(p.permission.quota.max_bytes) } : null,
    readsUsed: p.permission.reads_used,
    bytesUsed: String(p.permission.bytes_used),
    requestId: p.permission.request_id == null ? null : String(p.permission.request_id),
    revokedAt: p.permission.revoked_at == null ? null : String(p.permission.revoked_at),
    status: p.status,
  }));
  const delegations = (await allPages((from, limit) => medrec.query('patientConsent', 'delegates_of', null, patient, from, limit))).map((d) => ({
    delegate: ss58(d.delegate),
    kind: d.delegation.kind,
    addedAt: String(d.delegation.added_at),
    expiresAt: String(d.delegation.expires_at),
    active: d.active,
  }));

  // The trail after the export's own reads: their entries are part of it.
  const head = await medrec.auditHead(patient);
  const codecs = [];
  for (let from = 0n; from < BigInt(head.len); from += 50n) {
    const page = await medrec.queryCodec('recordManagement', 'audit_trail', null, patient, from.toString(), 50);
    if (page.length === 0) break;
    codecs.push(...page);
  }
  const trailHex = codecs.slice(0, Number(head.len)).map((c) => hex(c.toU8a()));
  const deployment = {
    genesisHash: genesisHash ?? medrec.api.genesisHash.toHex(),
    accessControl: ss58(medrec.addresses.accessControl),
    patientConsent: ss58(medrec.addresses.patientConsent),
    recordManagement: ss58(medrec.addresses.recordManagement),
  };
  const trail = verifyTrail(deployment.recordManagement, patient, trailHex);
  if (trail.brokenAt !== null || `0x${trail.head}` !== head.head || String(trail.len) !== String(head.len)) {
    throw new PortabilityError('AuditChainBroken', `the chain's audit trail does not verify (broken at ${trail.brokenAt}, head ${trail.head} vs ${head.head})`);
  }
  log(`audit trail: ${trail.len} entries, hash chain verified, head ${trail.head.slice(0, 16)}...`);

  const model = {
    patient,
    deployment,
    exportedAt: String(now()),
    records,
    consents,
    permissions,
    delegations,
    audit: trail.entries,
  };
  const { manifest, bundle } = await packExport({ set, model, trailHex, exportPublicKey, caller });
  return { manifest, bundle, model, files: set.mem, report };
}

// --- verification of an archive -----------------------------------------

const FIXED = new Set(['manifest.json', 'manifest.sig']);

function parseJson(bytes, path) {
  try {
    return JSON.parse(fromUtf8(bytes));
  } catch (e) {
    throw new PortabilityError(path === 'manifest.json' ? 'ManifestInvalid' : path === 'bundle.json' ? 'BundleInvalid' : 'ArchiveCorrupt', `${path} is not valid JSON (${e.message})`);
  }
}

const sameJson = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Verifies an archive before anything is sent. `archive`: {paths: [path],
 * size(path), read(path) -> Promise<Uint8Array>}. `importer`: the account
 * that will import (the bundle must be its own). `exportSecretKey`: opens
 * the sealed data keys (each key is checked against its key id and each
 * ciphertext decrypted in full). Throws PortabilityError with a code:
 * ManifestInvalid, NotYourArchive, SignatureInvalid, MissingFile,
 * UnlistedFile, FileTruncated, FileSizeMismatch, FileHashMismatch,
 * BundleInvalid, AuditTrailInvalid, AuditChainBroken, AuditHeadMismatch,
 * AuditMismatch, MissingBlob, BlobHashMismatch, BlobTruncated, MissingKey,
 * WrongExportKey, KeyMismatch, BlobUndecryptable.
 * Returns {manifest, model, bundle, trail, records: [{record, blobVersions}]}.
 */
export async function verifyArchive(archive, { importer, exportSecretKey, vault }) {
  const has = new Set(archive.paths);
  for (const f of FIXED) if (!has.has(f)) throw new PortabilityError('MissingFile', `the archive has no ${f}`);
  const manifestBytes = await archive.read('manifest.json');
  const manifest = parseJson(manifestBytes, 'manifest.json');
  if (manifest?.format !== EXPORT_FORMAT || !Array.isArray(manifest.files) || typeof manifest.patient !== 'string' || !manifest.auditHead || !manifest.deployment) {
    throw new PortabilityError('ManifestInvalid', `manifest.json is not a ${EXPORT_FORMAT} manifest`);
  }
  let patient;
  try {
    patient = ss58(manifest.patient);
  } catch {
    throw new PortabilityError('ManifestInvalid', `manifest.json: patient ${JSON.stringify(manifest.patient)} is not an account`);
  }
  if (!sameAccount(patient, importer)) {
    throw new PortabilityError('NotYourArchive', `this archive is the record of ${patient}; the importing account is ${ss58(importer)} (a patient imports only its own record)`);
  }
  const sig = parseJson(await archive.read('manifest.sig'), 'manifest.sig');
  let sigOk = false;
  try {
    sigOk = sameAccount(sig.signer, patient) && signatureVerify(u8aWrapBytes(manifestPayload(manifestBytes)), sig.signature, patient).isValid;
  } catch {
    sigOk = false;
  }
  if (!sigOk) throw new PortabilityError('SignatureInvalid', `manifest.sig is not ${patient}'s signature over this manifest.json (the manifest was changed, or signed by someone else)`);

  const listed = new Map();
  for (const f of manifest.files) {
    if (typeof f?.path !== 'string' || FIXED.has(f.path) || listed.has(f.path) || !/^[0-9a-f]{64}$/.test(f.sha256 ?? '') || !Number.isSafeInteger(f.size) || f.size < 0) {
      throw new PortabilityError('ManifestInvalid', `manifest.json: bad file entry ${JSON.stringify(f)}`);
    }
    listed.set(f.path, f);
  }
  for (const p of archive.paths) if (!FIXED.has(p) && !listed.has(p)) throw new PortabilityError('UnlistedFile', `${p} is in the archive but not in the manifest`);
  for (const [p, f] of listed) {
    if (!has.has(p)) throw new PortabilityError('MissingFile', `${p} is in the manifest but not in the archive`);
    const size = archive.size(p);
    if (size < f.size) throw new PortabilityError('FileTruncated', `${p} is truncated: ${size} of ${f.size} bytes`);
    if (size !== f.size) throw new PortabilityError('FileSizeMismatch', `${p} is ${size} bytes; the manifest says ${f.size}`);
  }
  // Hash every file (one at a time; blobs may be large).
  for (const [p, f] of listed) {
    const h = sha256Hex(await archive.read(p));
    if (h !== f.sha256) throw new PortabilityError('FileHashMismatch', `${p} has SHA-256 ${h}; the manifest says ${f.sha256}`);
  }

  if (!listed.has('bundle.json')) throw new PortabilityError('MissingFile', 'the archive has no bundle.json');
  const bundle = parseJson(await archive.read('bundle.json'), 'bundle.json');
  let model;
  try {
    model = bundleToModel(bundle);
  } catch (e) {
    if (e instanceof FhirError) throw new PortabilityError('BundleInvalid', `bundle.json: ${e.message}`);
    throw e;
  }
  if (!sameAccount(model.patient, patient)) throw new PortabilityError('NotYourArchive', `bundle.json is the record of ${model.patient}, not ${patient}`);
  if (!sameJson(model.deployment, manifest.deployment)) throw new PortabilityError('BundleInvalid', 'bundle.json names another deployment than the manifest');

  if (!listed.has('audit/trail.json')) throw new PortabilityError('MissingFile', 'the archive has no audit/trail.json');
  const trailFile = parseJson(await archive.read('audit/trail.json'), 'audit/trail.json');
  if (!Array.isArray(trailFile?.entries)) throw new PortabilityError('AuditTrailInvalid', 'audit/trail.json has no entries');
  const trail = verifyTrail(model.deployment.recordManagement, patient, trailFile.entries);
  if (trail.brokenAt !== null) throw new PortabilityError('AuditChainBroken', `the audit trail's hash chain breaks at entry ${trail.brokenAt}`);
  if (String(trail.len) !== String(manifest.auditHead.len) || trail.head !== manifest.auditHead.hash) {
    throw new PortabilityError('AuditHeadMismatch', `the audit trail ends at ${trail.len} entries, head ${trail.head}; the manifest says ${manifest.auditHead.len}, head ${manifest.auditHead.hash}`);
  }
  if (!sameJson(trail.entries, model.audit)) {
    const i = trail.entries.findIndex((e, k) => !sameJson(e, model.audit[k]));
    throw new PortabilityError('AuditMismatch', `the bundle's AuditEvents differ from the audit trail at entry ${i === -1 ? trail.entries.length : i}`);
  }

  // Each live record's current version: its blob and key, checked in full.
  const referenced = new Set();
  const records = [];
  for (const record of model.records) {
    const blobVersions = [];
    for (const v of record.versions) {
      const blobPath = `blobs/${v.dataHash}`;
      const keyPath = `keys/${v.dataHash}.key`;
      const isCurrent = v === record.versions[record.versions.length - 1];
      if (!listed.has(blobPath)) {
        if (isCurrent && record.status !== 'Deleted') throw new PortabilityError('MissingBlob', `record ${record.recordId}: no ${blobPath} for its current version`);
        continue;
      }
      referenced.add(blobPath);
      referenced.add(keyPath);
      const blob = await archive.read(blobPath);
      if (blob.length < v.size) throw new PortabilityError('BlobTruncated', `record ${record.recordId} v${v.version}: ${blobPath} is ${blob.length} of the ${v.size} bytes its DocumentReference states`);
      const h = sha256Hex(blob);
      if (h !== v.dataHash || blob.length !== v.size) throw new PortabilityError('BlobHashMismatch', `record ${record.recordId} v${v.version}: ${blobPath} has SHA-256 ${h} (${blob.length} bytes); its DocumentReference says ${v.dataHash} (${v.size} bytes)`);
      if (!listed.has(keyPath)) throw new PortabilityError('MissingKey', `record ${record.recordId} v${v.version}: no ${keyPath}`);
      const wrapped = await archive.read(keyPath);
      let key;
      try {
        key = vault.unwrapKey(wrapped, exportSecretKey);
      } catch {
        throw new PortabilityError('WrongExportKey', `${keyPath} does not open with this export key (the archive was sealed to ${manifest.exportPublicKey})`);
      }
      try {
        if (strip0x(vault.keyId(key)) !== v.keyId) throw new PortabilityError('KeyMismatch', `record ${record.recordId} v${v.version}: ${keyPath} is not the key with id ${v.keyId}`);
        try {
          vault.openBytes(blob, key).fill(0);
        } catch (e) {
          throw new PortabilityError('BlobUndecryptable', `record ${record.recordId} v${v.version}: ${blobPath} does not decrypt with its key (${e.code ?? e.message})`);
        }
      } finally {
        key.fill(0);
      }
      blobVersions.push({ ...v, blobPath, keyPath });
    }
    records.push({ record, blobVersions });
  }
  for (const p of listed.keys()) {
    if ((p.startsWith('blobs/') || p.startsWith('keys/')) && !referenced.has(p)) throw new PortabilityError('UnlistedFile', `${p} belongs to no DocumentReference of the bundle`);
  }
  return { manifest, manifestSha256: sha256Hex(manifestBytes), model, bundle, trail, trailHex: trailFile.entries, records };
}

// --- import ------------------------------------------------------------

/**
 * Imports a verified archive (verifyArchive's result) into `medrec`'s
 * deployment through `gateway`, as `signer` (the patient). Only chain or
 * gateway failures can stop it midway; it then throws
 * PortabilityError('ImportInterrupted') with `report` saying exactly what
 * was created. Running it again resumes: a record whose data hash the
 * patient already has there is skipped (record-management refuses
 * duplicate data hashes per patient: DuplicateRecord).
 *
 * `state`: {get(name) -> Promise<Uint8Array|null>, set(name, bytes)} keeps
 * the sealed historical document between runs (so a resumed import finds it
 * by its hash). `withConsents`: also re-grant the active consents,
 * permissions and delegations, for their remaining time.
 * Returns the report: {records: [{from, to, versions, skipped}], history,
 * grants: [{kind, ..., result}], registered}.
 */
export async function importPatient({ medrec, gateway, signer, caller, vault, exportSecretKey, archive, verified, withConsents = false, state, log = () => {}, now = Date.now }) {
  caller ??= pairSigner(signer);
  const patient = ss58(signer);
  const { model, manifest } = verified;
  const report = { patient, records: [], history: null, grants: [], registered: false };
  if (sameAccount(model.deployment.recordManagement, medrec.addresses.recordManagement)) {
    throw new PortabilityError('SameDeployment', 'this archive was exported from this very deployment; import it into another one');
  }
  const info = await gateway.info(); // reachable before anything is sent

  const existing = new Map();
  for (const { record_id: id } of await allPages((from, limit) => medrec.patientRecords(patient, from, limit))) {
    const versions = await allPages((from, limit) => medrec.query('recordManagement', 'record_versions', null, id, Number(from) + 1, limit));
    for (const v of versions) existing.set(strip0x(v.data_hash), String(id));
  }

  const step = async (what, fn) => {
    try {
      return await fn();
    } catch (e) {
      const done = describe(report);
      throw new PortabilityError('ImportInterrupted', `${what} failed: ${e.message}. Created so far: ${done}. Records are on the chain (there is no rollback); run the same import again to resume: what exists is skipped by its data hash`, { report, cause: e });
    }
  };

  if (!(await medrec.getPatient(patient))) {
    await step('register_patient', () => medrec.registerPatient(signer));
    report.registered = true;
    log(`registered ${patient} as a patient`);
  }

  const putContent = async (dataHash, blob, key) => {
    await step(`upload of ${dataHash}`, () => gateway.upload(caller, blob));
    await step(`deposit of the key for ${dataHash}`, () => gateway.deposit(caller, dataHash, vault.wrapKey(key, info.publicKey)));
  };

  for (const { record, blobVersions } of verified.records) {
    if (!blobVersions.length) {
      report.records.push({ from: record.recordId, to: null, versions: [], skipped: record.status === 'Deleted' ? 'deleted at the origin: metadata only' : 'no ciphertext in the archive' });
      continue;
    }
    const entry = { from: record.recordId, to: null, versions: [], skipped: null };
    report.records.push(entry);
    for (const [i, v] of blobVersions.entries()) {
      if (existing.has(v.dataHash)) {
        entry.to = existing.get(v.dataHash);
        entry.versions.push({ version: v.version, dataHash: v.dataHash, existed: true });
        continue;
      }
      const blob = await archive.read(v.blobPath);
      const key = vault.unwrapKey(await archive.read(v.keyPath), exportSecretKey);
      try {
        await putContent(v.dataHash, blob, key);
      } finally {
        key.fill(0);
      }
      const content = { dataHash: `0x${v.dataHash}`, keyId: `0x${v.keyId}`, size: v.size, purpose: PORTABILITY_PURPOSE };
      if (i === 0 || entry.to === null) {
        const r = await step(`create_record for record ${record.recordId}`, () => medrec.createRecord(signer, patient, record.recordType, { ...content, mimeCode: record.mimeCode, confidentiality: record.confidentiality }));
        entry.to = String(r.value);
      } else {
        await step(`update_record of record ${entry.to}`, () => medrec.updateRecord(signer, patient, entry.to, content));
      }
      existing.set(v.dataHash, entry.to);
      entry.versions.push({ version: v.version, dataHash: v.dataHash, existed: false });
      await step(`bind of record ${entry.to}`, () => gateway.bind(caller, patient, entry.to));
      log(`  record ${record.recordId} v${v.version} (${record.recordType}) -> record ${entry.to} here`);
    }
  }

  // The original audit trail and its verification, as one more patient-authored record.
  let sealedDoc = state ? await state.get('history.sealed') : null;
  let sealedKey = state ? await state.get('history.key') : null;
  if (!sealedDoc || !sealedKey) {
    const doc = historyDocument(verified, { importedAt: now(), into: medrec.addresses });
    const sealed = await vault.sealBytes(utf8(`${JSON.stringify(doc, null, 1)}\n`));
    sealedDoc = new Uint8Array(sealed.ciphertext);
    sealedKey = new Uint8Array(vault.wrapKey(sealed.key, vault.publicKeyOf(exportSecretKey)));
    sealed.key.fill(0);
    if (state) {
      await state.set('history.sealed', sealedDoc);
      await state.set('history.key', sealedKey);
    }
  }
  const historyHash = sha256Hex(sealedDoc);
  if (existing.has(historyHash)) {
    report.history = { record: existing.get(historyHash), dataHash: historyHash, existed: true };
  } else {
    const key = vault.unwrapKey(sealedKey, exportSecretKey);
    const keyId = strip0x(vault.keyId(key));
    try {
      await putContent(historyHash, sealedDoc, key);
    } finally {
      key.fill(0);
    }
    const r = await step('create_record for the historical document', () => medrec.createRecord(signer, patient, HISTORY_RECORD_TYPE, {
      dataHash: `0x${historyHash}`, keyId: `0x${keyId}`, size: sealedDoc.length, mimeCode: 0, confidentiality: 'Restricted', purpose: PORTABILITY_PURPOSE,
    }));
    report.history = { record: String(r.value), dataHash: historyHash, existed: false };
    existing.set(historyHash, report.history.record);
    await step(`bind of record ${report.history.record}`, () => gateway.bind(caller, patient, report.history.record));
  }
  log(`  the original audit trail (${verified.trail.len} entries, verified, head ${manifest.auditHead.hash.slice(0, 16)}...) -> record ${report.history.record} here`);

  if (withConsents) {
    const t = BigInt(now());
    const left = (end) => (end == null ? null : BigInt(end) - t);
    const skipGrant = (g) => {
      report.grants.push(g);
      log(`  ${g.kind} ${g.what} to ${g.to}: ${g.result}`);
    };
    const grant = async (g, fn) => {
      try {
        await fn();
        g.result = 'granted';
      } catch (e) {
        if (!(e instanceof MedrecError) || e.kind === 'Transaction' || e.kind === 'DispatchError') {
          await step(`re-granting ${g.kind} to ${g.to}`, () => Promise.reject(e));
        }
        g.result = `refused: ${e.variant ?? e.message} (not sent)`;
      }
      report.grants.push(g);
      log(`  ${g.kind} ${g.what} to ${g.to}: ${g.result}`);
    };
    for (const c of model.consents) {
      const g = { kind: 'consent', to: c.provider, what: c.dataType };
      if (c.status !== 'Active' || left(c.expiresAt) <= 0n) {
        skipGrant({ ...g, result: `not carried over: ${c.status === 'Active' ? 'Expired' : c.status}` });
        continue;
      }
      await grant(g, () => medrec.grantConsent(signer, patient, c.provider, c.dataType, left(c.expiresAt).toString(), c.purposes));
    }
    for (const p of model.permissions) {
      const g = { kind: 'permission', to: p.provider, what: `${p.level} on ${p.recordType}` };
      if (p.status !== 'Active' || (p.expiresAt != null && left(p.expiresAt) <= 0n)) {
        skipGrant({ ...g, result: `not carried over: ${p.status === 'Active' ? 'Expired' : p.status}` });
        continue;
      }
      await grant(g, () => medrec.grantPermission(signer, patient, p.provider, p.recordType, p.level, p.expiresAt == null ? null : left(p.expiresAt).toString(), p.quota));
    }
    for (const d of model.delegations) {
      const g = { kind: 'delegate', to: d.delegate, what: d.kind };
      if (!d.active || left(d.expiresAt) <= 0n) {
        skipGrant({ ...g, result: 'not carried over: not active' });
        continue;
      }
      await grant(g, () => medrec.addDelegate(signer, d.delegate, d.kind, left(d.expiresAt).toString()));
    }
  }
  return report;
}

/** What an import created so far, in words. */
export function describe(report) {
  const made = report.records.filter((r) => r.to && r.versions.some((v) => !v.existed)).map((r) => `record ${r.from} -> ${r.to} (versions ${r.versions.filter((v) => !v.existed).map((v) => v.version).join(', ')})`);
  const parts = [];
  if (report.registered) parts.push('the patient registration');
  parts.push(...made);
  if (report.history && !report.history.existed) parts.push(`the historical document as record ${report.history.record}`);
  parts.push(...report.grants.filter((g) => g.result === 'granted').map((g) => `${g.kind} ${g.what} to ${g.to}`));
  return parts.length ? parts.join('; ') : 'nothing';
}

/** The historical document: the original trail, its verification, the whole bundle. */
export function historyDocument(verified, { importedAt, into }) {
  const { manifest, manifestSha256, trail, trailHex, bundle } = verified;
  return {
    format: HISTORY_FORMAT,
    patient: manifest.patient,
    origin: manifest.deployment,
    into: Object.fromEntries(Object.entries(into).map(([k, v]) => [k, ss58(v)])),
    exportedAt: manifest.exportedAt,
    importedAt: new Date(Number(importedAt)).toISOString(),
    manifestSha256,
    verification: {
      method: 'hash chain recomputed from the entries\' SCALE bytes (AUDIT_DOMAIN, contract, patient, index, entry); manifest signed by the patient',
      auditHead: manifest.auditHead,
      entries: trail.len,
      brokenAt: trail.brokenAt,
      verified: trail.brokenAt === null && trail.head === manifest.auditHead.hash,
    },
    auditTrailScale: trailHex,
    bundle,
  };
}
