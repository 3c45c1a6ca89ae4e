// Cross-implementation: the native `medvault` CLI and the Node client
// (lib/vault.js over the WebAssembly build) on the same store folder. A file
// sealed by either opens with the other, a key stored by either wraps with
// the other, and every kind of tampering is refused by both with the same
// error kind (the CLI prints `medvault: <Kind>: ...`, the client throws
// `code` = <Kind>).
//
// The binary: $MEDVAULT_BIN, else $CARGO_TARGET_DIR/debug/medvault (default
// target/). scripts/test.sh sets MEDVAULT_BIN, so there a missing binary
// fails; elsewhere the tests are skipped with that one reason.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { targetDir } from '../lib/medrec.js';
import { HEADER_LEN, LOCATOR_PREFIX, LocalStore, TAG_LEN, keygen, readSecretKey } from '../lib/vault.js';
import { tempDir } from '../test-support/tmp.js';

const BIN = process.env.MEDVAULT_BIN || join(targetDir(), 'debug', 'medvault');
const skip = !process.env.MEDVAULT_BIN && !existsSync(BIN)
  ? `no medvault binary at ${BIN} (cargo build -p medvault, or set MEDVAULT_BIN)`
  : false;

const sha256 = (b) => createHash('sha256').update(b).digest('hex');
const sample = (n) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff));

/** Runs the CLI; returns its JSON on success, or {code, index, message} from its one stderr line. */
function medvault(store, ...args) {
  const r = spawnSync(BIN, ['--store', store, ...args], { encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status === 0) return { ok: true, ...JSON.parse(r.stdout) };
  const m = /^medvault: (\w+): (.*)$/.exec(r.stderr.trim());
  assert.ok(m, `unexpected stderr: ${r.stderr}`);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  const seg = /^segment (\d+) /.exec(m[2]);
  return { ok: false, code: m[1], index: seg ? Number(seg[1]) : undefined, message: m[2] };
}

/** Opens with the Node client; returns {ok: true} or {code, index}. */
async function nodeOpen(store, locator, hash, wrapped, secret, out) {
  try {
    await new LocalStore(store).openToFile(locator, hash, Buffer.from(wrapped, 'hex'), secret, out);
    return { ok: true };
  } catch (e) {
    if (!e.code) throw e;
    return { ok: false, code: e.code, index: e.index };
  }
}

describe('medvault CLI and the Node client on one store', { skip }, () => {
  test('sealed by the CLI, opened by Node; sealed by Node, opened by the CLI', async () => {
    const dir = tempDir('medrec-interop-');
    const store = join(dir, 'vault-store');
    for (const [len, chunk] of [[0, null], [200_000, null], [5_000, '1000']]) {
      const file = join(dir, `plain-${len}`);
      const plain = sample(len);
      writeFileSync(file, plain);

      // CLI seals; the CLI wraps for a key made by Node; Node opens
      const sealed = medvault(store, 'seal', file, ...(chunk ? ['--chunk-size', chunk] : []));
      assert.ok(sealed.ok);
      assert.equal(sealed.locator, LOCATOR_PREFIX + sealed.data_hash);
      const nodeKeyFile = join(dir, `node-${len}.key`);
      const nodePublic = keygen(nodeKeyFile);
      const cliWrapped = medvault(store, 'wrap', '--key-id', sealed.key_id, '--recipient', nodePublic.toString('hex'));
      assert.equal(cliWrapped.wrapped.length, 160);
      const out1 = join(dir, `by-node-${len}`);
      assert.deepEqual(await nodeOpen(store, sealed.locator, sealed.data_hash, cliWrapped.wrapped, readSecretKey(nodeKeyFile), out1), { ok: true });
      assert.deepEqual(readFileSync(out1), plain);
      // Node wraps the key the CLI stored (same keys/ folder) for a CLI key pair; the CLI opens
      const cliKeyFile = join(dir, `cli-${len}.key`);
      const cliKey = medvault(store, 'keygen', '--out', cliKeyFile);
      const nodeWrapped = new LocalStore(store).wrapKey(sealed.key_id, Buffer.from(cliKey.public_key, 'hex')).toString('hex');
      const out2 = join(dir, `by-cli-${len}`);
      const opened = medvault(store, 'open', sealed.locator, '--expect-hash', sealed.data_hash, '--wrapped', nodeWrapped, '--secret', cliKeyFile, '--out', out2);
      assert.equal(opened.size, len);
      assert.deepEqual(readFileSync(out2), plain);

      // Node seals; the CLI wraps the key Node stored and opens
      const byNode = await new LocalStore(store).sealFile(file, chunk ? { chunkSize: Number(chunk) } : {});
      assert.equal(byNode.size, HEADER_LEN + len + (Math.floor(len / Number(chunk ?? 65536)) + 1) * TAG_LEN);
      const w = medvault(store, 'wrap', '--key-id', byNode.keyId, '--recipient', cliKey.public_key);
      const out3 = join(dir, `node-sealed-cli-opened-${len}`);
      const r = medvault(store, 'open', byNode.locator, '--expect-hash', `0x${byNode.dataHash}`, '--wrapped', w.wrapped, '--secret', cliKeyFile, '--out', out3);
      assert.ok(r.ok, JSON.stringify(r));
      assert.deepEqual(readFileSync(out3), plain);
      // and the CLI shreds what Node stored
      assert.ok(medvault(store, 'shred', byNode.keyId).ok);
      assert.throws(() => new LocalStore(store).dataKey(byNode.keyId), (e) => e.code === 'UnknownKey');
    }
  });

  test('tampering, wrong keys and bad locators are refused by both with the same kind', async () => {
    const dir = tempDir('medrec-interop-');
    const store = join(dir, 'vault-store');
    const file = join(dir, 'record');
    writeFileSync(file, sample(3 * 1000 + 10));
    const sealed = medvault(store, 'seal', file, '--chunk-size', '1000');
    const keyFile = join(dir, 'me.key');
    const me = medvault(store, 'keygen', '--out', keyFile);
    const { wrapped } = medvault(store, 'wrap', '--key-id', sealed.key_id, '--recipient', me.public_key);
    const secret = readSecretKey(keyFile);
    const original = readFileSync(join(store, 'objects', sealed.data_hash));
    const seg = (i) => [HEADER_LEN + i * 1016, HEADER_LEN + (i + 1) * 1016];

    const flip = (at) => { const b = Buffer.from(original); b[at] ^= 1; return b; };
    const swapped = Buffer.from(original);
    original.copy(swapped, seg(0)[0], seg(1)[0], seg(1)[1]);
    original.copy(swapped, seg(1)[0], seg(0)[0], seg(0)[1]);
    const version2 = Buffer.from(original);
    version2[8] = 2;
    const cases = [
      ['bit flip in segment 1', flip(seg(1)[0] + 7), 'SegmentAuth', 1],
      ['bit flip in the header', flip(20), 'SegmentAuth', 0],
      ['segments 0 and 1 swapped', swapped, 'SegmentAuth', 0],
      ['truncated at a segment boundary', original.subarray(0, seg(3)[0]), 'Truncated'],
      ['truncated inside the last segment', original.subarray(0, original.length - 3), 'SegmentAuth', 3],
      ['truncated inside the header', original.subarray(0, 12), 'Truncated'],
      ['one byte appended', Buffer.concat([original, Buffer.from([0])]), 'SegmentAuth', 3],
      ['version 2 header', version2, 'UnsupportedVersion'],
      ['not a ciphertext', Buffer.from('just some bytes, not sealed by medvault'), 'BadHeader'],
    ];
    const compare = async (name, locator, hash, w, expect, index) => {
      const outCli = join(dir, 'out-cli');
      const outNode = join(dir, 'out-node');
      const cli = medvault(store, 'open', locator, '--expect-hash', hash, '--wrapped', w, '--secret', keyFile, '--out', outCli);
      const node = await nodeOpen(store, locator, hash, w, secret, outNode);
      assert.equal(cli.code, expect, `${name}: the CLI said ${cli.code}: ${cli.message}`);
      assert.equal(node.code, expect, `${name}: Node said ${node.code}`);
      assert.equal(cli.index, index, `${name}: CLI segment`);
      assert.equal(node.index, index, `${name}: Node segment`);
      assert.ok(!existsSync(outCli) && !existsSync(outNode), `${name}: nothing written`);
    };
    for (const [name, bytes, expect, index] of cases) {
      // stored under its own hash, so that the hash check passes and the format's check speaks
      const hash = sha256(bytes);
      writeFileSync(join(store, 'objects', hash), bytes);
      await compare(name, LOCATOR_PREFIX + hash, hash, wrapped, expect, index);
    }
    const other = medvault(store, 'keygen', '--out', join(dir, 'other.key'));
    const forOther = medvault(store, 'wrap', '--key-id', sealed.key_id, '--recipient', other.public_key).wrapped;
    await compare('wrapped for someone else', sealed.locator, sealed.data_hash, forOther, 'WrongKey');
    await compare('wrapped key cut short', sealed.locator, sealed.data_hash, wrapped.slice(0, 80), 'WrongKey');
    await compare('on-chain hash differs', sealed.locator, sha256(Buffer.from('x')), wrapped, 'HashMismatch');
    await compare('unknown locator', LOCATOR_PREFIX + 'ab'.repeat(32), 'ab'.repeat(32), wrapped, 'UnknownLocator');
    await compare('bad locator', 'vault://md5/abc', sealed.data_hash, wrapped, 'BadLocator');
    writeFileSync(join(store, 'objects', sealed.data_hash), flip(100));
    await compare('object altered in the store', sealed.locator, sealed.data_hash, wrapped, 'HashMismatch');
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.')), [], 'no temporary files left');
  });
});
