// The Node client's side of the vault: lib/vault.js over the WebAssembly
// build of medvault-core (vault/wasm/pkg; scripts/wasm.sh builds it). No node,
// no contract bundles needed.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, test } from 'node:test';

import { tempDir } from '../test-support/tmp.js';
import {
  DEFAULT_CHUNK,
  HEADER_LEN,
  LOCATOR_PREFIX,
  LocalStore,
  TAG_LEN,
  generateKeyPair,
  keyId,
  keygen,
  loadWasm,
  openBytes,
  openStream,
  readSecretKey,
  sealBytes,
  sealStream,
  unwrapKey,
  wrapKey,
} from '../lib/vault.js';

const sha256 = (b) => createHash('sha256').update(b).digest();
/** byte i = (7 i + 3) mod 256, as in the Rust tests */
const sample = (n) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff));
const code = (c, index) => (e) => e.code === c && (index === undefined || e.index === index);

describe('seal and open in memory', () => {
  test('round trip; hash, locator and key id as the contract takes them', () => {
    const plain = Buffer.from('SYNTHETIC clinical text PHI-MARKER-test');
    const s = sealBytes(plain);
    assert.equal(s.size, HEADER_LEN + plain.length + TAG_LEN);
    assert.deepEqual(s.dataHash, sha256(s.ciphertext));
    assert.equal(s.locator, LOCATOR_PREFIX + s.dataHash.toString('hex'));
    assert.ok(Buffer.byteLength(s.locator) <= 128);
    assert.equal(s.keyId, keyId(s.key));
    assert.equal(s.keyId, createHash('sha256').update('medvault key id v1').update(s.key).digest('hex'));
    assert.equal(s.ciphertext.subarray(0, 8).toString(), 'MEDVAULT');
    assert.ok(!s.ciphertext.includes(Buffer.from('PHI-MARKER')), 'no plaintext in the ciphertext');
    assert.deepEqual(openBytes(s.ciphertext, s.key), plain);
    const tampered = Buffer.from(s.ciphertext);
    tampered[40] ^= 1;
    assert.throws(() => openBytes(tampered, s.key), code('SegmentAuth', 0));
    assert.throws(() => openBytes(s.ciphertext.subarray(0, 20), s.key), code('Truncated'));
    assert.notEqual(sealBytes(plain).dataHash.toString('hex'), s.dataHash.toString('hex'), 'fresh key and nonce each time');
  });

  test('key wrapping: 80 bytes, within the contract limit; only the recipient unwraps', () => {
    const s = sealBytes(Buffer.from('x'));
    const charlie = generateKeyPair();
    const other = generateKeyPair();
    const w = wrapKey(s.key, charlie.publicKey);
    assert.equal(w.length, 80);
    assert.deepEqual(unwrapKey(w, charlie.secretKey), s.key);
    assert.throws(() => unwrapKey(w, other.secretKey), code('WrongKey'));
    assert.throws(() => unwrapKey(w.subarray(0, 40), charlie.secretKey), code('WrongKey'));
    assert.throws(() => wrapKey(Buffer.alloc(31), charlie.publicKey), code('BadInput'));
  });

  test('stream transforms: chunks of any size, segments out as they complete', async () => {
    const plain = sample(5 * 1024 + 9);
    const pieces = [];
    for (let i = 0; i < plain.length; i += 333) pieces.push(plain.subarray(i, i + 333));
    const seal = sealStream(1024);
    const sealedParts = [];
    await pipeline(Readable.from(pieces), seal.stream, new Writable({ write(c, _e, done) { sealedParts.push(c); done(); } }));
    const cipher = Buffer.concat(sealedParts);
    assert.equal(cipher.length, HEADER_LEN + plain.length + 6 * TAG_LEN);
    assert.ok(sealedParts.length > 5, 'output came out in pieces, not at the end');
    const opened = [];
    const ctPieces = [];
    for (let i = 0; i < cipher.length; i += 1000) ctPieces.push(cipher.subarray(i, i + 1000));
    await pipeline(Readable.from(ctPieces), openStream(seal.key), new Writable({ write(c, _e, done) { opened.push(c); done(); } }));
    assert.deepEqual(Buffer.concat(opened), plain);
    // a truncated stream errors at its end
    await assert.rejects(
      pipeline(Readable.from([cipher.subarray(0, HEADER_LEN + 2 * (1024 + TAG_LEN))]), openStream(seal.key), new Writable({ write(_c, _e, done) { done(); } })),
      code('Truncated'),
    );
  });

  test('a missing WebAssembly package is one clear error', async () => {
    await assert.rejects(loadWasm('./no-such-pkg/medvault_wasm.js'), (e) => e.code === 'WasmNotBuilt' && /run scripts\/wasm\.sh/.test(e.message));
  });
});

describe('LocalStore (the layout of medvault --store)', () => {
  test('seal a multi-segment file, wrap, open: identical, atomically', async () => {
    const dir = tempDir('medrec-vault-');
    const store = new LocalStore(join(dir, 'store'));
    const file = join(dir, 'scan.dcm');
    const plain = sample(3 * DEFAULT_CHUNK + 17);
    writeFileSync(file, plain);
    const s = await store.sealFile(file);
    assert.match(s.dataHash, /^[0-9a-f]{64}$/);
    assert.equal(s.locator, LOCATOR_PREFIX + s.dataHash);
    const object = join(store.root, 'objects', s.dataHash);
    assert.equal(sha256(readFileSync(object)).toString('hex'), s.dataHash);
    assert.equal(statSync(object).size, s.size);
    assert.equal(s.size, HEADER_LEN + plain.length + 4 * TAG_LEN);
    const keyFile = join(store.root, 'keys', `${s.keyId}.key`);
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.equal(statSync(join(store.root, 'keys')).mode & 0o777, 0o700);
    assert.equal(readdirSync(join(store.root, 'tmp')).length, 0);

    const secretPath = join(dir, 'doctor.key');
    const doctor = keygen(secretPath);
    assert.equal(statSync(secretPath).mode & 0o777, 0o600);
    assert.throws(() => keygen(secretPath), /EEXIST/);
    const wrapped = store.wrapKey(s.keyId, doctor);
    const out = join(dir, 'opened.dcm');
    const n = await store.openToFile(s.locator, `0x${s.dataHash}`, wrapped, readSecretKey(secretPath), out);
    assert.equal(n, plain.length);
    assert.deepEqual(readFileSync(out), plain);
  });

  test('refusals: hash mismatch before decrypting, corrupt object, bad and unknown locators, shredded keys; nothing written', async () => {
    const dir = tempDir('medrec-vault-');
    const store = new LocalStore(join(dir, 'store'));
    const s = await store.sealBytes(sample(5000), { chunkSize: 1024 });
    const me = generateKeyPair();
    const wrapped = store.wrapKey(s.keyId, me.publicKey);
    const out = join(dir, 'out');
    const other = Buffer.from(s.dataHash, 'hex');
    other[0] ^= 1;
    await assert.rejects(store.openToFile(s.locator, other, wrapped, me.secretKey, out), code('HashMismatch'));
    await assert.rejects(store.openToFile('http://x', s.dataHash, wrapped, me.secretKey, out), code('BadLocator'));
    await assert.rejects(store.openToFile(LOCATOR_PREFIX + 'ab'.repeat(32), s.dataHash, wrapped, me.secretKey, out), code('UnknownLocator'));
    await assert.rejects(store.openToFile(s.locator, s.dataHash, wrapped, generateKeyPair().secretKey, out), code('WrongKey'));

    // an object altered after sealing, stored under its new hash: the AEAD refuses it
    const bytes = readFileSync(join(store.root, 'objects', s.dataHash));
    bytes[bytes.length - 1] ^= 1;
    const badHash = sha256(bytes).toString('hex');
    writeFileSync(join(store.root, 'objects', badHash), bytes);
    await assert.rejects(store.openToFile(LOCATOR_PREFIX + badHash, badHash, wrapped, me.secretKey, out), code('SegmentAuth', 4));
    assert.ok(!existsSync(out), 'nothing written');
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.medvault')), [], 'no temporary files left');

    store.shred(s.keyId);
    assert.throws(() => store.dataKey(s.keyId), code('UnknownKey'));
    assert.throws(() => store.wrapKey(s.keyId, me.publicKey), code('UnknownKey'));
    assert.throws(() => store.shred(s.keyId), code('UnknownKey'));
    assert.throws(() => store.dataKey('not-an-id'), code('BadKeyId'));
  });
});

describe('split custody (the same Rust core: Shamir over GF(256))', () => {
  test('any 2 of 3 shares give the key back; one share does not', async () => {
    const { splitKey, combineKey, keyId } = await import('../lib/vault.js');
    const key = sampleKey();
    const shares = splitKey(key, 2, 3);
    assert.equal(shares.length, 3);
    for (const s of shares) {
      assert.equal(s.length, 33);
      assert.notEqual(s[0], 0);
      assert.ok(!s.includes(key));
    }
    for (const [i, j] of [[0, 1], [0, 2], [1, 2]]) {
      assert.deepEqual(combineKey([shares[i], shares[j]]), key);
    }
    assert.throws(() => combineKey([shares[0]]), (e) => e.code === 'too_few_shares');
    assert.throws(() => combineKey([shares[0], shares[0]]), (e) => e.code === 'duplicate_share');
    assert.throws(() => splitKey(key, 1, 3), (e) => e.code === 'split_parameters');
    // 3-of-5: two shares combine to some other key, which its id tells apart
    const five = splitKey(key, 3, 5);
    assert.deepEqual(combineKey([five[4], five[1], five[2]]), key);
    assert.notEqual(keyId(combineKey([five[0], five[1]])), keyId(key));
  });

  test('a share sealed to a gateway opens with its key only', async () => {
    const { sealTo, openSealed, generateKeyPair, splitKey } = await import('../lib/vault.js');
    const gw = generateKeyPair();
    const other = generateKeyPair();
    const share = splitKey(sampleKey(), 2, 2)[0];
    const sealed = sealTo(share, gw.publicKey);
    assert.equal(sealed.length, 33 + 48);
    assert.deepEqual(openSealed(sealed, gw.secretKey), share);
    assert.throws(() => openSealed(sealed, other.secretKey), (e) => e.code === 'WrongKey');
  });
});

function sampleKey() {
  return Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff));
}
