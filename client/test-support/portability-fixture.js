// An export archive built without a chain, for the offline tests: a patient
// with three records (one of two versions, one deleted), consents,
// permissions, a delegate, and an audit trail whose hash chain is computed
// exactly as record-management computes it. The same packing code as a real
// export (core packExport) writes it.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, encodeAddress, sha256AsU8a } from '@polkadot/util-crypto';

import { writeTar } from '../lib/archive.js';
import { pairSigner, signer } from '../lib/core/index.js';
import { auditEntryHash } from '../lib/core/hash.js';
import { encodeAuditEntry, fileSet, packExport } from '../lib/core/portability.js';
import { generateKeyPair, sealBytes, wrapKey } from '../lib/vault.js';

const hex = (u8) => u8aToHex(u8).slice(2);
const T0 = 1_760_000_000_000; // ms
const DAY = 86_400_000;

export async function accounts() {
  await cryptoWaitReady();
  const a = {};
  for (const n of ['Ferdie', 'Charlie', 'Dave', 'Eve', 'One', 'Two']) a[n.toLowerCase()] = signer(`//${n}`);
  return a;
}

/** Fake contract addresses (SS58, prefix 42) standing for a deployment. */
export function fakeDeployment(tag = 'one') {
  const at = (k) => encodeAddress(sha256AsU8a(new TextEncoder().encode(`${tag}/${k}`)), 42);
  return {
    genesisHash: u8aToHex(sha256AsU8a(new TextEncoder().encode(`genesis/${tag}`))),
    accessControl: at('accessControl'),
    patientConsent: at('patientConsent'),
    recordManagement: at('recordManagement'),
  };
}

/** A trail of entries (without prev_hash), chained: [{...entry, index, prevHash, hash}] and their hex. */
export function chainTrail(contract, patient, entries) {
  let prev = '00'.repeat(32);
  const out = [];
  const trailHex = [];
  entries.forEach((e, i) => {
    const full = { actor: e.actor, action: e.action, recordId: e.recordId ?? null, subject: e.subject ?? null, recordType: e.recordType ?? null, purpose: e.purpose ?? null, status: e.status ?? null, at: String(e.at), prevHash: prev };
    const bytes = encodeAuditEntry(full);
    trailHex.push(hex(bytes));
    prev = hex(auditEntryHash(contract, patient, i, bytes));
    out.push({ index: String(i), ...full, hash: prev });
  });
  return { audit: out, trailHex };
}

/**
 * The fixture: {model, trailHex, blobs: Map hash -> {ciphertext, key, plaintext}},
 * for `patient` (a keyring pair), keys sealed to `exportPublicKey`.
 */
export function fixtureModel(a, { patient = a.ferdie, deployment = fakeDeployment() } = {}) {
  const P = patient.address;
  const blobs = new Map();
  const seal = (text) => {
    const plaintext = Buffer.from(text);
    const s = sealBytes(plaintext);
    const h = s.dataHash.toString('hex');
    blobs.set(h, { ciphertext: s.ciphertext, key: s.key, plaintext });
    return { dataHash: h, keyId: s.keyId, size: s.size };
  };
  const r1 = seal('Discharge summary: pneumonia, treated, recovered.');
  const r2v1 = seal('Lab results v1: CRP 40 mg/L');
  const r2v2 = seal('Lab results v2: CRP 4 mg/L (corrected)');
  blobs.delete(r2v1.dataHash); // an earlier version: the gateway releases only the current one
  const r3 = { dataHash: 'ee'.repeat(32), keyId: 'ef'.repeat(32), size: 100 };
  const records = [
    { recordId: '1', recordType: 'Diagnosis', mimeCode: 0, confidentiality: 'Restricted', status: 'Active', patientAuthored: false, createdBy: a.charlie.address, createdAt: String(T0 + 1000), retentionUntil: String(T0 + 1000 + 5 * 365 * DAY), versions: [{ version: 1, ...r1, author: a.charlie.address, at: String(T0 + 1000) }] },
    { recordId: '2', recordType: 'LabResults', mimeCode: 7, confidentiality: 'HighlyRestricted', status: 'Locked', patientAuthored: false, createdBy: a.charlie.address, createdAt: String(T0 + 2000), retentionUntil: String(T0 + 2000 + 5 * 365 * DAY), versions: [
      { version: 1, ...r2v1, author: a.charlie.address, at: String(T0 + 2000) },
      { version: 2, ...r2v2, author: a.charlie.address, at: String(T0 + 3000) },
    ] },
    { recordId: '3', recordType: 'Allergies', mimeCode: 0, confidentiality: 'Normal', status: 'Deleted', patientAuthored: true, createdBy: P, createdAt: String(T0 + 4000), retentionUntil: String(T0 + 4000 + DAY), versions: [{ version: 1, ...r3, author: P, at: String(T0 + 4000) }] },
  ];
  const { audit, trailHex } = chainTrail(deployment.recordManagement, P, [
    { actor: a.ferdie.address, action: 'PermissionGranted', subject: a.charlie.address, recordType: 'Diagnosis', at: T0 + 500 },
    { actor: a.charlie.address, action: 'Created', recordId: '1', purpose: 'Treatment', at: T0 + 1000 },
    { actor: a.charlie.address, action: 'Read', recordId: '1', purpose: 'Treatment', at: T0 + 1500 },
    { actor: a.charlie.address, action: 'Created', recordId: '2', purpose: 'Treatment', at: T0 + 2000 },
    { actor: a.charlie.address, action: 'Updated', recordId: '2', purpose: 'Treatment', at: T0 + 3000 },
    { actor: a.eve.address, action: 'EmergencyRead', recordId: '1', purpose: 'EmergencyTreatment', at: T0 + 3500 },
    { actor: P, action: 'Created', recordId: '3', purpose: 'PatientRequest', at: T0 + 4000 },
    { actor: P, action: 'Locked', recordId: '2', purpose: 'PatientRequest', status: 'Locked', at: T0 + 4500 },
    { actor: P, action: 'Deleted', recordId: '3', purpose: 'PatientRequest', status: 'Deleted', at: T0 + 4000 + 2 * DAY },
    { actor: P, action: 'Read', recordId: '1', purpose: 'PatientRequest', at: T0 + 5 * DAY },
  ]);
  const model = {
    patient: P,
    deployment,
    exportedAt: String(T0 + 5 * DAY + 1),
    records,
    consents: [
      { provider: a.charlie.address, dataType: 'MedicalRecords', purposes: ['Treatment', 'Research'], grantedAt: String(T0 + 400), expiresAt: String(T0 + 400 + 3650 * DAY), grantedBy: P, requestId: '0', status: 'Active' },
      { provider: a.dave.address, dataType: 'LabResults', purposes: ['Treatment'], grantedAt: String(T0 + 100), expiresAt: String(T0 + 200), grantedBy: a.one.address, requestId: null, status: 'Expired' },
      { provider: a.eve.address, dataType: 'All', purposes: ['EmergencyTreatment', 'Payment', 'Operations', 'PublicHealth'], grantedAt: String(T0 + 100), expiresAt: String(T0 + 3650 * DAY), grantedBy: P, requestId: null, status: 'Revoked' },
    ],
    permissions: [
      { provider: a.charlie.address, recordType: 'Diagnosis', level: 'Write', grantedBy: P, grantedAt: String(T0 + 500), expiresAt: String(T0 + 500 + 3650 * DAY), quota: { max_reads: 3, max_bytes: null }, readsUsed: 1, bytesUsed: '120', requestId: '0', revokedAt: null, status: 'Active' },
      { provider: a.dave.address, recordType: 'LabResults', level: 'Read', grantedBy: P, grantedAt: String(T0 + 600), expiresAt: null, quota: null, readsUsed: 0, bytesUsed: '0', requestId: null, revokedAt: String(T0 + 700), status: 'Revoked' },
    ],
    delegations: [{ delegate: a.one.address, kind: 'Guardian', addedAt: String(T0), expiresAt: String(T0 + 3650 * DAY), active: true }],
    audit,
  };
  return { model, trailHex, blobs };
}

/**
 * Packs a fixture as export does: blobs and sealed keys, then the bundle,
 * trail, manifest and signature (by `signedBy`, default the patient).
 * `edit(files)` may change the files (a Map path -> bytes) before the
 * manifest is written. Returns {files, manifest}.
 */
export async function packFixture({ model, trailHex, blobs }, { exportPublicKey, signedBy, edit } = {}) {
  const set = fileSet();
  for (const [h, b] of blobs) {
    await set.put(`blobs/${h}`, new Uint8Array(b.ciphertext));
    await set.put(`keys/${h}.key`, new Uint8Array(wrapKey(b.key, exportPublicKey)));
  }
  if (edit) {
    // Re-list what `edit` changed, as a consistent (but lying) exporter would.
    await edit(set.mem);
    set.files.length = 0;
    for (const [p, bytes] of set.mem) set.files.push({ path: p, sha256: hex(sha256AsU8a(bytes)), size: bytes.length });
  }
  const { manifest } = await packExport({ set, model, trailHex, exportPublicKey, caller: pairSigner(signedBy) });
  return { files: set.mem, manifest };
}

/** Writes `files` (Map path -> bytes) as a tar at `out` (staged in `dir`). */
export async function tarFiles(files, dir, out) {
  const order = ['manifest.json', 'manifest.sig', 'bundle.json', 'audit/trail.json'];
  const paths = [...files.keys()].sort((x, y) => ((order.indexOf(x) + 1 || 99) - (order.indexOf(y) + 1 || 99)) || (x < y ? -1 : 1));
  const entries = paths.map((p) => {
    const f = join(dir, 'files', p);
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(f, files.get(p));
    return { path: p, file: f };
  });
  await writeTar(out, entries);
  return out;
}

export const newExportKeys = generateKeyPair;
