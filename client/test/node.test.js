// Tests against a running substrate-contracts-node (0.42.0, --dev). They run
// only when a node answers at $MEDREC_WS (default ws://127.0.0.1:9944) and the
// release bundles exist; otherwise they are skipped with the reason.
//
// Every test deploys its own contracts, and the tests of this file run one
// after another (the same dev accounts sign, so they must not race for
// nonces). No other test file talks to the node.
//
//   scripts/node.sh start && (cd client && npm test)

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { u8aToHex } from '@polkadot/util';

import { tempDir } from '../test-support/tmp.js';
import { DAY, runJourney } from '../lib/journey.js';
import { CONTRACTS, Medrec, MedrecError, bundlePath, connect, deploy, devAccounts, nodeAnswers } from '../lib/medrec.js';

const WS = process.env.MEDREC_WS || `ws://127.0.0.1:${process.env.NODE_PORT || 9944}`;
const CLI = fileURLToPath(new URL('../cli.js', import.meta.url));
const missing = CONTRACTS.map((c) => bundlePath(c.snake)).filter((p) => !existsSync(p));
const skip = !(await nodeAnswers(WS))
  ? `no node answers at ${WS} (start one with scripts/node.sh start, or set MEDREC_WS)`
  : missing.length
    ? `release bundles missing (run scripts/build.sh): ${missing.join(', ')}`
    : false;

const CREDS = u8aToHex(new Uint8Array(32).fill(0xc0));
const TIMEOUT = 10 * 60 * 1000;

/** The one event `name` of a step (asserts there is exactly one). */
function eventOf(step, name) {
  const found = step.events.filter((e) => e.name === name);
  assert.equal(found.length, 1, `${step.label}: one ${name} event, got ${JSON.stringify(step.events)}`);
  return found[0].args;
}

function runCli(args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, MEDREC_WS: WS, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe(`on a substrate-contracts-node at ${WS}`, { concurrency: 1 }, () => {
  let api;
  let acc;

  before(async () => {
    if (skip) return;
    api = await connect(WS);
    acc = await devAccounts();
  });

  after(async () => {
    await api?.disconnect();
  });

  test('deploy fresh: three contracts, wired, code hashes as built', { skip, timeout: TIMEOUT }, async () => {
    const d = await deploy(api, acc.alice);
    const { accessControl, patientConsent, recordManagement } = d.addresses;
    assert.equal(new Set([accessControl, patientConsent, recordManagement]).size, 3);
    assert.equal(d.deployer, acc.alice.address);
    for (const inst of d.instantiations) {
      assert.ok(BigInt(inst.gasRequired.refTime) > 0n && BigInt(inst.gasRequired.proofSize) > 0n, `${inst.contract} gas`);
      assert.ok(BigInt(inst.storageDeposit) > 0n, `${inst.contract} pays a storage deposit`);
      assert.equal(inst.address, inst.predictedAddress, `${inst.contract}: the dry run predicted the address`);
    }
    const medrec = new Medrec(api, d.addresses);
    const onChain = await medrec.checkDeployed();
    assert.deepEqual(onChain, d.codeHashes);
    assert.equal(await medrec.query('accessControl', 'owner', null), acc.alice.address);
    assert.equal(await medrec.query('patientConsent', 'access_control', null), accessControl);
    const stats = await medrec.query('recordManagement', 'stats', null);
    assert.equal(stats.consent_contract, patientConsent);
    assert.equal(stats.access_control, accessControl);
    assert.equal(stats.total_records, '0');
    assert.equal(stats.paused, false);
  });

  test('the whole patient journey: steps, events, audit chain, nothing clinical on-chain', { skip, timeout: TIMEOUT }, async () => {
    const d = await deploy(api, acc.alice);
    const medrec = new Medrec(api, d.addresses);
    const startBlock = (await api.rpc.chain.getHeader()).number.toNumber();
    const lines = [];
    const s = await runJourney(medrec, { accounts: acc, log: (l) => lines.push(l), storeDir: tempDir('medrec-journey-') });
    const step = Object.fromEntries(s.steps.map((x) => [x.label, x]));
    const { alice, bob, charlie, dave, eve, ferdie } = acc;
    assert.ok(lines.some((l) => l.trim() === 'journey complete'));

    // Every successful step reports its gas and deposit as exact decimal strings.
    for (const x of s.steps.filter((y) => y.ok && !y.skipped)) {
      assert.match(x.gasRequired.refTime, /^\d+$/, x.label);
      assert.match(x.gasRequired.proofSize, /^\d+$/, x.label);
      assert.match(x.storageDeposit, /^-?\d+$/, x.label);
      assert.match(x.blockHash, /^0x[0-9a-f]{64}$/, x.label);
      assert.ok(x.events.every((e) => e.name), `${x.label}: every event decoded`);
    }
    assert.equal(s.steps.filter((y) => y.skipped).length, 0, 'a fresh deployment skips nothing');

    let e = eventOf(step['Alice registers Bob as Admin'], 'ProviderRegistered');
    assert.deepEqual(e, { provider: bob.address, role: 'Admin', credentials_hash: CREDS });
    assert.deepEqual(eventOf(step['Alice verifies Bob (the first admin)'], 'ProviderVerified'), { provider: bob.address, verified_by: alice.address });
    assert.equal(eventOf(step['Alice registers Dr Charlie as Doctor'], 'ProviderRegistered').role, 'Doctor');
    assert.equal(eventOf(step['Alice registers Nurse Dave as Nurse'], 'ProviderRegistered').provider, dave.address);
    assert.equal(eventOf(step['Alice registers Eve as Emergency'], 'ProviderRegistered').role, 'Emergency');
    assert.deepEqual(eventOf(step['Bob verifies Dr Charlie'], 'ProviderVerified'), { provider: charlie.address, verified_by: bob.address });
    assert.deepEqual(eventOf(step['Ferdie registers as a patient'], 'PatientRegistered'), { patient: ferdie.address });

    e = eventOf(step['Dr Charlie requests MedicalRecords (TREAT)'], 'AccessRequested');
    assert.deepEqual(e, { patient: ferdie.address, provider: charlie.address, request_id: s.requestId, data_type: 'MedicalRecords', purpose: 'Treatment' });
    const approve = step['Ferdie approves the request for 30 days'];
    assert.deepEqual(approve.events.map((x) => `${x.contract}.${x.name}`), ['patient-consent.ConsentGranted', 'patient-consent.AccessRequestApproved']);
    e = eventOf(approve, 'ConsentGranted');
    assert.equal(e.request_id, s.requestId);
    assert.equal(e.actor, ferdie.address);
    // The returned value is the dry run's (one block earlier); the event has
    // the expiry the chain stored: the including block's time + 30 days.
    const blockTime = (await (await api.at(approve.blockHash)).query.timestamp.now()).toBigInt();
    assert.equal(e.expires_at, String(blockTime + BigInt(30 * DAY)), 'the event carries the stored expiry');
    assert.deepEqual(eventOf(approve, 'AccessRequestApproved'), { patient: ferdie.address, provider: charlie.address, request_id: s.requestId, actor: ferdie.address });

    e = eventOf(step['Ferdie gives Dr Charlie Write on Diagnosis'], 'PermissionGranted');
    assert.equal(e.provider, charlie.address);
    assert.equal(e.granted_by, ferdie.address);
    assert.equal(e.level, 'Write');
    assert.equal(e.record_type, 'Diagnosis');
    assert.match(e.expires_at, /^\d+$/);

    const create = step["Dr Charlie creates Ferdie's diagnosis record"];
    e = eventOf(create, 'RecordCreated');
    assert.equal(e.record_id, s.recordId);
    assert.equal(e.created_by, charlie.address);
    assert.equal(e.record_type, 'Diagnosis');
    assert.match(e.data_hash, /^0x[0-9a-f]{64}$/);
    assert.ok(BigInt(create.storageDeposit) > 0n, 'a new record pays a storage deposit');

    assert.deepEqual(eventOf(step['Ferdie shares the data key wrapped for Charlie'], 'KeyShared'), {
      patient: ferdie.address, recipient: charlie.address, record_id: s.recordId, shared_by: ferdie.address,
    });
    const read = step['Dr Charlie reads the record (TREAT)'];
    assert.deepEqual(eventOf(read, 'RecordAccessed'), { patient: ferdie.address, accessor: charlie.address, record_id: s.recordId, purpose: 'Treatment', emergency: false });
    assert.equal(read.value.meta.data_hash, e.data_hash);
    assert.equal(read.value.wrapped_key.length, 2 + 92 * 2, 'the 92-byte wrapped key comes back to Charlie');

    const daveRead = step['Nurse Dave reads it (no consent)'];
    assert.equal(daveRead.ok, false);
    assert.equal(daveRead.error.variant, 'ConsentRequired');
    assert.equal(daveRead.error.kind, 'ContractError');
    assert.equal(daveRead.events.length, 0);

    e = eventOf(step['Eve opens an emergency window (unconscious)'], 'EmergencyAccessActivated');
    assert.equal(e.provider, eve.address);
    assert.equal(e.patient, ferdie.address);
    assert.equal(e.reason, 'PatientUnconscious');
    assert.equal(e.note_hash, u8aToHex(new Uint8Array(32).fill(0x0e)));
    const eread = step['Eve reads it under the window (ETREAT)'];
    assert.deepEqual(eventOf(eread, 'RecordAccessed'), { patient: ferdie.address, accessor: eve.address, record_id: s.recordId, purpose: 'EmergencyTreatment', emergency: true });
    assert.equal(eread.value.emergency, true);
    assert.equal(eread.value.wrapped_key, null, 'no key was shared with Eve');
    assert.equal(step['Eve tries to update it (windows are read-only)'].error.variant, 'EmergencyAccessReadOnly');
    assert.equal(eventOf(step['Eve ends her window'], 'EmergencyAccessEnded').provider, eve.address);

    assert.deepEqual(eventOf(step["Ferdie revokes Dr Charlie's permission"], 'PermissionRevoked'), {
      patient: ferdie.address, provider: charlie.address, revoked_by: ferdie.address, record_type: 'Diagnosis',
    });
    assert.equal(step['Dr Charlie reads again'].error.variant, 'NoPermission');
    assert.deepEqual(eventOf(step["Ferdie revokes Dr Charlie's consent"], 'ConsentRevoked'), {
      patient: ferdie.address, provider: charlie.address, data_type: 'MedicalRecords', actor: ferdie.address,
    });

    // The audit trail: only the allowed actions, hash-chained, verified off-chain.
    assert.equal(s.audit.verified, true);
    assert.deepEqual(s.audit.entries.map((x) => x.action), ['PermissionGranted', 'Created', 'KeyShared', 'Read', 'EmergencyRead', 'PermissionRevoked']);
    assert.deepEqual(s.audit.entries.map((x) => x.actor), [ferdie, charlie, ferdie, charlie, eve, ferdie].map((p) => p.address));
    assert.equal(s.audit.len, '6');
    assert.deepEqual(s.history.map((h) => h.action), ['Granted', 'Revoked']);
    assert.deepEqual(s.accessLog.map((x) => x.action), ['EmergencyActivated', 'EmergencyEnded']);
    const stats = await medrec.providerStats(charlie.address);
    assert.deepEqual(stats, { records_created: 1, records_updated: 0, reads: 1, emergency_reads: 0 });
    assert.deepEqual(await medrec.providerStats(eve.address), { records_created: 0, records_updated: 0, reads: 1, emergency_reads: 1 });

    // Nothing of the clinical document reached the chain: no extrinsic and no event of these blocks contains its markers or any 24-byte run of it.
    const plain = readFileSync(join(fileURLToPath(new URL('../..', import.meta.url)), 'e2e-tests', 'fixtures', 'discharge-summary.txt'));
    const needles = [Buffer.from('PHI-MARKER')];
    for (let i = 0; i + 24 <= plain.length; i += 12) needles.push(plain.subarray(i, i + 24));
    const head = (await api.rpc.chain.getHeader()).number.toNumber();
    for (let n = startBlock + 1; n <= head; n++) {
      const hash = await api.rpc.chain.getBlockHash(n);
      const block = await api.rpc.chain.getBlock(hash);
      const events = await (await api.at(hash)).query.system.events();
      const blobs = [...block.block.extrinsics.map((x) => Buffer.from(x.toU8a())), Buffer.from(events.toU8a())];
      for (const blob of blobs) {
        for (const needle of needles) assert.ok(!blob.includes(needle), `block ${n} contains clinical text`);
      }
    }
  });

  test('a denied read: named error, nothing written, a forced submission reverts on-chain', { skip, timeout: TIMEOUT }, async () => {
    const d = await deploy(api, acc.alice);
    const medrec = new Medrec(api, d.addresses);
    const { alice, charlie, dave, ferdie } = acc;
    await medrec.registerProvider(alice, charlie.address, 'Doctor', CREDS);
    await medrec.verifyProvider(alice, charlie.address);
    await medrec.registerProvider(alice, dave.address, 'Nurse', CREDS);
    await medrec.verifyProvider(alice, dave.address);
    await medrec.registerPatient(ferdie);
    await medrec.grantConsent(ferdie, charlie.address, 'MedicalRecords', 30 * DAY, 'Treatment');
    await medrec.grantPermission(ferdie, ferdie.address, charlie.address, 'Diagnosis', 'Write', null, null);
    const hash = `0x${'5a'.repeat(32)}`;
    const created = await medrec.createRecord(charlie, ferdie.address, 'Diagnosis', {
      dataHash: hash, locator: `vault://sha256/${'5a'.repeat(32)}`, keyId: `0x${'11'.repeat(32)}`, size: 64,
    });
    const recordId = created.value;
    assert.equal(recordId, '1');

    const snapshot = async () => ({
      head: await medrec.auditHead(ferdie.address),
      dave: await medrec.providerStats(dave.address),
      permission: await medrec.query('recordManagement', 'get_permission', null, ferdie.address, dave.address, 'Diagnosis'),
    });
    const before0 = await snapshot();

    // 1. Refused by the dry run: nothing is sent.
    await assert.rejects(medrec.getRecord(dave, ferdie.address, recordId, 'Treatment'), (err) => {
      assert.ok(err instanceof MedrecError);
      assert.equal(err.message, 'record-management.get_record: ConsentRequired');
      assert.equal(err.kind, 'ContractError');
      assert.equal(err.variant, 'ConsentRequired');
      return true;
    });
    assert.deepEqual(await snapshot(), before0);

    // 2. Sent anyway: the chain reverts it (contracts.ContractReverted); state is unchanged.
    const nonce0 = (await api.rpc.system.accountNextIndex(dave.address)).toNumber();
    await assert.rejects(
      medrec.send({ contract: 'rm', message: 'get_record', signer: dave, args: [ferdie.address, recordId, 'Treatment'], force: true }),
      (err) => {
        assert.ok(err instanceof MedrecError);
        assert.equal(err.variant, 'ConsentRequired');
        assert.equal(err.dispatchError, 'contracts.ContractReverted');
        assert.equal(err.message, 'record-management.get_record: ConsentRequired (contracts.ContractReverted)');
        return true;
      },
    );
    assert.equal((await api.rpc.system.accountNextIndex(dave.address)).toNumber(), nonce0 + 1, 'the reverted transaction was included');
    assert.deepEqual(await snapshot(), before0);

    // 3. With consent but no permission: a different condition, its own error, still nothing written.
    await medrec.grantConsent(ferdie, dave.address, 'MedicalRecords', 30 * DAY, 'Treatment');
    const before1 = await snapshot();
    await assert.rejects(medrec.getRecord(dave, ferdie.address, recordId, 'Treatment'), { variant: 'NoPermission' });
    assert.deepEqual(await snapshot(), before1);

    // 4. A query (dry run) of the same read names the same error.
    await assert.rejects(medrec.query('rm', 'get_record', dave, ferdie.address, recordId, 'Treatment'), { message: 'record-management.get_record: NoPermission' });

    // 5. The patient reads their own record; the trail grows by exactly one Read.
    const own = await medrec.getRecord(ferdie, ferdie.address, recordId, 'PatientRequest');
    assert.equal(own.value.meta.data_hash, hash);
    const after = await medrec.auditHead(ferdie.address);
    assert.equal(BigInt(after.len), BigInt(before1.head.len) + 1n);
    const chain = await medrec.verifyAuditChain(ferdie.address);
    assert.equal(chain.verified, true);
    assert.equal(chain.entries.at(-1).action, 'Read');
  });

  test('the CLI: deploy, call, a reverted call exits 1 with one named line, query, audit', { skip, timeout: TIMEOUT }, async () => {
    const dir = tempDir('medrec-cli-node-');
    const file = join(dir, 'local.json');
    let r = await runCli(['deploy', '--out', file]);
    assert.equal(r.status, 0, r.stderr);
    const dep = JSON.parse(readFileSync(file, 'utf8'));
    assert.deepEqual(Object.keys(dep.addresses), ['accessControl', 'patientConsent', 'recordManagement']);
    for (const k of ['network', 'ws', 'codeHashes', 'deployedAt', 'deployer']) assert.ok(dep[k], k);
    assert.equal(dep.deployer, acc.alice.address);

    r = await runCli(['call', 'pc', 'register_patient', '--as', '//Ferdie', '--deployment', file]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /patient-consent\.register_patient -> Ok\(null\)/);
    assert.match(r.stdout, /event patient-consent\.PatientRegistered/);

    r = await runCli(['call', 'pc', 'register_patient', '--as', '//Ferdie', '--deployment', file]);
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim(), 'error: patient-consent.register_patient: PatientAlreadyRegistered');

    r = await runCli(['query', 'pc', 'get_patient', '//Ferdie', '--deployment', file, '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).value.consents_granted, 0);

    r = await runCli(['audit', '//Ferdie', '--deployment', file]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /0 entries/);
    assert.match(r.stdout, /chain verified off-chain/);
  });
});
