// The patient journey of tools/src/bin/journey.rs, on a real node: the
// cast registers, Ferdie approves Dr Charlie's request with a permission in
// one step, Dr Charlie writes and reads an encrypted record (the data key is
// released against the recorded read), a nurse is refused, an emergency
// physician reads under a break-glass window, cannot write, and the window
// is reviewed; Ferdie locks, unlocks and revokes, and the hash-chained audit
// trail is verified off-chain. Each step prints its result, gas (ref_time,
// proof_size), storage deposit and events.
//
// Registration steps are skipped when already done, so the journey can run
// again on the same deployment.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { u8aToHex } from '@polkadot/util';
import { decodeAddress } from '@polkadot/util-crypto';

import { Gateway, GatewayError } from './gateway.js';
import { LocalStore, generateKeyPair, openBytes, sealBytes, unwrapKey, wrapKey } from './vault.js';
import { MedrecError, REPO_ROOT, group } from './medrec.js';

export const HOUR = 60 * 60 * 1000;
export const DAY = 24 * HOUR;
export const FIXTURE = join(REPO_ROOT, 'e2e-tests', 'fixtures', 'discharge-summary.txt');

const CREDENTIALS_HASH = u8aToHex(new Uint8Array(32).fill(0xc0)); // salted SHA-256 of an off-chain credentials document
const EMERGENCY_NOTE_HASH = u8aToHex(new Uint8Array(32).fill(0x0e)); // salted SHA-256 of an off-chain note

/** Display names of the cast, by public key. */
export function castNames(accounts) {
  const names = new Map();
  const add = (pair, name) => pair && names.set(u8aToHex(pair.publicKey), name);
  add(accounts.alice, 'Alice (owner)');
  add(accounts.bob, 'Bob (admin)');
  add(accounts.charlie, 'Dr Charlie');
  add(accounts.dave, 'Nurse Dave');
  add(accounts.eve, 'Eve (ER)');
  add(accounts.ferdie, 'Ferdie (patient)');
  return names;
}

/** `cost` line: ref_time, proof_size and deposit, grouped. */
export function costLine({ gasRequired, storageDeposit }) {
  if (!gasRequired) return '';
  return `ref_time ${group(gasRequired.refTime).padStart(13)}  proof_size ${group(gasRequired.proofSize).padStart(7)}  deposit ${group(storageDeposit ?? 0).padStart(14)}`;
}

/** Replaces SS58 addresses of the cast by their names, for printing. */
export function namer(names) {
  const nameOf = (s) => {
    if (typeof s !== 'string' || s.length < 40 || s.startsWith('0x')) return null;
    try {
      return names.get(u8aToHex(decodeAddress(s))) ?? null;
    } catch {
      return null;
    }
  };
  const pretty = (v) => {
    if (Array.isArray(v)) return v.map(pretty);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, pretty(x)]));
    return nameOf(v) ?? v;
  };
  return { nameOf, pretty };
}

function short(value, max = 30) {
  const s = value === undefined ? '()' : JSON.stringify(value);
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

/**
 * Runs the journey. `accounts`: {alice, bob, charlie, dave, eve, ferdie}
 * keypairs. Returns {steps, requestId, recordId, auditIndex, windowId, audit,
 * history, windows}
 * where each step is {label, ok, value?, error?, gasRequired, storageDeposit,
 * events}.
 */
export async function runJourney(medrec, { accounts, log = console.log, fixture = FIXTURE, storeDir, gateway } = {}) {
  const { alice, bob, charlie, dave, eve, ferdie } = accounts;
  const names = castNames(accounts);
  const { pretty } = namer(names);
  const steps = [];

  const printEvents = (events) => {
    for (const e of events) {
      const args = e.args ? Object.entries(pretty(e.args)).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ') : e.data;
      log(`      event ${e.contract}.${e.name ?? '?'} ${args}`);
    }
  };

  /** A step that must succeed; returns its result. */
  const ok = async (label, fn) => {
    let r;
    try {
      r = await fn();
    } catch (e) {
      if (e instanceof MedrecError) e.message = `${label}: ${e.message}`;
      throw e;
    }
    log(`  ${label.padEnd(54)} -> ${short(pretty(r.value)).padEnd(30)} ${costLine(r)}`);
    printEvents(r.events);
    steps.push({ label, ok: true, ...r });
    return r;
  };

  /** A step that must be refused with exactly `variant` (nothing is sent). */
  const denied = async (label, variant, fn) => {
    try {
      const r = await fn();
      throw new Error(`${label}: expected Err(${variant}), got Ok(${JSON.stringify(r.value)})`);
    } catch (e) {
      if (!(e instanceof MedrecError)) throw e;
      if (e.variant !== variant) throw new Error(`${label}: expected Err(${variant}), got ${e.message}`);
      const gas = e.gasRequired ? `ref_time ${group(e.gasRequired.refTime).padStart(13)}  proof_size ${group(e.gasRequired.proofSize).padStart(7)}  (dry run; not sent)` : '(dry run; not sent)';
      log(`  ${label.padEnd(54)} -> ${`Err(${e.variant})`.padEnd(30)} ${gas}`);
      steps.push({ label, ok: false, error: { kind: e.kind, variant: e.variant, message: e.message }, gasRequired: e.gasRequired, events: [] });
    }
  };

  const skip = (label, why) => {
    log(`  ${label.padEnd(54)} -> (${why}, skipped)`);
    steps.push({ label, ok: true, skipped: true, events: [] });
  };

  log('\n== 1. Contracts');
  for (const [k, v] of Object.entries(medrec.addresses)) log(`  ${k.padEnd(18)} ${v}`);

  log('\n== 2. Providers: the owner registers, the first admin (Bob, named at deployment) verifies');
  const cast = [
    [charlie, 'Dr Charlie', 'Doctor'],
    [dave, 'Nurse Dave', 'Nurse'],
    [eve, 'Eve', 'Emergency'],
  ];
  for (const [who, name, role] of cast) {
    const label = `Alice registers ${name} as ${role}`;
    const existing = await medrec.getProvider(who.address);
    if (existing) skip(label, `already ${existing.role}`);
    else await ok(label, () => medrec.registerProvider(alice, who.address, role, CREDENTIALS_HASH));
    const vlabel = `Bob verifies ${name}`;
    if ((await medrec.getProvider(who.address)).verified) skip(vlabel, 'already verified');
    else await ok(vlabel, () => medrec.verifyProvider(bob, who.address));
  }

  log('\n== 3. Ferdie registers; Dr Charlie asks; Ferdie approves consent and a permission in one step');
  if (await medrec.getPatient(ferdie.address)) skip('Ferdie registers as a patient', 'already registered');
  else await ok('Ferdie registers as a patient', () => medrec.registerPatient(ferdie));
  const auditStart = BigInt((await medrec.auditHead(ferdie.address)).len);
  const request = await ok('Dr Charlie requests MedicalRecords (TREAT)', () =>
    medrec.requestAccess(charlie, ferdie.address, 'MedicalRecords', 'Treatment'));
  const requestId = request.value;
  await ok('Ferdie approves: 30 days, Write on Diagnosis', () =>
    medrec.approveAccess(ferdie, requestId, 30 * DAY, ['Diagnosis'], 'Write'));

  let recordId;
  let store;
  let sealed;
  let auditIndex;
  let view;
  let viaGateway;
  if (gateway) {
    viaGateway = await gatewayStepFour(medrec, { gw: new Gateway(gateway), charlie, ferdie, fixture, log, ok });
    ({ recordId, auditIndex, view } = viaGateway);
  } else {
    log('\n== 4. A record: encrypted off-chain; only its hash and key id go on-chain');
    store = new LocalStore(storeDir ?? mkdtempSync(join(tmpdir(), 'medrec-journey-')));
    log(`  off-chain store (ciphertext and keys): ${store.root}`);
    sealed = await store.sealFile(fixture);
    log(`  sealed ${fixture} -> ${JSON.stringify({ data_hash: sealed.dataHash, locator: sealed.locator, key_id: sealed.keyId, size: sealed.size })}`);
    const created = await ok("Dr Charlie creates Ferdie's diagnosis record", () =>
      medrec.createRecord(charlie, ferdie.address, 'Diagnosis', {
        dataHash: `0x${sealed.dataHash}`,
        keyId: `0x${sealed.keyId}`,
        size: sealed.size,
        mimeCode: 0,
        confidentiality: 'Restricted',
        purpose: 'Treatment',
      }));
    recordId = created.value;
    const createdEvent = created.events.find((e) => e.name === 'AuditAppended' && e.args.action === 'Created');
    if (!createdEvent || createdEvent.args.record_id !== recordId) {
      throw new Error(`AuditAppended(Created) does not match the dry run's record id ${recordId}: ${JSON.stringify(createdEvent)}`);
    }
    const read = await ok('Dr Charlie reads the record (a recorded read, TREAT)', () =>
      medrec.getRecord(charlie, ferdie.address, recordId, 'Treatment'));
    view = read.value;
    // The event carries the index the chain wrote (a dry run's value is a prediction).
    const readEvent = read.events.find((e) => e.name === 'AuditAppended' && e.args.action === 'Read');
    auditIndex = readEvent?.args.index ?? view.audit_index;

  }
  if (viaGateway) {
    await gatewayStepFive({ ...viaGateway, charlie, dave, ferdie, log });
  } else {
    log('\n== 5. The data key is released only against the recorded read');
    const entry = await medrec.auditEntry(ferdie.address, auditIndex);
    const fresh = entry && Date.now() - Number(entry.at) < 15 * 60 * 1000;
    if (!entry || entry.actor !== charlie.address || entry.record_id !== recordId || entry.action !== 'Read' || !fresh) {
      throw new Error(`audit entry #${auditIndex} does not entitle Dr Charlie: ${JSON.stringify(entry)}`);
    }
    log(`  audit entry #${auditIndex}: ${entry.action} by ${pretty(entry.actor)} of record ${entry.record_id} for ${entry.purpose}: entitles Dr Charlie`);
    const charlieKeys = generateKeyPair();
    const wrapped = store.wrapKey(sealed.keyId, charlieKeys.publicKey);
    let opened;
    const openDir = mkdtempSync(join(tmpdir(), 'medrec-opened-'));
    try {
      const out = join(openDir, 'record');
      await store.openToFile(sealed.locator, view.meta.data_hash, wrapped, charlieKeys.secretKey, out);
      opened = readFileSync(out);
    } finally {
      rmSync(openDir, { recursive: true, force: true });
    }
    if (!opened.equals(readFileSync(fixture))) throw new Error('the decrypted record differs from the original');
    log(`  -> Dr Charlie opened ${sealed.locator}: hash matches the chain, ${opened.length} bytes decrypted, identical to the original`);
  }

  log('\n== 6. Denied, emergency and patient-controlled access');
  await denied('Nurse Dave reads it (no consent)', 'ConsentRequired', () =>
    medrec.getRecord(dave, ferdie.address, recordId, 'Treatment'));
  await denied('Dr Charlie reads it for research (not consented)', 'PurposeNotConsented', () =>
    medrec.getRecord(charlie, ferdie.address, recordId, 'Research'));
  const opening = await ok('Eve opens an emergency window (unconscious)', () =>
    medrec.activateEmergencyAccess(eve, ferdie.address, 'PatientUnconscious', EMERGENCY_NOTE_HASH));
  const windowId = opening.events.find((e) => e.name === 'EmergencyAccessActivated')?.args.window_id ?? opening.value[0];
  const eread = await ok('Eve reads it under the window (ETREAT)', () =>
    medrec.getRecord(eve, ferdie.address, recordId, 'EmergencyTreatment'));
  log(`  -> allowed as ${eread.value.access}`);
  const other = sealBytes(Buffer.from('another ciphertext, never stored'));
  await denied('Eve tries to update it (windows are read-only)', 'EmergencyAccessReadOnly', () =>
    medrec.updateRecord(eve, ferdie.address, recordId, {
      dataHash: u8aToHex(other.dataHash),
      keyId: `0x${other.keyId}`,
      size: other.size,
      purpose: 'EmergencyTreatment',
    }));
  await ok('Eve ends her window', () => medrec.endEmergencyAccess(eve, ferdie.address));
  await ok('Bob reviews the window: justified', () =>
    medrec.reviewEmergencyAccess(bob, windowId, 'Justified', EMERGENCY_NOTE_HASH));
  await ok('Ferdie locks the record', () => medrec.lockRecord(ferdie, ferdie.address, recordId));
  await denied('Dr Charlie reads the locked record', 'RecordLocked', () =>
    medrec.getRecord(charlie, ferdie.address, recordId, 'Treatment'));
  await ok('Ferdie unlocks it', () => medrec.unlockRecord(ferdie, ferdie.address, recordId));

  log('\n== 7. Ferdie revokes');
  await ok("Ferdie revokes Dr Charlie's permission", () =>
    medrec.revokePermission(ferdie, ferdie.address, charlie.address, 'Diagnosis'));
  await denied('Dr Charlie reads again', 'NoPermission', () =>
    medrec.getRecord(charlie, ferdie.address, recordId, 'Treatment'));
  await ok("Ferdie revokes Dr Charlie's consent", () =>
    medrec.revokeConsent(ferdie, ferdie.address, charlie.address, 'MedicalRecords'));

  log("\n== 8. Ferdie's audit trail (hash-chained, verified off-chain), consent history and emergency windows");
  const audit = await medrec.verifyAuditChain(ferdie.address);
  const mine = audit.entries.slice(Number(auditStart));
  const t0 = mine.length ? BigInt(mine[0].at) : 0n;
  mine.forEach((e, i) => {
    const n = Number(auditStart) + i;
    log(`  #${String(n).padEnd(3)} ${String(pretty(e.actor)).padEnd(18)} ${String(e.action).padEnd(18)} record ${String(e.record_id ?? '-').padEnd(4)} purpose ${String(e.purpose ?? '-').padEnd(20)} +${(BigInt(e.at) - t0) / 60000n} min`);
  });
  if (!audit.verified) throw new Error(`audit chain does not verify (broken at entry ${audit.brokenAt})`);
  log(`  chain verified off-chain: ${audit.len} entries, head ${audit.head.slice(2, 18)}`);
  const history = await medrec.consentHistory(ferdie.address, 0, 50);
  history.forEach((h, i) => log(`  consent #${i}: ${String(h.action).padEnd(28)} by ${String(pretty(h.actor)).padEnd(18)} about ${pretty(h.subject)}`));
  const windows = await medrec.patientEmergencyWindows(ferdie.address, 0, 50);
  windows.forEach((w) => log(`  emergency window #${w.id}: ${pretty(w.window.provider)} ${w.window.reason}, ${w.state}, review ${w.window.review?.outcome ?? '-'}`));
  log('\njourney complete');
  return { steps, requestId, recordId, auditIndex, windowId, audit: { ...audit, start: auditStart.toString(), mine }, history, windows };
}

/**
 * Step 4 through the key-release gateway: seal in memory, upload the
 * ciphertext, deposit the data key sealed to the gateway, create the record
 * on-chain, bind it at the gateway, and read it as a transaction.
 */
async function gatewayStepFour(medrec, { gw, charlie, ferdie, fixture, log, ok }) {
  log('\n== 4. A record: sealed off-chain and stored at the key-release gateway; only its hash and key id go on-chain');
  const info = await gw.info();
  log(`  gateway ${gw.url} (${info.service} ${info.version}), x25519 key ${info.x25519_public_key.slice(0, 16)}...`);
  const plaintext = readFileSync(fixture);
  const sealed = sealBytes(plaintext);
  log(`  sealed ${fixture} (${plaintext.length} bytes) -> ${sealed.size} bytes, sha256 ${sealed.dataHash.toString('hex').slice(0, 16)}...`);
  const up = await gw.upload(charlie, sealed.ciphertext);
  log(`  Dr Charlie uploads the ciphertext -> stored (new: ${up.new})`);
  const dep = await gw.deposit(charlie, sealed.dataHash.toString('hex'), wrapKey(sealed.key, info.publicKey));
  if (dep.key_id !== sealed.keyId) throw new Error(`the gateway computed key id ${dep.key_id}, not ${sealed.keyId}`);
  log(`  Dr Charlie deposits the data key, sealed to the gateway -> key id ${dep.key_id.slice(0, 16)}...`);
  const created = await ok("Dr Charlie creates Ferdie's diagnosis record", () =>
    medrec.createRecord(charlie, ferdie.address, 'Diagnosis', {
      dataHash: `0x${sealed.dataHash.toString('hex')}`,
      keyId: `0x${sealed.keyId}`,
      size: sealed.size,
      mimeCode: 0,
      confidentiality: 'Restricted',
      purpose: 'Treatment',
    }));
  const recordId = created.value;
  const bound = await gw.bind(charlie, ferdie.address, recordId);
  log(`  the gateway binds the key to record ${bound.record_id} (key id checked on-chain)`);
  const read = await ok('Dr Charlie reads the record (a recorded read, TREAT)', () =>
    medrec.getRecord(charlie, ferdie.address, recordId, 'Treatment'));
  const readEvent = read.events.find((e) => e.name === 'AuditAppended' && e.args.action === 'Read');
  const auditIndex = readEvent?.args.index ?? read.value.audit_index;
  return { gw, plaintext, sealed, recordId, auditIndex, view: read.value };
}

/**
 * Step 5 through the gateway: the key and the bytes against the recorded
 * read; the same read again, and Dave presenting Dr Charlie's read, refused.
 */
async function gatewayStepFive({ gw, plaintext, recordId, auditIndex, view, charlie, dave, ferdie, log }) {
  log('\n== 5. The gateway releases the data key only against the recorded read');
  const mine = generateKeyPair();
  const proof = { patient: ferdie.address, recordId, auditIndex, wrapTo: mine.publicKey };
  const released = await gw.release(charlie, proof);
  const key = unwrapKey(released.wrapped, mine.secretKey);
  log(`  Dr Charlie presents audit entry #${auditIndex} -> key released (finalized block ${released.block})`);
  const bytes = await gw.fetchCiphertext(charlie, proof);
  const hash = (await import('node:crypto')).createHash('sha256').update(bytes).digest('hex');
  if (`0x${hash}` !== view.meta.data_hash) throw new Error(`the fetched bytes hash to ${hash}, not the chain's ${view.meta.data_hash}`);
  const opened = openBytes(bytes, key);
  if (!opened.equals(plaintext)) throw new Error('the decrypted record differs from the original');
  log(`  -> Dr Charlie fetched ${bytes.length} bytes: hash matches the chain, decrypted, identical to the original`);
  for (const [label, who, code] of [
    ['Dr Charlie presents the same read again', charlie, 'entry_used'],
    ["Nurse Dave presents Dr Charlie's read", dave, 'not_your_entry'],
  ]) {
    try {
      await gw.release(who, proof);
      throw new Error(`${label}: released`);
    } catch (e) {
      if (!(e instanceof GatewayError) || e.code !== code) throw e;
      log(`  ${label} -> ${e.status} ${e.code}`);
    }
  }
}
