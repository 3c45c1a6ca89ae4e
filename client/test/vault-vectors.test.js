// The committed test vectors (vault/test-vectors/medvault-v1.json, written and
// checked by the Rust tests of medvault-core) reproduced byte for byte by the
// WebAssembly build: sealing through vault/wasm/pkg-testing (the same code
// plus the deterministic constructors), opening and every refusal through
// vault/wasm/pkg, the package the client ships with. scripts/wasm.sh builds
// both.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';

import { REPO_ROOT } from '../lib/medrec.js';
import { core, loadWasm, openBytes } from '../lib/vault.js';

const vectors = JSON.parse(readFileSync(`${REPO_ROOT}/vault/test-vectors/medvault-v1.json`, 'utf8'));
const hex = (s) => Buffer.from(s, 'hex');
const plaintext = (n) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff));

/** Opens `cipher` pushed in pieces of `step` bytes with the shipped package. */
function openInPieces(cipher, key, step) {
  const opener = new core.Opener(key);
  const parts = [];
  for (let i = 0; i < cipher.length; i += step) parts.push(opener.push(cipher.subarray(i, i + step)));
  parts.push(opener.finish());
  return Buffer.concat(parts);
}

let testing;
before(async () => {
  testing = await loadWasm('../../vault/wasm/pkg-testing/medvault_wasm.js', import.meta.url);
});

describe('medvault test vectors through WebAssembly', () => {
  test('the shipped package has no deterministic constructors', () => {
    assert.equal(core.Sealer.withFixedNonce, undefined);
    assert.equal(core.wrapKeyWithEphemeral, undefined);
    assert.equal(typeof testing.Sealer.withFixedNonce, 'function');
  });

  test('every seal vector is reproduced byte for byte, and opens', () => {
    assert.ok(vectors.seal.length >= 7);
    for (const v of vectors.seal) {
      const plain = plaintext(v.plaintext_len);
      const sealer = testing.Sealer.withFixedNonce(hex(vectors.key), v.chunk_size, hex(vectors.nonce_prefix));
      const parts = [];
      // odd pieces, so segment boundaries fall inside pushes
      for (let i = 0; i < plain.length; i += 1000) parts.push(sealer.push(plain.subarray(i, i + 1000)));
      parts.push(sealer.finish());
      const cipher = Buffer.concat(parts);
      assert.equal(cipher.length, v.ciphertext_len, v.name);
      const sha = createHash('sha256').update(cipher).digest('hex');
      assert.equal(sha, v.ciphertext_sha256, v.name);
      if (v.ciphertext) assert.equal(cipher.toString('hex'), v.ciphertext, v.name);
      assert.equal(core.locator(hex(sha)), v.locator, v.name);
      assert.equal(sealer.keyId, v.key_id, v.name);
      assert.equal(core.keyId(hex(vectors.key)), v.key_id, v.name);
      assert.deepEqual(openBytes(cipher, hex(vectors.key)), plain, v.name);
      assert.deepEqual(openInPieces(cipher, hex(vectors.key), 77), plain, v.name);
    }
  });

  test('the wrapped key is reproduced byte for byte and unwraps', () => {
    const w = vectors.wrap;
    assert.equal(Buffer.from(core.publicKey(hex(w.recipient_secret_key))).toString('hex'), w.recipient_public_key);
    const wrapped = testing.wrapKeyWithEphemeral(hex(w.key), hex(w.recipient_public_key), hex(w.ephemeral_secret_key));
    assert.equal(Buffer.from(wrapped).toString('hex'), w.wrapped);
    assert.equal(Buffer.from(core.unwrapKey(hex(w.wrapped), hex(w.recipient_secret_key))).toString('hex'), w.key);
  });

  test('every tampered vector is refused with the same kind (and segment) as in Rust, whole or in pieces', () => {
    const kinds = new Set();
    for (const v of vectors.refuse) {
      for (const step of [Infinity, 1, 13]) {
        assert.throws(
          () => (step === Infinity ? openBytes(hex(v.ciphertext), hex(v.key)) : openInPieces(hex(v.ciphertext), hex(v.key), step)),
          (e) => {
            assert.equal(e.code, v.code, `${v.name} (pieces of ${step})`);
            assert.equal(e.index, v.index, `${v.name}: segment index`);
            return true;
          },
        );
      }
      kinds.add(v.code);
    }
    assert.deepEqual([...kinds].sort(), ['BadChunkSize', 'BadHeader', 'SegmentAuth', 'Truncated', 'UnsupportedVersion']);
    for (const v of vectors.refuse_unwrap) {
      assert.throws(() => core.unwrapKey(hex(v.wrapped), hex(v.secret_key)), (e) => e.code === v.code, v.name);
    }
    const h = vectors.refuse_hash;
    assert.throws(() => core.checkHash(hex(h.expected), hex(h.actual)), (e) => e.code === h.code);
  });
});
