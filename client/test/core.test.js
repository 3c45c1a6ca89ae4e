// The browser-safe core (lib/core/): nothing in it needs Node, the gateway's
// signed bytes are the format vault/core/src/request.rs defines and verify
// for both kinds of signer, and every contract error has plain words.

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { stringToU8a, u8aToHex, u8aWrapBytes } from '@polkadot/util';
import { cryptoWaitReady, signatureVerify } from '@polkadot/util-crypto';

import {
  CONTRACTS,
  ERROR_TEXTS,
  Gateway,
  GatewayError,
  MedrecError,
  explainError,
  extensionSigner,
  logEntryHash,
  pairSigner,
  signHeaders,
  signedBytes,
  signer,
  verifyLogEntries,
} from '../lib/core/index.js';
import { loadBundle } from '../lib/medrec.js';

const CORE = fileURLToPath(new URL('../lib/core/', import.meta.url));
let alice;

before(async () => {
  await cryptoWaitReady();
  alice = signer('//Alice');
});

describe('lib/core is browser-safe', () => {
  test('no node: module, no process, no Buffer, no require in any core file', () => {
    const files = readdirSync(CORE).filter((f) => f.endsWith('.js'));
    assert.ok(files.length >= 8, `core files: ${files}`);
    for (const f of files) {
      const src = readFileSync(`${CORE}${f}`, 'utf8').replace(/^\s*(\/\/|\*).*$/gm, '');
      for (const bad of [/from 'node:/, /import\('node:/, /\bprocess\./, /\bBuffer\b/, /\brequire\(/, /\b__dirname\b/]) {
        assert.doesNotMatch(src, bad, `${f} uses ${bad}`);
      }
    }
  });

  test('error-texts.js is what scripts/error-texts.mjs generates from the contracts', async () => {
    const { render } = await import('../scripts/error-texts.mjs');
    assert.equal(readFileSync(`${CORE}error-texts.js`, 'utf8'), render());
  });

  test('every Error variant in each contract\'s metadata has plain words', () => {
    for (const c of CONTRACTS) {
      const { json } = loadBundle(c.snake);
      const error = json.types.find((t) => (t.type.path ?? []).join('::').endsWith('::Error'));
      const variants = error.type.def.variant.variants.map((v) => v.name);
      assert.deepEqual(Object.keys(ERROR_TEXTS[c.crate]).sort(), [...variants].sort(), c.crate);
      for (const v of variants) assert.ok(ERROR_TEXTS[c.crate][v].length > 10, `${c.crate}.${v}`);
    }
  });

  test('explainError names the refusal and says what it means', () => {
    const e = new MedrecError('record-management.get_record: ConsentRequired', { contract: 'record-management', kind: 'ContractError', variant: 'ConsentRequired' });
    assert.deepEqual(explainError(e), { name: 'ConsentRequired', text: 'The patient has no active consent for the caller and the data type.' });
    const pc = new MedrecError('x', { contract: 'patient-consent', kind: 'ContractError', variant: 'ProviderNotRegistered' });
    assert.equal(explainError(pc).text, 'The requesting provider is not registered in access-control.');
    const d = new MedrecError('x', { kind: 'DispatchError', variant: 'contracts.OutOfGas' });
    assert.equal(explainError(d).text, 'The call ran out of gas.');
    assert.equal(explainError(new GatewayError(409, 'entry_used', 'x')).text, 'The gateway refused: that recorded read was used already: read the record again.');
  });
});

describe('gateway requests (vault/core/src/request.rs)', () => {
  const body = stringToU8a('{"a":1}');
  test('the signed bytes, exactly', () => {
    const bytes = signedBytes('POST', '/v1/release', body, 1700000000000, 'abcdef0123456789');
    const expected = '<Bytes>medrec-gateway/v1\nPOST\n/v1/release\n'
      + '015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862\n1700000000000\nabcdef0123456789</Bytes>';
    assert.equal(new TextDecoder().decode(bytes), expected);
  });

  test('a keyring pair and an extension-style signRaw sign the same bytes, and both verify', async () => {
    const now = 1700000000000;
    const nonce = 'n0nce-0123456789';
    const fromPair = await signHeaders(pairSigner(alice), 'PUT', '/v1/objects/00', body, { now, nonce });
    // What an extension's signRaw does: wrap the data in <Bytes> (unless wrapped), sign.
    const injected = {
      signRaw: async ({ address, data, type }) => {
        assert.equal(type, 'bytes');
        assert.equal(address, alice.address);
        assert.ok(!new TextDecoder().decode(stringToU8a(data)).startsWith('<Bytes>'));
        return { id: 1, signature: u8aToHex(alice.sign(u8aWrapBytes(data))) };
      },
    };
    const fromExt = await signHeaders(extensionSigner(alice.address, injected), 'PUT', '/v1/objects/00', body, { now, nonce });
    const wrapped = signedBytes('PUT', '/v1/objects/00', body, now, nonce);
    for (const h of [fromPair, fromExt]) {
      assert.equal(h['x-medrec-account'], u8aToHex(alice.publicKey).slice(2));
      assert.equal(h['x-medrec-timestamp'], String(now));
      assert.equal(h['x-medrec-nonce'], nonce);
      assert.ok(signatureVerify(wrapped, `0x${h['x-medrec-signature']}`, alice.address).isValid);
    }
  });

  test('an unreachable gateway is one GatewayError in plain words', async () => {
    const gw = new Gateway('http://127.0.0.1:9'); // the discard port: nothing listens
    await assert.rejects(gw.info(), (e) => e instanceof GatewayError && e.code === 'unreachable' && /no answer from the gateway/.test(e.message));
  });
});

describe('the gateway\'s log, verified as the auditor view does (gateway/src/log.rs)', () => {
  // The first two lines of a log medrec-gateway wrote (two refused uploads).
  const caller = '90b5ab205c6974c9ea841be688864633dc9ca8a357843eeacf2314649965fe22';
  const e0 = {
    seq: 0, at: 1796052314225, event: 'refusal', fields: { route: 'upload', code: 'unknown_uploader', caller },
    prev: '00'.repeat(32), hash: '85731cc096bb74f827749d0e07b99a33616c40568a99be4f76221050bed4c355',
  };
  const e1 = {
    seq: 1, at: 1796052314776, event: 'refusal', fields: { caller, code: 'unknown_uploader', route: 'upload' },
    prev: e0.hash, hash: '4ea9b11b08142489e9f8aa92c40b2dd3dd39edcbb06ea4c397d6693371b0e1f8',
  };

  test('each entry hashes as the gateway hashed it (the fields\' keys sorted, whatever their order here)', () => {
    assert.equal(logEntryHash(e0), e0.hash);
    assert.equal(logEntryHash(e1), e1.hash);
  });

  test('a run verifies from entry 0, or from the hash before it; a changed field, a broken link or a gap does not', () => {
    assert.deepEqual(verifyLogEntries([e0, e1]), { ok: true, checked: 2, brokenAt: null, reason: null });
    assert.equal(verifyLogEntries([e1], e0.hash).ok, true);
    assert.equal(verifyLogEntries([e1], '11'.repeat(32)).brokenAt, 1);
    const changed = { ...e1, fields: { ...e1.fields, code: 'bad_signature' } };
    assert.match(verifyLogEntries([e0, changed]).reason, /does not hash to its recorded hash/);
    assert.match(verifyLogEntries([e0, { ...e1, seq: 2 }]).reason, /does not follow/);
  });
});
