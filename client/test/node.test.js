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
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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
    // Each contract runs its hot shell (uploaded by the deployment), which
    // stores the bundle's full code (medrec_types::split).
    for (const inst of d.instantiations) {
      const key = Object.keys(d.addresses).find((k) => d.addresses[k] === inst.address);
      assert.match(inst.hotShell ?? '', /^0x[0-9a-f]{64}$/, `${inst.contract} has a hot shell in its bundle`);
      assert.notEqual(inst.hotShell, d.codeHashes[key]);
      const info = await api.query.contracts.contractInfoOf(inst.address);
      assert.equal(info.unwrap().codeHash.toHex(), inst.hotShell, `${inst.contract} runs its hot shell`);
      assert.equal(await medrec.fullCodeOf(inst.address), d.codeHashes[key], `${inst.contract}'s shell forwards to the bundle's code`);
    }
    const admin = await medrec.query('accessControl', 'admin', null);
    assert.equal(admin.owner, acc.alice.address);
    assert.equal(admin.pending_owner, null);
    assert.equal(admin.paused, false);
    assert.equal(d.firstAdmin, acc.bob.address);
    const bob = await medrec.getProvider(acc.bob.address);
    assert.deepEqual([bob.role, bob.verified, bob.active], ['Admin', true, true], 'the first admin comes with the deployment');
    assert.equal(await medrec.query('patientConsent', 'access_control', null), accessControl);
    assert.equal(await medrec.query('patientConsent', 'record_management', null), recordManagement);
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

    let e = eventOf(step['Alice registers Dr Charlie as Doctor'], 'ProviderRegistered');
    assert.deepEqual(e, { provider: charlie.address, actor: alice.address, role: 'Doctor', credentials_hash: CREDS });
    assert.equal(eventOf(step['Alice registers Nurse Dave as Nurse'], 'ProviderRegistered').provider, dave.address);
    assert.equal(eventOf(step['Alice registers Eve as Emergency'], 'ProviderRegistered').role, 'Emergency');
    assert.deepEqual(eventOf(step['Bob verifies Dr Charlie'], 'ProviderVerified'), { provider: charlie.address, actor: bob.address });
    assert.deepEqual(eventOf(step['Ferdie registers as a patient'], 'PatientRegistered'), { patient: ferdie.address, actor: ferdie.address });

    e = eventOf(step['Dr Charlie requests MedicalRecords (TREAT)'], 'AccessRequested');
    assert.deepEqual(e, { patient: ferdie.address, actor: charlie.address, request_id: s.requestId, purpose: 'Treatment' });
    const approve = step['Ferdie approves: 30 days, Write on Diagnosis'];
    assert.deepEqual(
      approve.events.map((x) => `${x.contract}.${x.name}`),
      ['record-management.AuditAppended', 'patient-consent.ConsentGranted', 'patient-consent.AccessRequestApproved'],
      'record-management records the permission, then patient-consent its two events',
    );
    e = eventOf(approve, 'AuditAppended');
    assert.deepEqual([e.actor, e.action, e.subject], [ferdie.address, 'PermissionGranted', charlie.address]);
    e = eventOf(approve, 'ConsentGranted');
    assert.equal(e.request_id, s.requestId);
    assert.equal(e.actor, ferdie.address);
    // The returned value is the dry run's (one block earlier); the event has
    // the expiry the chain stored: the including block's time + 30 days.
    const blockTime = (await (await api.at(approve.blockHash)).query.timestamp.now()).toBigInt();
    assert.equal(e.expires_at, String(blockTime + BigInt(30 * DAY)), 'the event carries the stored expiry');
    assert.deepEqual(eventOf(approve, 'AccessRequestApproved'), {
      patient: ferdie.address, provider: charlie.address, actor: ferdie.address, request_id: s.requestId, permissions: 1,
    });
    const permission = await medrec.query('recordManagement', 'get_permission', null, ferdie.address, charlie.address, 'Diagnosis');
    assert.equal(permission.level, 'Write');
    assert.equal(permission.request_id, s.requestId);

    const create = step["Dr Charlie creates Ferdie's diagnosis record"];
    e = eventOf(create, 'AuditAppended');
    assert.deepEqual([e.actor, e.action, e.record_id, e.purpose], [charlie.address, 'Created', s.recordId, 'Treatment']);
    assert.ok(BigInt(create.storageDeposit) > 0n, 'a new record pays a storage deposit');

    const read = step['Dr Charlie reads the record (a recorded read, TREAT)'];
    e = eventOf(read, 'AuditAppended');
    assert.deepEqual([e.actor, e.action, e.record_id, e.purpose, e.index], [charlie.address, 'Read', s.recordId, 'Treatment', s.auditIndex]);
    assert.equal(read.value.access, 'Permission');
    assert.equal(read.value.wrapped_key, undefined, 'no key comes from the chain');
    const trailHead = await medrec.auditHead(ferdie.address);
    assert.ok(BigInt(trailHead.len) > BigInt(s.auditIndex));

    const daveRead = step['Nurse Dave reads it (no consent)'];
    assert.equal(daveRead.ok, false);
    assert.equal(daveRead.error.variant, 'ConsentRequired');
    assert.equal(daveRead.error.kind, 'ContractError');
    assert.equal(daveRead.events.length, 0);
    assert.equal(step['Dr Charlie reads it for research (not consented)'].error.variant, 'PurposeNotConsented');

    e = eventOf(step['Eve opens an emergency window (unconscious)'], 'EmergencyAccessActivated');
    assert.deepEqual([e.actor, e.patient, e.reason, e.window_id], [eve.address, ferdie.address, 'PatientUnconscious', s.windowId]);
    assert.equal(e.note_hash, u8aToHex(new Uint8Array(32).fill(0x0e)));
    const eread = step['Eve reads it under the window (ETREAT)'];
    e = eventOf(eread, 'AuditAppended');
    assert.deepEqual([e.actor, e.action, e.purpose], [eve.address, 'EmergencyRead', 'EmergencyTreatment']);
    assert.equal(eread.value.access, 'Emergency');
    assert.equal(step['Eve tries to update it (windows are read-only)'].error.variant, 'EmergencyAccessReadOnly');
    assert.equal(eventOf(step['Eve ends her window'], 'EmergencyAccessEnded').actor, eve.address);
    e = eventOf(step['Bob reviews the window: justified'], 'EmergencyAccessReviewed');
    assert.deepEqual([e.actor, e.window_id, e.outcome], [bob.address, s.windowId, 'Justified']);
    assert.equal(step['Dr Charlie reads the locked record'].error.variant, 'RecordLocked');

    e = eventOf(step["Ferdie revokes Dr Charlie's permission"], 'AuditAppended');
    assert.deepEqual([e.actor, e.action, e.subject], [ferdie.address, 'PermissionRevoked', charlie.address]);
    assert.equal(step['Dr Charlie reads again'].error.variant, 'NoPermission');
    assert.deepEqual(eventOf(step["Ferdie revokes Dr Charlie's consent"], 'ConsentRevoked'), {
      patient: ferdie.address, provider: charlie.address, actor: ferdie.address,
    });

    // No event names a record type, a data type or a data hash.
    for (const x of s.steps) {
      for (const ev of x.events) {
        for (const k of ['record_type', 'data_type', 'data_hash', 'locator', 'wrapped_key']) assert.ok(!(k in (ev.args ?? {})), `${x.label}: ${ev.name} has ${k}`);
      }
    }

    // The audit trail: only the allowed actions, hash-chained, verified off-chain.
    assert.equal(s.audit.verified, true);
    assert.deepEqual(s.audit.entries.map((x) => x.action), ['PermissionGranted', 'Created', 'Read', 'EmergencyRead', 'Locked', 'Unlocked', 'PermissionRevoked']);
    assert.deepEqual(s.audit.entries.map((x) => x.actor), [ferdie, charlie, charlie, eve, ferdie, ferdie, ferdie].map((p) => p.address));
    assert.equal(s.audit.len, '7');
    assert.deepEqual(s.history.map((h) => h.action), ['Granted', 'Revoked']);
    assert.deepEqual(s.windows.map((w) => [w.state, w.window.review?.outcome]), [['Ended', 'Justified']]);

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
    const { alice, bob, charlie, dave, ferdie } = acc;
    await medrec.registerProvider(alice, charlie.address, 'Doctor', CREDS);
    await medrec.verifyProvider(bob, charlie.address);
    await medrec.registerProvider(alice, dave.address, 'Nurse', CREDS);
    await medrec.verifyProvider(bob, dave.address);
    await medrec.registerPatient(ferdie);
    await medrec.grantConsent(ferdie, ferdie.address, charlie.address, 'MedicalRecords', 30 * DAY, ['Treatment']);
    await medrec.grantPermission(ferdie, ferdie.address, charlie.address, 'Diagnosis', 'Write', null, null);
    const hash = `0x${'5a'.repeat(32)}`;
    const created = await medrec.createRecord(charlie, ferdie.address, 'Diagnosis', {
      dataHash: hash, keyId: `0x${'11'.repeat(32)}`, size: 64, purpose: 'Treatment',
    });
    const recordId = created.value;
    assert.equal(recordId, '1');

    const snapshot = async () => ({
      head: await medrec.auditHead(ferdie.address),
      state: await medrec.query('recordManagement', 'patient_state', null, ferdie.address),
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
    await medrec.grantConsent(ferdie, ferdie.address, dave.address, 'MedicalRecords', 30 * DAY, ['Treatment']);
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
    for (const k of ['network', 'ws', 'genesisHash', 'block', 'codeHashes', 'deployedAt', 'deployer']) assert.ok(dep[k], k);
    assert.equal(dep.deployer, acc.alice.address);
    // Kept per chain too, and found by the chain's genesis hash when the named file is another chain's
    const perChain = join(dir, 'chains', `${dep.genesisHash}.json`);
    assert.deepEqual(JSON.parse(readFileSync(perChain, 'utf8')), dep);
    const other = join(dir, 'other-chain.json');
    writeFileSync(other, JSON.stringify({ ...dep, genesisHash: `0x${'11'.repeat(32)}`, addresses: {} }));
    let found = await runCli(['query', 'pc', 'get_patient', '//Ferdie', '--deployment', other, '--json']);
    assert.equal(found.status, 0, found.stderr);
    assert.equal(found.stderr.trim(), `note: ${other} is for another chain; using ${perChain}`);

    // Without --yes and without a terminal: the preview, and nothing sent
    r = await runCli(['call', 'pc', 'register_patient', '--as', '//Ferdie', '--deployment', file]);
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stdout, /^preview: patient-consent\.register_patient signed by /m);
    assert.match(r.stdout, /dry run: would succeed, returning null/);
    assert.match(r.stdout, /gas: ref_time \d+, proof_size \d+/);
    assert.match(r.stdout, /storage deposit: \d+ plancks; estimated fee: \d+ plancks/);
    assert.equal(r.stderr.trim(), 'not sent: patient-consent.register_patient was previewed only (answer y at the prompt, or pass --yes)');
    let q = await runCli(['query', 'pc', 'get_patient', '//Ferdie', '--deployment', file, '--json']);
    assert.equal(JSON.parse(q.stdout).value, null, 'nothing was written');

    // A secret on the command line is refused, and nothing is sent
    r = await runCli(['call', 'pc', 'register_patient', '--as', 'bottom drive obey lake curtain smoke basket hold race lonely fit walk//Ferdie', '--yes', '--deployment', file]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--as takes a development account .* \$MEDREC_SIGNER or a file named by --signer-file/);

    // With --yes, signed by the secret in $MEDREC_SIGNER
    r = await runCli(['call', 'pc', 'register_patient', '--yes', '--deployment', file], { MEDREC_SIGNER: '//Ferdie' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /patient-consent\.register_patient -> Ok\(null\)/);
    assert.match(r.stdout, /event patient-consent\.PatientRegistered/);

    // Refused at the preview: the error in plain words, exit 1, nothing sent
    r = await runCli(['call', 'pc', 'register_patient', '--as', '//Ferdie', '--yes', '--deployment', file]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /dry run: refused: PatientAlreadyRegistered\. \S/);
    assert.equal(r.stderr.trim(), 'error: patient-consent.register_patient: PatientAlreadyRegistered');

    q = await runCli(['query', 'pc', 'get_patient', '//Ferdie', '--deployment', file, '--json']);
    assert.equal(q.status, 0, q.stderr);
    assert.equal(JSON.parse(q.stdout).value.consents_granted, 0);

    r = await runCli(['audit', '//Ferdie', '--deployment', file]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /0 entries/);
    assert.match(r.stdout, /chain verified off-chain/);
  });
});
