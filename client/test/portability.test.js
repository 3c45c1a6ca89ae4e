// Data portability, offline: the FHIR mapping (every resource valid for an
// independent validator: @medplum/core on HL7's R4 definitions, with their
// required bindings and code systems), the bundle's round trip, the archive
// (tar, manifest, signature), and every refusal of a bad archive, each with
// its exact error and nothing sent: the chain and gateway handed to the
// import record every use and none happens.

import assert from 'node:assert/strict';
import { readFileSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';

import { u8aToHex } from '@polkadot/util';
import { sha256AsU8a } from '@polkadot/util-crypto';

import { tempDir } from '../test-support/tmp.js';
import { validateFhir } from '../test-support/fhir-validate.js';
import { accounts, fakeDeployment, fixtureModel, newExportKeys, packFixture, tarFiles } from '../test-support/portability-fixture.js';
import { openTar } from '../lib/archive.js';
import { BTG, PURPOSE_CODES, SYS, bundleToModel, modelToBundle } from '../lib/core/fhir.js';
import { decodeAuditEntry, encodeAuditEntry, verifyArchive } from '../lib/core/portability.js';
import { importFromFile, nodeVault, verifyFile } from '../lib/portability.js';
import { openBytes, sealBytes, unwrapKey } from '../lib/vault.js';

let a;
let fx;
let keys;
let dir;

before(async () => {
  a = await accounts();
  fx = fixtureModel(a);
  keys = newExportKeys();
  dir = tempDir('medrec-portability-');
});

const resources = (bundle, type) => bundle.entry.map((e) => e.resource).filter((r) => !type || r.resourceType === type);

describe('the FHIR R4 mapping', () => {
  test('every resource and the Bundle are valid for @medplum/core with HL7\'s R4 profiles, bindings and code systems', () => {
    const bundle = modelToBundle(fx.model);
    const counts = {};
    for (const r of resources(bundle)) {
      counts[r.resourceType] = (counts[r.resourceType] ?? 0) + 1;
      assert.deepEqual(validateFhir(r), [], `${r.resourceType}/${r.id}`);
    }
    assert.deepEqual(validateFhir(bundle), []);
    // 1 patient, 1 delegate, 3 consents + 2 permissions, 4 record versions each with a Provenance, 10 audit entries
    assert.deepEqual(counts, { Patient: 1, RelatedPerson: 1, Consent: 5, DocumentReference: 4, Provenance: 4, AuditEvent: 10 });
  });

  test('the validator does refuse what is wrong: a missing required element, a code not in its system, a status outside its ValueSet', () => {
    const bundle = modelToBundle(fx.model);
    const consent = structuredClone(resources(bundle, 'Consent')[0]);
    delete consent.scope;
    assert.match(validateFhir(consent).join('\n'), /Missing required property \(Consent\.scope\)|Consent\.scope/);
    const bad = structuredClone(resources(bundle, 'Consent')[0]);
    bad.provision.purpose[0].code = 'TREATMENT';
    assert.match(validateFhir(bad).join('\n'), /v3-ActReason has no code "TREATMENT"/);
    const doc = structuredClone(resources(bundle, 'DocumentReference')[0]);
    doc.status = 'final';
    assert.match(validateFhir(doc).join('\n'), /"final" is not in http:\/\/hl7\.org\/fhir\/ValueSet\/document-reference-status/);
  });

  test('Consent: status, period, the provider as actor, purposes as ActReason, data type as class, the delegate who acted', () => {
    const consents = resources(modelToBundle(fx.model), 'Consent');
    const c = consents.find((r) => r.category.some((k) => k.coding[0].code === 'consent') && r.provision.actor[0].reference.identifier.value === a.charlie.address);
    assert.equal(c.status, 'active');
    assert.deepEqual(c.provision.purpose.map((p) => `${p.system}|${p.code}`), [`${SYS.actReason}|TREAT`, `${SYS.actReason}|HRESCH`]);
    assert.deepEqual(c.provision.class, [{ system: SYS.dataType, code: 'medical-records' }]);
    assert.equal(c.provision.period.end, new Date(Number(fx.model.consents[0].expiresAt)).toISOString());
    const byDelegate = consents.find((r) => r.provision.actor[0].reference.identifier.value === a.dave.address && r.category.some((k) => k.coding[0].code === 'consent'));
    assert.equal(byDelegate.status, 'inactive');
    assert.deepEqual(byDelegate.performer, [{ type: 'RelatedPerson', identifier: { system: SYS.account, value: a.one.address } }]);
    assert.deepEqual(byDelegate.meta.tag, [{ system: SYS.grantStatus, code: 'Expired' }]);
    const revoked = consents.find((r) => r.provision.actor[0].reference.identifier.value === a.eve.address);
    assert.deepEqual(revoked.provision.purpose.map((p) => p.code), ['ETREAT', 'HPAYMT', 'HOPERAT', 'PUBHLTH']);
    // Every purpose of contracts/types maps to its Purpose::hl7_code
    assert.deepEqual(PURPOSE_CODES, { Treatment: 'TREAT', EmergencyTreatment: 'ETREAT', Payment: 'HPAYMT', Operations: 'HOPERAT', Research: 'HRESCH', PatientRequest: 'PATRQT', PublicHealth: 'PUBHLTH' });
    const src = readFileSync(new URL('../../contracts/types/src/lib.rs', import.meta.url), 'utf8');
    for (const [variant, code] of Object.entries(PURPOSE_CODES)) assert.match(src, new RegExp(`Purpose::${variant} => "${code}"`));
  });

  test('DocumentReference: subject, author, date, securityLabel N/R/V, attachment url/size/type, SHA-256 as masterIdentifier, versions linked; a Provenance for each version', () => {
    const bundle = modelToBundle(fx.model);
    const docs = resources(bundle, 'DocumentReference');
    const patientUrl = bundle.entry.find((e) => e.resource.resourceType === 'Patient').fullUrl;
    const [d1, d2v1, d2v2, d3] = docs;
    assert.equal(d1.subject.reference, patientUrl);
    assert.deepEqual(d1.author, [{ type: 'Practitioner', identifier: { system: SYS.account, value: a.charlie.address } }]);
    assert.equal(d1.securityLabel[0].coding[0].code, 'R');
    assert.equal(d2v2.securityLabel[0].coding[0].code, 'V');
    assert.equal(d3.securityLabel[0].coding[0].code, 'N');
    const v = fx.model.records[0].versions[0];
    assert.deepEqual(d1.masterIdentifier, { system: SYS.sha256, value: v.dataHash });
    assert.deepEqual(d1.content[0].attachment, { contentType: 'application/octet-stream', url: `vault://sha256/${v.dataHash}`, size: v.size });
    assert.equal(d1.date, new Date(Number(v.at)).toISOString());
    assert.equal(d2v1.status, 'superseded');
    assert.equal(d2v2.status, 'current');
    assert.equal(d3.status, 'entered-in-error');
    const url = (r) => bundle.entry.find((e) => e.resource === r).fullUrl;
    assert.deepEqual(d2v2.relatesTo, [{ code: 'replaces', target: { reference: url(d2v1) } }]);
    const prov = resources(bundle, 'Provenance');
    assert.deepEqual(prov.map((p) => p.target[0].reference), docs.map(url));
    assert.deepEqual(prov.map((p) => p.activity.coding[0].code), ['CREATE', 'CREATE', 'UPDATE', 'CREATE']);
  });

  test('AuditEvent: action, recorded, purposeOfEvent, agent, entity; an emergency read marked break-the-glass', () => {
    const events = resources(modelToBundle(fx.model), 'AuditEvent');
    assert.deepEqual(events.map((e) => e.action), ['E', 'C', 'R', 'C', 'U', 'R', 'C', 'U', 'D', 'R']);
    const er = events[5];
    assert.deepEqual(er.purposeOfEvent.map((p) => p.coding[0].code), ['ETREAT', 'BTG']);
    assert.deepEqual(er.meta.security, [BTG]);
    assert.equal(er.agent[0].who.identifier.value, a.eve.address);
    assert.equal(er.entity[1].what.identifier.value, `${fx.model.deployment.recordManagement}/1`);
    assert.ok(events.filter((e) => e !== er).every((e) => !e.meta?.security && !e.purposeOfEvent?.some((p) => p.coding[0].code === 'BTG')));
    assert.equal(events[0].entity[1].detail[0].valueString, 'Diagnosis');
  });

  test('the bundle round-trips: FHIR back to the model is the model, through JSON text too', () => {
    const bundle = modelToBundle(fx.model);
    assert.deepEqual(bundleToModel(bundle), fx.model);
    assert.deepEqual(bundleToModel(JSON.parse(JSON.stringify(bundle))), fx.model);
    assert.deepEqual(modelToBundle(bundleToModel(bundle)), bundle);
  });

  test('the audit entry codec: encode and decode are inverse', () => {
    for (const e of fx.model.audit) {
      const { index, hash, ...entry } = e;
      assert.deepEqual(decodeAuditEntry(encodeAuditEntry(entry)), entry);
    }
  });
});

/** A spy for the chain and the gateway: any use is recorded (none must happen before verification passes). */
function spy() {
  const calls = [];
  const handler = { get: (_, k) => (k === 'then' ? undefined : (...args) => { calls.push(String(k)); return Promise.reject(new Error(`unexpected use: ${String(k)}`)); }) };
  return { calls, medrec: new Proxy({ addresses: fakeDeployment('two') }, { get: (t, k) => (k === 'addresses' ? t.addresses : handler.get(t, k)) }), gateway: new Proxy({}, handler) };
}

let n = 0;
async function archiveOf(files) {
  return tarFiles(files, tempDir('medrec-stage-'), join(dir, `a${n++}.tar`));
}

/** Importing `file` as `who` is refused with `code` and `message`, and nothing touched the chain or the gateway. */
async function refused(file, code, message, { who = a.ferdie, secret = keys.secretKey } = {}) {
  const s = spy();
  await assert.rejects(
    importFromFile(file, { medrec: s.medrec, gateway: s.gateway, signer: who, exportSecretKey: secret }),
    (e) => {
      assert.equal(e.code, code, e.message);
      assert.match(e.message, message);
      return true;
    },
  );
  assert.deepEqual(s.calls, [], 'nothing sent');
}

describe('the archive', () => {
  let good;
  let packed;

  before(async () => {
    packed = await packFixture(fx, { exportPublicKey: keys.publicKey, signedBy: a.ferdie });
    good = await archiveOf(packed.files);
  });

  test('a plain tar: manifest first, every file listed with its SHA-256 and size, the audit head, the deployment', async () => {
    const t = openTar(good);
    try {
      assert.deepEqual(t.paths.slice(0, 4), ['manifest.json', 'manifest.sig', 'bundle.json', 'audit/trail.json']);
      const m = packed.manifest;
      assert.equal(m.format, 'medrec-export/1');
      assert.equal(m.patient, a.ferdie.address);
      assert.deepEqual(m.deployment, fx.model.deployment);
      assert.deepEqual(m.auditHead, { index: '9', len: '10', hash: fx.model.audit[9].hash });
      assert.deepEqual(m.files.map((f) => f.path).sort(), t.paths.filter((p) => !p.startsWith('manifest.')).sort());
      for (const f of m.files) {
        const bytes = await t.read(f.path);
        assert.equal(f.size, bytes.length);
        assert.equal(f.sha256, u8aToHex(sha256AsU8a(bytes)).slice(2));
      }
      // Two ciphertexts (record 1, record 2 v2), their keys sealed to the export key, never in the clear
      assert.equal(t.paths.filter((p) => p.startsWith('blobs/')).length, 2);
      for (const [h, b] of fx.blobs) {
        const wrapped = await t.read(`keys/${h}.key`);
        assert.equal(wrapped.length, 80);
        assert.ok(!Buffer.from(wrapped).includes(b.key));
        assert.deepEqual(openBytes(await t.read(`blobs/${h}`), unwrapKey(wrapped, keys.secretKey)), b.plaintext);
      }
    } finally {
      t.close();
    }
  });

  test('verification passes for the patient and names what will be imported', async () => {
    const { archive, verified } = await verifyFile(good, { importer: a.ferdie.address, exportSecretKey: keys.secretKey });
    archive.close();
    assert.deepEqual(verified.records.map((r) => [r.record.recordId, r.blobVersions.map((v) => v.version)]), [['1', [1]], ['2', [2]], ['3', []]]);
    assert.equal(verified.trail.len, 10);
  });

  test('refused: a corrupted archive (a header byte flipped; bytes inside a file changed)', async () => {
    const bytes = readFileSync(good);
    const flipped = Buffer.from(bytes);
    flipped[3] ^= 0x20; // the first header's name
    const f1 = join(dir, 'corrupt-header.tar');
    writeFileSync(f1, flipped);
    await refused(f1, 'ArchiveCorrupt', /header checksum/);
    const inner = Buffer.from(bytes);
    const at = inner.indexOf('"exportPublicKey": "') + 20; // a hex digit inside manifest.json: still JSON, another key
    inner[at] = inner[at] === 0x30 ? 0x31 : 0x30;
    const f2 = join(dir, 'corrupt-manifest.tar');
    writeFileSync(f2, inner);
    await refused(f2, 'SignatureInvalid', new RegExp(`manifest\\.sig is not ${a.ferdie.address}'s signature over this manifest\\.json`));
    const files = new Map(packed.files);
    const [blob] = [...files.keys()].filter((p) => p.startsWith('blobs/'));
    const changed = new Uint8Array(files.get(blob));
    changed[50] ^= 0xff;
    files.set(blob, changed);
    await refused(await archiveOf(files), 'FileHashMismatch', new RegExp(`${blob} has SHA-256 [0-9a-f]{64}; the manifest says`));
  });

  test('refused: a wrong hash (a blob swapped for another ciphertext, the manifest consistent and signed)', async () => {
    const [h] = fx.blobs.keys();
    const other = await packFixture(fx, {
      exportPublicKey: keys.publicKey,
      signedBy: a.ferdie,
      // The same plaintext sealed again: as long, another ciphertext
      edit: (files) => files.set(`blobs/${h}`, new Uint8Array(sealBytes(fx.blobs.get(h).plaintext).ciphertext)),
    });
    await refused(await archiveOf(other.files), 'BlobHashMismatch', new RegExp(`record 1 v1: blobs/${h} has SHA-256 [0-9a-f]{64} \\(\\d+ bytes\\); its DocumentReference says ${h}`));
  });

  test("refused: another patient's bundle (hers, signed by her; and hers relabelled as Ferdie's)", async () => {
    const eves = fixtureModel(a, { patient: a.two });
    const theirs = await packFixture(eves, { exportPublicKey: keys.publicKey, signedBy: a.two });
    await refused(await archiveOf(theirs.files), 'NotYourArchive', new RegExp(`this archive is the record of ${a.two.address}; the importing account is ${a.ferdie.address}`));
    const relabelled = new Map(theirs.files);
    const m = JSON.parse(Buffer.from(relabelled.get('manifest.json')).toString());
    m.patient = a.ferdie.address;
    relabelled.set('manifest.json', Buffer.from(`${JSON.stringify(m, null, 2)}\n`));
    await refused(await archiveOf(relabelled), 'SignatureInvalid', /manifest\.sig is not .*'s signature/);
    // Signed by Ferdie but the bundle inside is someone else's
    const swapped = await packFixture(eves, { exportPublicKey: keys.publicKey, signedBy: a.ferdie });
    const sm = new Map(swapped.files);
    const man = JSON.parse(Buffer.from(sm.get('manifest.json')).toString());
    assert.equal(man.patient, a.two.address);
  });

  test('refused: a truncated blob (the file cut short; and cut with the manifest made to match), a truncated archive', async () => {
    const [h, b] = [...fx.blobs.entries()][0];
    const files = new Map(packed.files);
    files.set(`blobs/${h}`, new Uint8Array(b.ciphertext).slice(0, 60));
    await refused(await archiveOf(files), 'FileTruncated', new RegExp(`blobs/${h} is truncated: 60 of ${b.ciphertext.length} bytes`));
    const consistent = await packFixture(fx, {
      exportPublicKey: keys.publicKey,
      signedBy: a.ferdie,
      edit: (fs) => fs.set(`blobs/${h}`, new Uint8Array(b.ciphertext).slice(0, 60)),
    });
    await refused(await archiveOf(consistent.files), 'BlobTruncated', new RegExp(`record 1 v1: blobs/${h} is 60 of the ${b.ciphertext.length} bytes its DocumentReference states`));
    const cut = join(dir, 'cut.tar');
    writeFileSync(cut, readFileSync(good));
    truncateSync(cut, statSync(cut).size - 2000);
    await refused(cut, 'ArchiveTruncated', /ends inside keys\/[0-9a-f]{64}\.key|ends at byte|ends after one/);
  });

  test('refused: an audit trail edited (the chain breaks), an AuditEvent that differs from the trail', async () => {
    const edited = structuredClone(fx);
    const entry = decodeAuditEntry(Buffer.from(edited.trailHex[2], 'hex'));
    entry.actor = a.dave.address; // "Dave read it", not Charlie
    edited.trailHex[2] = Buffer.from(encodeAuditEntry(entry)).toString('hex');
    const p = await packFixture({ ...edited, blobs: fx.blobs }, { exportPublicKey: keys.publicKey, signedBy: a.ferdie });
    await refused(await archiveOf(p.files), 'AuditChainBroken', /the audit trail's hash chain breaks at entry 3/);
    const lying = structuredClone(fx.model);
    lying.audit[5].action = 'Read'; // hide the emergency read in the FHIR
    const q = await packFixture({ ...fx, model: lying }, { exportPublicKey: keys.publicKey, signedBy: a.ferdie });
    await refused(await archiveOf(q.files), 'AuditMismatch', /the bundle's AuditEvents differ from the audit trail at entry 5/);
  });

  test('refused: the wrong export key; a file not in the manifest', async () => {
    await refused(good, 'WrongExportKey', /does not open with this export key/, { secret: newExportKeys().secretKey });
    const extra = new Map(packed.files);
    extra.set('notes.txt', Buffer.from('hello'));
    await refused(await archiveOf(extra), 'UnlistedFile', /notes\.txt is in the archive but not in the manifest/);
  });

  test('verifyArchive (the browser-safe core) takes any reader: files in memory', async () => {
    const mem = packed.files;
    const archive = { paths: [...mem.keys()], size: (p) => mem.get(p).length, read: async (p) => mem.get(p) };
    const v = await verifyArchive(archive, { importer: a.ferdie.address, exportSecretKey: keys.secretKey, vault: nodeVault });
    assert.equal(v.model.records.length, 3);
  });
});
