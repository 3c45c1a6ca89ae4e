// Data portability on a real chain: run by scripts/portability-test.sh, which
// starts a --dev node, deploys the contracts twice on it (deployments 1 and
// 2) and a gateway for each, and names them in $MEDREC_FHIR_DEP1/2 and
// $MEDREC_FHIR_GW1/2. Skipped otherwise (also under `node --test test/`).
//
// A journey on deployment 1 (and a record of two versions, consents, a
// delegate); the patient's export with the CLI; the bundle validated by
// @medplum/core (and HL7's bindings and code systems); refused imports that
// leave deployment 2 exactly as it was; the import into deployment 2 through
// gateway 2 with the CLI; each record opened there and compared with the
// original plaintext; and the same import again, which creates nothing.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { tempDir } from '../test-support/tmp.js';
import { validateFhir } from '../test-support/fhir-validate.js';
import { tarFiles } from '../test-support/portability-fixture.js';
import { openTar } from '../lib/archive.js';
import { bundleToModel } from '../lib/core/fhir.js';
import { decodeAuditEntry } from '../lib/core/portability.js';
import { Gateway } from '../lib/gateway.js';
import { DAY, FIXTURE, runJourney } from '../lib/journey.js';
import { Medrec, connect, devAccounts, nodeAnswers } from '../lib/medrec.js';
import { generateKeyPair, openBytes, unwrapKey } from '../lib/vault.js';

const env = process.env;
const WS = env.MEDREC_WS || `ws://127.0.0.1:${env.NODE_PORT || 9944}`;
const CLI = fileURLToPath(new URL('../cli.js', import.meta.url));
const NEEDED = ['MEDREC_FHIR_DEP1', 'MEDREC_FHIR_DEP2', 'MEDREC_FHIR_GW1', 'MEDREC_FHIR_GW2'];
const skip = NEEDED.some((k) => !env[k])
  ? `run by scripts/portability-test.sh (two deployments and two gateways: ${NEEDED.join(', ')})`
  : !(await nodeAnswers(WS)) ? `no node answers at ${WS}` : false;
const TIMEOUT = 15 * 60 * 1000;

function cli(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...env, MEDREC_WS: WS } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}


/** `reader` opens record `id` of `patient` as the read path does: a recorded read, the key and bytes against it. */
async function openRecord(m, gw, reader, patient, id, version) {
  const read = await m.getRecord(reader, patient, id, 'PatientRequest');
  const auditIndex = read.events.find((e) => e.name === 'AuditAppended').args.index;
  const mine = generateKeyPair();
  const proof = { patient, recordId: id, auditIndex, wrapTo: mine.publicKey, version };
  const key = unwrapKey((await gw.release(reader, proof)).wrapped, mine.secretKey);
  const bytes = await gw.fetchCiphertext(reader, proof);
  return { meta: read.value.meta, plaintext: openBytes(bytes, key) };
}

describe('data portability on a node: export, validate, import into a second deployment', { concurrency: 1, skip }, () => {
  let api;
  let acc;
  let m1;
  let m2;
  let gw1;
  let gw2;
  let dir;
  const dep1 = env.MEDREC_FHIR_DEP1;
  const dep2 = env.MEDREC_FHIR_DEP2;
  const LAB_V1 = Buffer.from('Lab results, first version: CRP 40 mg/L\n');
  const LAB_V2 = Buffer.from('Lab results, corrected: CRP 4.0 mg/L\n');
  let labId;
  let journey;
  const archive = () => join(dir, 'ferdie.tar');
  const keyFile = () => join(dir, 'ferdie.key');

  before(async () => {
    api = await connect(WS);
    acc = await devAccounts();
    m1 = new Medrec(api, JSON.parse(readFileSync(dep1, 'utf8')).addresses);
    m2 = new Medrec(api, JSON.parse(readFileSync(dep2, 'utf8')).addresses);
    gw1 = new Gateway(env.MEDREC_FHIR_GW1);
    gw2 = new Gateway(env.MEDREC_FHIR_GW2);
    dir = tempDir('medrec-fhir-node-');
  });
  after(async () => {
    await api?.disconnect();
  });

  test('deployment 1: the journey through gateway 1, a record of two versions, consents and a delegate', { timeout: TIMEOUT }, async () => {
    const { alice, charlie, dave, ferdie, one } = acc;
    journey = await runJourney(m1, { accounts: acc, gateway: env.MEDREC_FHIR_GW1, log: () => {} });
    await m1.grantConsent(ferdie, ferdie, charlie, 'LabResults', 30 * DAY, ['Treatment']);
    await m1.grantPermission(ferdie, ferdie, charlie, 'LabResults', 'Write');
    const created = await m1.createRecord(charlie, ferdie, 'LabResults', { ...(await gw1.store(charlie, LAB_V1)), mimeCode: 3, confidentiality: 'HighlyRestricted', purpose: 'Treatment' });
    labId = created.value;
    await gw1.bind(charlie, ferdie.address, labId);
    await m1.updateRecord(charlie, ferdie, labId, { ...(await gw1.store(charlie, LAB_V2)), purpose: 'Treatment' });
    await gw1.bind(charlie, ferdie.address, labId);
    await m1.grantConsent(ferdie, ferdie, dave, 'MedicalRecords', 10 * DAY, ['Treatment', 'Operations']);
    await m1.grantPermission(ferdie, ferdie, dave, 'Vitals', 'Read', 10 * DAY, { max_reads: 5, max_bytes: null });
    await m1.addDelegate(ferdie, one, 'Guardian', 30 * DAY);
    if (!(await m1.getPatient(alice.address))) await m1.registerPatient(alice); // another patient (dev accounts without funds cannot)
    const records = await m1.patientRecords(ferdie.address, 0, 50);
    assert.deepEqual(records.map((r) => [r.record_id, r.meta.version]), [[journey.recordId, 1], [labId, 2]]);
  });

  test('the export with the CLI: a signed tar whose FHIR Bundle and every resource @medplum/core validates; the keys came through recorded reads', { timeout: TIMEOUT }, async () => {
    const { ferdie } = acc;
    const k = await cli(['export-key', '--out', keyFile()]);
    assert.equal(k.status, 0, k.stderr);
    const before = await m1.auditHead(ferdie.address);
    const r = await cli(['export', '--deployment', dep1, '--gateway', env.MEDREC_FHIR_GW1, '--export-key', keyFile(), '--out', archive(), '--as', '//Ferdie', '--yes']);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    console.log(r.stdout.trimEnd().split('\n').map((l) => `    ${l}`).join('\n'));
    const t = openTar(archive());
    try {
      const manifest = JSON.parse(Buffer.from(await t.read('manifest.json')));
      const bundle = JSON.parse(Buffer.from(await t.read('bundle.json')));
      // Every resource and the Bundle: valid for the independent validator
      for (const e of bundle.entry) assert.deepEqual(validateFhir(e.resource), [], `${e.resource.resourceType}/${e.resource.id}`);
      assert.deepEqual(validateFhir(bundle), []);
      const model = bundleToModel(bundle);
      assert.equal(model.patient, ferdie.address);
      assert.deepEqual(model.records.map((x) => [x.recordId, x.versions.length]), [[journey.recordId, 1], [labId, 2]]);
      // The export's own reads are in the trail it carries: two PATRQT reads by Ferdie at the end
      const after = await m1.auditHead(ferdie.address);
      assert.equal(BigInt(after.len), BigInt(before.len) + 2n);
      assert.equal(manifest.auditHead.hash, after.head.slice(2));
      assert.deepEqual(model.audit.slice(-2).map((x) => [x.actor, x.action, x.purpose]), [[ferdie.address, 'Read', 'PatientRequest'], [ferdie.address, 'Read', 'PatientRequest']]);
      // Eve's emergency read is marked break-the-glass
      const er = bundle.entry.map((e) => e.resource).filter((x) => x.resourceType === 'AuditEvent' && x.subtype[0].code === 'EmergencyRead');
      assert.equal(er.length, 1);
      assert.deepEqual(er[0].purposeOfEvent.map((p) => p.coding[0].code), ['ETREAT', 'BTG']);
      // The hand-written SCALE decoder reads the chain's entries as polkadot.js does
      const trail = JSON.parse(Buffer.from(await t.read('audit/trail.json'))).entries;
      const chain = await m1.verifyAuditChain(ferdie.address);
      assert.equal(trail.length, chain.entries.length);
      trail.forEach((h, i) => {
        const mine = decodeAuditEntry(Buffer.from(h, 'hex'));
        const theirs = chain.entries[i];
        assert.deepEqual([mine.actor, mine.action, mine.recordId, mine.subject, mine.recordType, mine.purpose, mine.status, mine.at, `0x${mine.prevHash}`],
          [theirs.actor, theirs.action, theirs.record_id, theirs.subject, theirs.record_type, theirs.purpose, theirs.status, theirs.at, theirs.prev_hash]);
      });
      // Keys sealed to the export key only: 80 bytes each, opening with it
      const secret = readFileSync(keyFile());
      for (const p of t.paths.filter((x) => x.startsWith('keys/'))) assert.equal(unwrapKey(await t.read(p), secret).length, 32);
      // Every version's ciphertext: the diagnosis, and both versions of the lab result
      assert.equal(t.paths.filter((x) => x.startsWith('blobs/')).length, 3);
    } finally {
      t.close();
    }
    // Alice's archive (another patient), for the refusals
    const other = await cli(['export', '--deployment', dep1, '--gateway', env.MEDREC_FHIR_GW1, '--export-key', keyFile(), '--out', join(dir, 'alice.tar'), '--as', '//Alice', '--yes']);
    assert.equal(other.status, 0, other.stderr);
  });

  test('refused imports, each with its error, and deployment 2 unchanged: corrupted, wrong hash, another patient\'s, truncated blob, truncated archive', { timeout: TIMEOUT }, async () => {
    const { ferdie } = acc;
    const state = async () => JSON.stringify([
      await m2.getPatient(ferdie.address),
      await m2.query('recordManagement', 'patient_state', null, ferdie.address),
      (await m2.query('recordManagement', 'stats', null)).total_records,
    ]);
    const before = await state();
    const t = openTar(archive());
    const files = new Map();
    for (const p of t.paths) files.set(p, Buffer.from(await t.read(p)));
    t.close();
    // The larger blob (the other may be shorter than the cuts below)
    const blob = [...files.keys()].filter((p) => p.startsWith('blobs/')).sort((x, y) => files.get(y).length - files.get(x).length)[0];
    const half = Math.floor(files.get(blob).length / 2);
    const variant = async (name, change) => {
      const f = new Map(files);
      change(f);
      return tarFiles(f, tempDir('medrec-fhir-stage-'), join(dir, name));
    };
    const corrupt = join(dir, 'corrupt.tar');
    const bytes = Buffer.from(readFileSync(archive()));
    bytes[1] ^= 0x20;
    writeFileSync(corrupt, bytes);
    const cut = join(dir, 'cut.tar');
    writeFileSync(cut, readFileSync(archive()));
    truncateSync(cut, Math.floor(statSync(cut).size / 2));
    const cases = [
      [corrupt, /^error: ArchiveCorrupt: .* header checksum/m],
      [await variant('wrong-hash.tar', (f) => { const b = Buffer.from(f.get(blob)); b[40] ^= 1; f.set(blob, b); }), new RegExp(`^error: FileHashMismatch: ${blob} has SHA-256`, 'm')],
      [join(dir, 'alice.tar'), new RegExp(`^error: NotYourArchive: this archive is the record of ${acc.alice.address}; the importing account is ${ferdie.address}`, 'm')],
      [await variant('short-blob.tar', (f) => f.set(blob, f.get(blob).subarray(0, half))), new RegExp(`^error: FileTruncated: ${blob} is truncated: ${half} of ${files.get(blob).length} bytes`, 'm')],
      [cut, /^error: ArchiveTruncated: .*cut\.tar ends /m],
    ];
    for (const [file, expected] of cases) {
      const r = await cli(['import', file, '--deployment', dep2, '--gateway', env.MEDREC_FHIR_GW2, '--export-key', keyFile(), '--with-consents', '--as', '//Ferdie', '--yes']);
      assert.equal(r.status, 1, `${file}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, expected);
      assert.equal(r.stdout.includes('Sign and send'), false);
      console.log(`    ${file.split('/').pop()}: ${r.stderr.trim()}`);
    }
    assert.equal(await state(), before, 'deployment 2 unchanged');
    assert.match(before, /^\[null,/, 'Ferdie is not even registered there');
  });

  test('the import with the CLI into deployment 2 through gateway 2: the records open there, identical; the audit trail attached, verified; grants only as asked', { timeout: TIMEOUT }, async () => {
    const { ferdie, charlie, dave, one } = acc;
    const r = await cli(['import', archive(), '--deployment', dep2, '--gateway', env.MEDREC_FHIR_GW2, '--export-key', keyFile(), '--with-consents', '--as', '//Ferdie', '--yes']);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    console.log(r.stdout.trimEnd().split('\n').map((l) => `    ${l}`).join('\n'));
    const records = await m2.patientRecords(ferdie.address, 0, 50);
    assert.equal(records.length, 3);
    assert.ok(records.every((x) => x.meta.patient_authored && x.meta.created_by === ferdie.address));
    const [diag, lab, history] = records;
    const d = await openRecord(m2, gw2, ferdie, ferdie.address, diag.record_id);
    assert.deepEqual(d.plaintext, readFileSync(FIXTURE));
    assert.equal(d.meta.record_type, 'Diagnosis');
    assert.equal(d.meta.confidentiality, 'Restricted');
    const l = await openRecord(m2, gw2, ferdie, ferdie.address, lab.record_id);
    assert.deepEqual(l.plaintext, LAB_V2);
    assert.equal(l.meta.confidentiality, 'HighlyRestricted');
    assert.equal(l.meta.mime_code, 3);
    // Both versions re-created in order: the earlier one opens for the patient too
    assert.equal(l.meta.version, 2);
    assert.deepEqual((await openRecord(m2, gw2, ferdie, ferdie.address, lab.record_id, 1)).plaintext, LAB_V1);
    console.log(`    opened on deployment 2 through gateway 2: record ${diag.record_id} (${d.plaintext.length} bytes, identical to ${FIXTURE.split('/').pop()}), record ${lab.record_id} (${l.plaintext.length} bytes, identical to the lab result's current version; its version 1 too)`);
    const h = JSON.parse((await openRecord(m2, gw2, ferdie, ferdie.address, history.record_id)).plaintext);
    assert.equal(h.format, 'medrec-history/1');
    assert.equal(h.verification.verified, true);
    const origin = await m1.auditHead(ferdie.address);
    assert.ok(h.verification.entries <= Number(origin.len) && h.verification.entries > 10);
    assert.equal(h.auditTrailScale.length, h.verification.entries);
    assert.equal(h.bundle.resourceType, 'Bundle');
    // Grants: the active ones carried over, the revoked ones not
    const consents = await m2.consentsOf(ferdie.address, 0, 50);
    assert.deepEqual(consents.map((c) => [c.provider, c.data_type, c.status]).sort(), [[charlie.address, 'LabResults', 'Active'], [dave.address, 'MedicalRecords', 'Active']].sort());
    const perms = await m2.permissionsOf(ferdie.address, 0, 50);
    assert.deepEqual(perms.map((p) => [p.provider, p.record_type, p.permission.level, p.permission.quota]).sort(), [[charlie.address, 'LabResults', 'Write', null], [dave.address, 'Vitals', 'Read', { max_reads: 5, max_bytes: null }]].sort());
    const delegates = await m2.query('patientConsent', 'delegates_of', null, ferdie.address, 0, 50);
    assert.deepEqual(delegates.map((x) => [x.delegate, x.delegation.kind, x.active]), [[one.address, 'Guardian', true]]);
    assert.match(r.stdout, /consent MedicalRecords to .*: not carried over: Revoked/);
    console.log(`    record ${history.record_id}: the historical document, ${h.verification.entries} audit entries, verified: ${h.verification.verified}`);
  });

  test('the same import again: verified, nothing created twice (resumable)', { timeout: TIMEOUT }, async () => {
    const { ferdie } = acc;
    const before = await m2.query('recordManagement', 'patient_state', null, ferdie.address);
    const r = await cli(['import', archive(), '--deployment', dep2, '--gateway', env.MEDREC_FHIR_GW2, '--export-key', keyFile(), '--as', '//Ferdie', '--yes']);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /imported: nothing/);
    assert.match(r.stdout, /historical document .*: record \d+ \(already there\)/);
    const after = await m2.query('recordManagement', 'patient_state', null, ferdie.address);
    assert.equal(after.record_count, before.record_count);
  });
});
