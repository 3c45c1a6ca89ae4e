// Times the Node client's vault on one file, for scripts/vault-throughput.sh:
// seal and open through medvault's WebAssembly core (lib/vault.js LocalStore:
// cipher + SHA-256 + write, like `medvault seal` / `medvault open`), and
// node:crypto AES-256-GCM (one stream, OpenSSL, hashed and written the same
// way) as the yardstick. Prints one JSON object: seconds of each operation
// (timed in-process: Node's start-up is not counted), the peak RSS growth
// during each WebAssembly operation (sampled every 20 ms), and the size of the
// wasm instance's linear memory afterwards.
//
//   node client/bench/vault-throughput.js INPUT WORK_DIR

import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { LocalStore, core, generateKeyPair } from '../lib/vault.js';

const [input, work] = process.argv.slice(2);
if (!input || !work) {
  console.error('usage: node client/bench/vault-throughput.js INPUT WORK_DIR');
  process.exit(2);
}
mkdirSync(work, { recursive: true });
const MIB = 1 << 20;

/** Runs `fn`, returning {seconds, rssPeakDeltaMiB}. */
async function measure(fn) {
  globalThis.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
  const t0 = process.hrtime.bigint();
  await fn();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { seconds, rssPeakDeltaMiB: (peak - base) / MIB };
}

const hashing = () => {
  const h = createHash('sha256');
  return { h, stream: new Transform({ transform(c, _e, done) { h.update(c); done(null, c); } }) };
};
const read = (p) => createReadStream(p, { highWaterMark: MIB });

const store = new LocalStore(join(work, 'node-store'));
const me = generateKeyPair();
let sealed;
const wasmSeal = await measure(async () => { sealed = await store.sealFile(input); });
const wrapped = store.wrapKey(sealed.keyId, me.publicKey);
const wasmOpen = await measure(() => store.openToFile(sealed.locator, sealed.dataHash, wrapped, me.secretKey, join(work, 'node-opened')));

const key = randomBytes(32);
const iv = randomBytes(12);
let tag;
const gcmSeal = await measure(async () => {
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const hash = hashing();
  await pipeline(read(input), cipher, hash.stream, createWriteStream(join(work, 'gcm.bin')));
  hash.h.digest();
  tag = cipher.getAuthTag();
});
const gcmOpen = await measure(async () => {
  const hash = hashing();
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAuthTag(tag);
  await pipeline(read(join(work, 'gcm.bin')), hash.stream, decipher, createWriteStream(join(work, 'gcm-opened')));
  hash.h.digest();
});

// the opened copy must be the input
const same = createHash('sha256').update(readFileSync(join(work, 'node-opened'))).digest('hex')
  === createHash('sha256').update(readFileSync(input)).digest('hex');
if (!same) throw new Error('the WebAssembly round trip did not give the input back');

console.log(JSON.stringify({
  wasmSeal, wasmOpen, gcmSeal, gcmOpen,
  wasmMemoryMiB: core.memory.buffer.byteLength / MIB,
  node: process.version,
}));
