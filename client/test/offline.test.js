// Offline tests: no node needed. They read the release bundles in
// $CARGO_TARGET_DIR/contracts (default target/contracts; scripts/build.sh).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { compactStripLength, u8aConcat, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';

import { tempDir } from '../test-support/tmp.js';
import {
  CONTRACTS,
  MedrecError,
  bundlePath,
  contractInfo,
  dataHash,
  decodeContractEvent,
  decodeContractEvents,
  dispatchErrorName,
  depositOf,
  group,
  interpretDryRun,
  isRevert,
  loadBundle,
  sha256,
  signer,
  splitOutput,
  toPlain,
  weightOf,
} from '../lib/medrec.js';

const CLI = fileURLToPath(new URL('../cli.js', import.meta.url));
const bundles = {};
let alice;
let ferdie;

before(async () => {
  await cryptoWaitReady();
  for (const c of CONTRACTS) bundles[c.key] = loadBundle(c.snake);
  alice = signer('//Alice');
  ferdie = signer('//Ferdie');
});

/** Builds a message's output value (what the dry run would decode) from plain data. */
function output(abi, message, value) {
  const m = abi.findMessage(message);
  return abi.registry.createType(m.returnType.lookupName || m.returnType.type, value);
}

/** A ContractExecResult as the contracts runtime API returns it, built in the ABI's registry. */
function execResult(abi, { revert, data, err }) {
  return abi.registry.createType('ContractExecResult', {
    gasConsumed: { refTime: 1_000_000_000n, proofSize: 20_000n },
    gasRequired: { refTime: 9_007_199_254_740_993n, proofSize: 30_000n }, // > 2^53: must stay exact
    storageDeposit: { Charge: 5_000_000_000n },
    debugMessage: '',
    result: err ? { Err: err } : { Ok: { flags: revert ? 1 : 0, data: u8aToHex(data) } },
  });
}

/** Mirrors ContractPromise.query: decode the output only when the call itself succeeded. */
function dryRunOf(abi, message, res) {
  const m = abi.findMessage(message);
  const out = res.result.isOk
    ? abi.registry.createTypeUnsafe(m.returnType.lookupName || m.returnType.type, [res.result.asOk.data.toU8a(true)], { isPedantic: true })
    : null;
  return { result: res.result, output: out, gasRequired: res.gasRequired, gasConsumed: res.gasConsumed, storageDeposit: res.storageDeposit };
}

describe('bundles', () => {
  test('each .contract loads into an Abi with the expected constructor and messages', () => {
    const expect = {
      accessControl: {
        ctorArgs: ['first_admin', 'credentials_hash'],
        messages: ['register_provider', 'verify_provider', 'activate_emergency_access', 'review_emergency_access', 'unreviewed_emergency_windows'],
      },
      patientConsent: {
        ctorArgs: ['access_control'],
        messages: ['register_patient', 'grant_consent', 'request_access', 'approve_access_request', 'history', 'set_emergency_preference', 'pending_requests'],
      },
      recordManagement: {
        ctorArgs: ['consent_contract', 'access_control'],
        messages: ['create_record', 'get_record', 'update_record', 'grant_permission', 'audit_trail', 'audit_head', 'audit_entry', 'patient_records'],
      },
    };
    for (const c of CONTRACTS) {
      const b = bundles[c.key];
      assert.equal(b.path, bundlePath(c.crate));
      assert.equal(b.json.version, 5, `${c.crate}: ink! metadata v5`);
      assert.match(b.codeHash, /^0x[0-9a-f]{64}$/);
      assert.deepEqual([...b.abi.info.source.wasm.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d], `${c.crate}: wasm magic`);
      const ctor = b.abi.findConstructor('new');
      assert.deepEqual(ctor.args.map((a) => a.name), expect[c.key].ctorArgs.map((s) => s.replace(/_(\w)/g, (_, x) => x.toUpperCase())));
      const ids = b.abi.messages.map((m) => m.identifier);
      for (const m of expect[c.key].messages) assert.ok(ids.includes(m), `${c.crate} has ${m}`);
      for (const gone of ['share_key', 'get_wrapped_key', 'revoke_key_share']) assert.ok(!ids.includes(gone), `${c.crate}: no ${gone}`);
      assert.ok(b.abi.events.length > 0);
    }
  });

  test('contract names resolve in every spelling', () => {
    for (const n of ['record-management', 'record_management', 'recordManagement', 'rm']) {
      assert.equal(contractInfo(n).key, 'recordManagement');
    }
    assert.throws(() => contractInfo('nope'), /unknown contract/);
  });

  test('arguments encode as the contract expects, sparse enums included', () => {
    const ac = bundles.accessControl.abi;
    const rp = ac.findMessage('register_provider');
    const [, data] = compactStripLength(rp.toU8a([ferdie.address, 'Doctor', `0x${'c0'.repeat(32)}`]));
    // selector (4), AccountId (32), Role::Doctor = 2 (explicit discriminant), hash (32)
    assert.equal(data.length, 4 + 32 + 1 + 32);
    assert.equal(u8aToHex(data.subarray(0, 4)), rp.selector.toHex());
    assert.equal(data[4 + 32], 2);
    const rm = bundles.recordManagement.abi;
    const cr = rm.findMessage('create_record');
    assert.deepEqual(
      cr.args.map((a) => a.name),
      ['patient', 'recordType', 'dataHash', 'keyId', 'size', 'mimeCode', 'confidentiality', 'purpose'],
      'no locator: the content address is the data hash',
    );
    const enc = cr.toU8a([ferdie.address, 'Diagnosis', `0x${'11'.repeat(32)}`, `0x${'22'.repeat(32)}`, 64, 0, 'Restricted', 'Research']);
    assert.equal(enc[enc.length - 2], 2, 'Confidentiality::Restricted = 2');
    assert.equal(enc[enc.length - 1], 4, 'Purpose::Research = 4');
    const gc = bundles.patientConsent.abi.findMessage('grant_consent');
    const [, consent] = compactStripLength(gc.toU8a([ferdie.address, alice.address, 'LabResults', 1000, ['Treatment', 'Research']]));
    assert.deepEqual([...consent.subarray(consent.length - 3)], [8, 0, 4], 'purposes as a Vec<Purpose>: length 2 (compact), Treatment, Research');
  });
});

describe('error decoding', () => {
  test('every Err variant of record-management is named, as the contract error', () => {
    const abi = bundles.recordManagement.abi;
    const errType = abi.registry.createType(abi.findMessage('get_record').returnType.sub[0].sub[1].lookupName);
    const variants = errType.defKeys;
    assert.ok(variants.includes('ConsentRequired') && variants.includes('EmergencyAccessReadOnly'));
    for (const v of variants) {
      const split = splitOutput(output(abi, 'get_record', { Ok: { Err: v } }));
      assert.deepEqual(split, { ok: false, kind: 'ContractError', variant: v });
    }
  });

  test('the JSON shapes of the output are as documented', () => {
    const abi = bundles.recordManagement.abi;
    assert.deepEqual(output(abi, 'get_record', { Ok: { Err: 'NoPermission' } }).toJSON(), { ok: { err: 'NoPermission' } });
    assert.deepEqual(output(abi, 'get_record', { Err: 'CouldNotReadInput' }).toJSON(), { err: 'CouldNotReadInput' });
    assert.deepEqual(output(abi, 'code_version', { Ok: 3 }).toJSON(), { ok: 3 });
  });

  test('LangError is named as such', () => {
    const split = splitOutput(output(bundles.accessControl.abi, 'register_provider', { Err: 'CouldNotReadInput' }));
    assert.deepEqual(split, { ok: false, kind: 'LangError', variant: 'CouldNotReadInput' });
  });

  test('every contract: Err variants of each fallible message decode to their names', () => {
    for (const c of CONTRACTS) {
      const abi = bundles[c.key].abi;
      for (const m of abi.messages) {
        const okSide = m.returnType.sub?.[0];
        if (okSide?.namespace !== 'Result') continue;
        const errName = okSide.sub[1].lookupName;
        const variants = abi.registry.createType(errName).defKeys;
        const v = variants[variants.length - 1];
        const split = splitOutput(output(abi, m.identifier, { Ok: { Err: v } }));
        assert.equal(split.variant, v, `${c.crate}.${m.identifier}`);
      }
    }
  });

  test('a reverted dry run becomes a MedrecError naming the variant', () => {
    const abi = bundles.recordManagement.abi;
    const data = output(abi, 'get_record', { Ok: { Err: 'ConsentRequired' } }).toU8a();
    const dry = dryRunOf(abi, 'get_record', execResult(abi, { revert: true, data }));
    const verdict = interpretDryRun({ contract: 'record-management', message: 'get_record', dryRun: dry, registry: abi.registry });
    assert.equal(verdict.ok, false);
    assert.ok(verdict.error instanceof MedrecError);
    assert.equal(verdict.error.message, 'record-management.get_record: ConsentRequired');
    assert.equal(verdict.error.kind, 'ContractError');
    assert.equal(verdict.error.variant, 'ConsentRequired');
    assert.deepEqual(verdict.error.gasRequired, { refTime: '9007199254740993', proofSize: '30000' });
  });

  test('a successful dry run yields the Ok value as plain data', () => {
    const abi = bundles.recordManagement.abi;
    const view = {
      record_id: 7,
      meta: {
        patient: ferdie.address, record_type: 'Diagnosis', data_hash: `0x${'ab'.repeat(32)}`,
        key_id: `0x${'11'.repeat(32)}`, size: 64, mime_code: 0, confidentiality: 'Restricted', status: 'Active', status_before_lock: null,
        version: 1, patient_authored: false, created_by: alice.address, created_at: 1_795_392_000_000n, updated_by: alice.address, updated_at: 1_795_392_000_000n,
        retention_until: 2n ** 63n,
      },
      access: 'Emergency',
      audit_index: 12,
    };
    const data = output(abi, 'get_record', { Ok: { Ok: view } }).toU8a();
    const dry = dryRunOf(abi, 'get_record', execResult(abi, { revert: false, data }));
    const verdict = interpretDryRun({ contract: 'record-management', message: 'get_record', dryRun: dry, registry: abi.registry });
    assert.equal(verdict.ok, true);
    const v = verdict.value;
    assert.equal(v.record_id, '7');
    assert.equal(v.meta.patient, ferdie.address);
    assert.equal(v.meta.record_type, 'Diagnosis');
    assert.equal(v.meta.confidentiality, 'Restricted');
    assert.equal(v.meta.size, '64');
    assert.equal(v.meta.mime_code, 0);
    assert.equal(v.meta.version, 1);
    assert.equal(v.meta.retention_until, (2n ** 63n).toString());
    assert.equal(v.meta.status_before_lock, null);
    assert.equal(v.meta.patient_authored, false);
    assert.equal(v.access, 'Emergency');
    assert.equal(v.audit_index, '12');
    assert.equal(v.wrapped_key, undefined, 'no key of any kind comes back from the chain');
    assert.equal(weightOf(dry.gasRequired).refTime, '9007199254740993');
    assert.equal(depositOf(dry.storageDeposit), '5000000000');
  });

  test('the revert flag is read whether polkadot.js types it as a Set or as the metadata-v15 struct {bits}', async () => {
    const { TypeRegistry } = await import('@polkadot/types');
    const reg = new TypeRegistry();
    // The shape api.call.contractsApi.call has when the runtime APIs come from metadata v15.
    reg.register({
      V15ReturnFlags: { bits: 'u32' },
      V15ExecReturnValue: { flags: 'V15ReturnFlags', data: 'Bytes' },
      V15ContractResult: {
        gasConsumed: 'WeightV2', gasRequired: 'WeightV2', storageDeposit: 'StorageDeposit', debugMessage: 'Bytes',
        result: 'Result<V15ExecReturnValue, DispatchError>', events: 'Option<Vec<u8>>',
      },
    });
    assert.equal(isRevert(reg.createType('V15ReturnFlags', { bits: 1 })), true);
    assert.equal(isRevert(reg.createType('V15ReturnFlags', { bits: 0 })), false);
    assert.equal(isRevert(reg.createType('ContractReturnFlags', 1)), true);
    assert.equal(isRevert(reg.createType('ContractReturnFlags', 0)), false);
    const abi = bundles.recordManagement.abi;
    const data = output(abi, 'get_record', { Ok: { Err: 'RecordLocked' } }).toU8a();
    const res = reg.createType('V15ContractResult', {
      gasConsumed: { refTime: 1, proofSize: 2 }, gasRequired: { refTime: 3, proofSize: 4 }, storageDeposit: { Charge: 0 }, debugMessage: '0x',
      result: { Ok: { flags: { bits: 1 }, data: u8aToHex(data) } }, events: null,
    });
    const verdict = interpretDryRun({ contract: 'record-management', message: 'get_record', dryRun: dryRunOf(abi, 'get_record', res), registry: reg });
    assert.equal(verdict.error.message, 'record-management.get_record: RecordLocked');
    // Revert flag set but an Ok output (never produced by ink!, but must not pass silently).
    const okData = output(abi, 'code_version', { Ok: 1 }).toU8a();
    const res2 = reg.createType('V15ContractResult', {
      gasConsumed: { refTime: 1, proofSize: 2 }, gasRequired: { refTime: 3, proofSize: 4 }, storageDeposit: { Charge: 0 }, debugMessage: '0x',
      result: { Ok: { flags: { bits: 1 }, data: u8aToHex(okData) } }, events: null,
    });
    const v2 = interpretDryRun({ contract: 'record-management', message: 'code_version', dryRun: dryRunOf(abi, 'code_version', res2), registry: reg });
    assert.equal(v2.ok, false);
    assert.equal(v2.error.kind, 'Reverted');
  });

  test('a dispatch error of the dry run is named section.Name', () => {
    const abi = bundles.recordManagement.abi;
    const res = execResult(abi, { err: { Module: { index: 8, error: '0x0b000000' } } });
    const registry = {
      findMetaError: ({ index, error }) => {
        assert.equal(index.toNumber(), 8);
        assert.equal(error.toHex(), '0x0b000000');
        return { section: 'contracts', name: 'ContractTrapped' };
      },
    };
    const verdict = interpretDryRun({ contract: 'record-management', message: 'get_record', dryRun: dryRunOf(abi, 'get_record', res), registry });
    assert.equal(verdict.error.message, 'record-management.get_record: contracts.ContractTrapped');
    assert.equal(verdict.error.kind, 'DispatchError');
  });

  test('a refund is a negative deposit', () => {
    const reg = bundles.recordManagement.abi.registry;
    assert.equal(depositOf(reg.createType('StorageDeposit', { Refund: 12n })), '-12');
    assert.equal(depositOf(reg.createType('StorageDeposit', { Charge: 0n })), '0');
  });
});

describe('event decoding', () => {
  /** A ContractEmitted EventRecord as pallet-contracts deposits it: topics[0] = signature topic, data = all fields. */
  function emitted(abi, contractAddress, label, values) {
    const ev = abi.events.find((e) => e.identifier.endsWith(`::${label}`));
    assert.ok(ev, label);
    const data = u8aConcat(...ev.args.map((a, i) => abi.registry.createType(a.type.lookupName || a.type.type, values[i]).toU8a()));
    return {
      topics: [abi.registry.createType('Hash', ev.signatureTopic)],
      event: { section: 'contracts', method: 'ContractEmitted', data: [abi.registry.createType('AccountId', contractAddress), abi.registry.createType('Bytes', u8aToHex(data))] },
    };
  }

  test('AuditAppended and ConsentGranted decode with their fields, and name no data type', () => {
    const rmAddr = signer('//rm-test').address;
    const pcAddr = signer('//pc-test').address;
    const rm = bundles.recordManagement.abi;
    const pc = bundles.patientConsent.abi;
    const abis = new Map([
      [u8aToHex(signer('//rm-test').publicKey), { name: 'record-management', abi: rm }],
      [u8aToHex(signer('//pc-test').publicKey), { name: 'patient-consent', abi: pc }],
    ]);
    const head = `0x${'ab'.repeat(32)}`;
    const e1 = decodeContractEvent(emitted(rm, rmAddr, 'AuditAppended', [ferdie.address, alice.address, 3, 'Created', 42, null, 'Treatment', head]), abis);
    assert.deepEqual(e1, {
      contract: 'record-management',
      name: 'AuditAppended',
      args: { patient: ferdie.address, actor: alice.address, index: '3', action: 'Created', record_id: '42', subject: null, purpose: 'Treatment', head },
    });
    const e2 = decodeContractEvent(
      emitted(pc, pcAddr, 'ConsentGranted', [ferdie.address, alice.address, ferdie.address, 0b10001, 1_797_984_000_000n, 3]),
      abis,
    );
    assert.equal(e2.name, 'ConsentGranted');
    assert.deepEqual(e2.args, {
      patient: ferdie.address, provider: alice.address, actor: ferdie.address, purposes: 17,
      expires_at: '1797984000000', request_id: '3',
    });
  });

  test('an event shared by name and topic (Paused) is decoded with the emitting contract\'s ABI', () => {
    const rm = bundles.recordManagement.abi;
    const pc = bundles.patientConsent.abi;
    const rmPair = signer('//rm-test');
    const abis = new Map([[u8aToHex(rmPair.publicKey), { name: 'record-management', abi: rm }]]);
    const e = decodeContractEvent(emitted(pc, rmPair.address, 'Paused', [alice.address]), abis);
    assert.deepEqual(e, { contract: 'record-management', name: 'Paused', args: { actor: alice.address } });
  });

  test('an event of an unknown contract is returned raw', () => {
    const rm = bundles.recordManagement.abi;
    const e = decodeContractEvent(emitted(rm, signer('//stranger').address, 'Paused', [alice.address]), new Map());
    assert.equal(e.name, null);
    assert.match(e.data, /^0x/);
  });
});

describe('with the chain types of a contracts node (static metadata shipped in @polkadot/types-support)', () => {
  let chain = null;
  before(async () => {
    try {
      const { default: hex } = await import('@polkadot/types-support/metadata/static-substrate-contracts-node');
      const { Metadata, TypeRegistry, expandMetadata } = await import('@polkadot/types');
      const registry = new TypeRegistry();
      const metadata = new Metadata(registry, hex);
      registry.setMetadata(metadata);
      chain = { registry, decorated: expandMetadata(registry, metadata) };
    } catch {
      chain = null;
    }
  });

  test('a real EventRecord of contracts.ContractEmitted decodes with the emitter\'s ABI', (t) => {
    if (!chain) return t.skip('static metadata not available');
    const { registry, decorated } = chain;
    const rm = bundles.recordManagement.abi;
    const ev = rm.events.find((e) => e.identifier.endsWith('::AuditAppended'));
    const values = [ferdie.address, alice.address, 9, 'EmergencyRead', 4, null, 'EmergencyTreatment', `0x${'cd'.repeat(32)}`];
    const data = u8aConcat(...ev.args.map((a, i) => rm.registry.createType(a.type.lookupName || a.type.type, values[i]).toU8a()));
    const meta = decorated.events.contracts.ContractEmitted.meta;
    const palletIndex = registry.metadata.pallets.find((p) => p.name.eq('Contracts')).index.toNumber();
    const contract = signer('//rm-test');
    const eventBytes = u8aConcat(
      new Uint8Array([palletIndex, meta.index.toNumber()]),
      registry.createType('AccountId', contract.address).toU8a(),
      registry.createType('Bytes', u8aToHex(data)).toU8a(),
    );
    const record = registry.createType('EventRecord', {
      phase: { ApplyExtrinsic: 1 },
      event: eventBytes,
      topics: [ev.signatureTopic, u8aToHex(ferdie.publicKey)],
    });
    assert.equal(record.event.section, 'contracts');
    assert.equal(record.event.method, 'ContractEmitted');
    const abis = new Map([[u8aToHex(contract.publicKey), { name: 'record-management', abi: rm }]]);
    const api = { events: decorated.events };
    const other = registry.createType('EventRecord', { phase: { ApplyExtrinsic: 1 }, event: new Uint8Array([0, 0]), topics: [] });
    const out = decodeContractEvents(api, [other, record], abis);
    assert.deepEqual(out, [{
      contract: 'record-management',
      name: 'AuditAppended',
      args: {
        patient: ferdie.address, actor: alice.address, index: '9', action: 'EmergencyRead', record_id: '4', subject: null,
        purpose: 'EmergencyTreatment', head: `0x${'cd'.repeat(32)}`,
      },
    }]);
  });

  test('module errors are named from the chain metadata (contracts.ContractReverted)', (t) => {
    if (!chain) return t.skip('static metadata not available');
    const { registry, decorated } = chain;
    const palletIndex = registry.metadata.pallets.find((p) => p.name.eq('Contracts')).index.toNumber();
    const errIndex = decorated.errors.contracts.ContractReverted.meta.index.toNumber();
    const err = registry.createType('DispatchError', { Module: { index: palletIndex, error: u8aToHex(new Uint8Array([errIndex, 0, 0, 0])) } });
    assert.equal(dispatchErrorName(registry, err), 'contracts.ContractReverted');
    assert.equal(dispatchErrorName(registry, registry.createType('DispatchError', 'BadOrigin')), 'BadOrigin');
    assert.equal(dispatchErrorName(registry, registry.createType('DispatchError', { Token: 'NoFunds' })), 'Token.NoFunds');
  });
});

describe('values', () => {
  test('numbers stay exact: u64 as decimal strings, u32 as numbers', () => {
    const reg = bundles.recordManagement.abi.registry;
    assert.equal(toPlain(reg.createType('u64', 2n ** 64n - 1n)), '18446744073709551615');
    assert.equal(toPlain(reg.createType('u128', 10n ** 30n)), (10n ** 30n).toString());
    assert.equal(toPlain(reg.createType('u32', 4_000_000_000)), 4_000_000_000);
    assert.equal(toPlain(reg.createType('Option<u64>', null)), null);
    assert.equal(group('1234567'), '1,234,567');
    assert.equal(group(-1234n), '-1,234');
  });
});

describe('record hashes', () => {
  // The vault itself (medvault's format through its WebAssembly build) is
  // tested in vault.test.js, vault-vectors.test.js and vault-interop.test.js.
  test('the data hash is SHA-256 of the ciphertext', () => {
    assert.equal(dataHash(Buffer.from('abc')), '0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(sha256(Buffer.alloc(0)).toString('hex'), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});

describe('cli', () => {
  const run = (...args) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, MEDREC_WS: '' } });

  test('help and messages work offline', () => {
    const help = run('help');
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /usage: node client\/cli\.js/);
    const msgs = run('messages', 'rm');
    assert.equal(msgs.status, 0, msgs.stderr);
    assert.match(msgs.stdout, /record-management\.get_record\(patient: AccountId, recordId: u64, purpose: Purpose\)  \[tx\]/);
  });

  test('no node: a one-line error and a non-zero exit', () => {
    const dir = tempDir('medrec-cli-');
    const file = join(dir, 'local.json');
    writeFileSync(file, JSON.stringify({ ws: 'ws://127.0.0.1:1', addresses: { accessControl: alice.address, patientConsent: alice.address, recordManagement: alice.address } }));
    const r = run('query', 'rm', 'stats', '--deployment', file, '--ws', 'ws://127.0.0.1:1');
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^error: no node answers at ws:\/\/127\.0\.0\.1:1 \(start it with scripts\/node\.sh start\)/);
  });

  test('usage errors exit 2', () => {
    const r = run('frobnicate');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown command/);
  });
});

describe('journey script (against a scripted stand-in for the contracts)', () => {
  // Exercises lib/journey.js's own logic (step order, the off-chain vault
  // round trip, denied steps, re-run skipping) without a node; the node test
  // runs the same script against the real contracts.
  class FakeMedrec {
    constructor(acc) {
      this.acc = acc;
      this.addresses = { accessControl: acc.alice.address, patientConsent: acc.bob.address, recordManagement: acc.charlie.address };
      this.providers = new Map();
      this.patients = new Set();
      this.audit = [];
      this.permission = false;
      this.locked = false;
      this.records = new Map();
      this.nextRecord = 1;
    }
    r(value, name, args = {}) {
      return { value, gasRequired: { refTime: '1234567', proofSize: '4321' }, storageDeposit: '-5', events: name ? [{ contract: 'x', name, args }] : [], blockHash: `0x${'00'.repeat(32)}` };
    }
    deny(variant) {
      throw new MedrecError(`record-management.x: ${variant}`, { kind: 'ContractError', variant, gasRequired: { refTime: '1', proofSize: '2' } });
    }
    append(entry) {
      const index = String(this.audit.length);
      this.audit.push({ at: String(Date.now()), ...entry });
      return this.r(entry.value ?? null, 'AuditAppended', { index, action: entry.action, record_id: entry.record_id ?? null });
    }
    async getProvider(who) { return this.providers.get(who) ?? null; }
    async registerProvider(_o, who, role) { this.providers.set(who, { role, verified: false }); return this.r(null, 'ProviderRegistered', { provider: who, role }); }
    async verifyProvider(_v, who) { this.providers.get(who).verified = true; return this.r(null, 'ProviderVerified', { provider: who }); }
    async getPatient(who) { return this.patients.has(who) ? { history_len: '0' } : null; }
    async registerPatient(p) { this.patients.add(p.address); return this.r(null, 'PatientRegistered', { patient: p.address }); }
    async auditHead() { return { len: String(this.audit.length), head: `0x${'00'.repeat(32)}` }; }
    async auditEntry(_p, index) { return this.audit[Number(index)] ?? null; }
    async requestAccess() { return this.r('7', 'AccessRequested', { request_id: '7' }); }
    async approveAccess(_p, id, _d, types, level) {
      assert.equal(id, '7');
      assert.deepEqual([types, level], [['Diagnosis'], 'Write']);
      this.permission = true;
      return this.append({ action: 'PermissionGranted', actor: this.acc.ferdie.address, value: '1797984000000' });
    }
    async createRecord(_c, _p, _t, rec) {
      assert.match(rec.dataHash, /^0x[0-9a-f]{64}$/);
      assert.match(rec.keyId, /^0x[0-9a-f]{64}$/);
      assert.equal(rec.locator, undefined, 'no locator goes on-chain');
      const id = String(this.nextRecord++);
      this.records.set(id, rec);
      return this.append({ action: 'Created', actor: this.acc.charlie.address, record_id: id, value: id });
    }
    async getRecord(reader, _p, id, purpose) {
      if (reader === this.acc.dave) this.deny('ConsentRequired');
      if (reader === this.acc.charlie && purpose !== 'Treatment') this.deny('PurposeNotConsented');
      if (reader === this.acc.charlie && !this.permission) this.deny('NoPermission');
      if (reader === this.acc.charlie && this.locked) this.deny('RecordLocked');
      const rec = this.records.get(id);
      const emergency = reader === this.acc.eve;
      const index = String(this.audit.length);
      const view = { record_id: id, meta: { data_hash: rec.dataHash }, access: emergency ? 'Emergency' : 'Permission', audit_index: index };
      return this.append({ action: emergency ? 'EmergencyRead' : 'Read', actor: reader.address, record_id: id, purpose, value: view });
    }
    async activateEmergencyAccess() { return this.r(['1', '1795478400000'], 'EmergencyAccessActivated', { window_id: '1' }); }
    async updateRecord(who) { if (who === this.acc.eve) this.deny('EmergencyAccessReadOnly'); return this.r(2); }
    async endEmergencyAccess() { return this.r('1', 'EmergencyAccessEnded'); }
    async reviewEmergencyAccess(_b, id) { assert.equal(id, '1'); return this.r(null, 'EmergencyAccessReviewed'); }
    async lockRecord() { this.locked = true; return this.append({ action: 'Locked', actor: this.acc.ferdie.address }); }
    async unlockRecord() { this.locked = false; return this.append({ action: 'Unlocked', actor: this.acc.ferdie.address }); }
    async revokePermission() { this.permission = false; return this.append({ action: 'PermissionRevoked', actor: this.acc.ferdie.address }); }
    async revokeConsent() { return this.r(null, 'ConsentRevoked'); }
    async verifyAuditChain() { return { entries: this.audit, head: `0x${'ab'.repeat(32)}`, len: String(this.audit.length), verified: true, brokenAt: null }; }
    async consentHistory() { return [{ action: 'Granted', actor: this.acc.ferdie.address, subject: this.acc.charlie.address }]; }
    async patientEmergencyWindows() { return [{ id: '1', window: { provider: this.acc.eve.address, reason: 'PatientUnconscious', review: { outcome: 'Justified' } }, state: 'Ended' }]; }
  }

  test('runs end to end, records denied steps, and skips registrations on a second run', async () => {
    const { devAccounts } = await import('../lib/medrec.js');
    const { runJourney } = await import('../lib/journey.js');
    const acc = await devAccounts();
    const fake = new FakeMedrec(acc);
    const lines = [];
    const s = await runJourney(fake, { accounts: acc, log: (l) => lines.push(l), storeDir: tempDir('medrec-j-') });
    assert.ok(lines.some((l) => l.trim() === 'journey complete'));
    assert.ok(lines.some((l) => /Dr Charlie opened vault:\/\/sha256\/[0-9a-f]{64}: hash matches the chain/.test(l)), 'the record round-trips off-chain');
    assert.ok(lines.some((l) => /ref_time\s+1,234,567\s+proof_size\s+4,321\s+deposit\s+-5/.test(l)), 'gas and deposit are printed');
    const denied = s.steps.filter((x) => !x.ok).map((x) => x.error.variant);
    assert.deepEqual(denied, ['ConsentRequired', 'PurposeNotConsented', 'EmergencyAccessReadOnly', 'RecordLocked', 'NoPermission']);
    assert.equal(s.steps.filter((x) => x.skipped).length, 0);
    assert.equal(s.recordId, '1');
    assert.equal(s.requestId, '7');
    const again = await runJourney(fake, { accounts: acc, log: () => {}, storeDir: tempDir('medrec-j-') });
    assert.equal(again.steps.filter((x) => x.skipped).length, 7, '3 registrations, 3 verifications, 1 patient');
    assert.equal(again.recordId, '2');
  });
});
