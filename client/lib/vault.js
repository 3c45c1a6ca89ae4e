// The off-chain side of a record for Node: medvault's format through its
// WebAssembly build (vault/wasm/pkg, npm name medvault-wasm), the same Rust
// code as the `medvault` CLI, so either opens what the other sealed.
//
// - sealStream / openStream: Node stream transforms, constant memory for
//   files of any size (one 64 KiB segment buffered in the wasm core).
// - LocalStore: the same folder layout and locators as medvault's Store:
//   objects/<sha256 hex>, keys/<key id>.key (32 raw bytes, 0600, folder 0700),
//   tmp/; locators vault://sha256/<hex>.
// - keygen / readSecretKey: X25519 secret key files as `medvault keygen`
//   writes them (32 raw bytes, 0600).
//
// Errors of the format are thrown by the core with `code` set to its variant
// name (SegmentAuth with `index`, Truncated, BadHeader, UnsupportedVersion,
// BadChunkSize, WrongKey, HashMismatch); the store adds BadLocator,
// UnknownLocator, UnknownKey, BadKeyId, as `medvault` names them.

import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  createReadStream,
  createWriteStream,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

/**
 * Loads and instantiates a wasm-bindgen package built with `--target web`
 * (its .js glue and _bg.wasm side by side); `specifier` is what `import`
 * takes. Throws one clear line when the package has not been built.
 */
export async function loadWasm(specifier, base = import.meta.url) {
  try {
    const url = specifier.startsWith('.') || specifier.startsWith('file:') ? new URL(specifier, base).href : import.meta.resolve(specifier);
    const mod = await import(url);
    const exports = mod.initSync({ module: readFileSync(fileURLToPath(new URL('medvault_wasm_bg.wasm', url))) });
    // `memory`: the instance's linear memory (its size shows the peak use).
    return { ...mod, memory: exports.memory };
  } catch (e) {
    const err = new Error(`the medvault WebAssembly package (${specifier}) is not built: run scripts/wasm.sh (${e.code ?? e.message})`);
    err.code = 'WasmNotBuilt';
    throw err;
  }
}

const core = await loadWasm('medvault-wasm');
export { core };

export const {
  DEFAULT_CHUNK, HEADER_LEN, KEY_LEN, LOCATOR_PREFIX, MAX_CHUNK, TAG_LEN, WRAPPED_KEY_LEN,
} = core.constants();

/** An error of the store, with `code` named as `medvault` names it. */
export class VaultError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'MedvaultError';
    this.code = code;
  }
}

const bytes = (b) => (b instanceof Uint8Array ? b : Buffer.from(b));
const buf = (u8) => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
const hexOf = (h) => (typeof h === 'string' ? h.replace(/^0x/, '').toLowerCase() : Buffer.from(h).toString('hex'));

/** The id of a data key: hex SHA-256("medvault key id v1" || key). */
export const keyId = (key) => core.keyId(bytes(key));
/** The 32-byte data key sealed to a recipient's X25519 public key (80 bytes). */
export const wrapKey = (key, recipientPublic) => buf(core.wrapKey(bytes(key), bytes(recipientPublic)));
/** Opens a wrapped key; throws code WrongKey when it does not open with `secretKey`. */
export const unwrapKey = (wrapped, secretKey) => buf(core.unwrapKey(bytes(wrapped), bytes(secretKey)));

/** Any short secret (a key share) sealed to an X25519 public key (48 bytes longer). */
export const sealTo = (secret, recipientPublic) => buf(core.sealTo(bytes(secret), bytes(recipientPublic)));
/** Opens what sealTo sealed; throws code WrongKey when it does not open. */
export const openSealed = (sealed, secretKey) => buf(core.openSealed(bytes(sealed), bytes(secretKey)));
/** Splits a data key k-of-n (Shamir over GF(256)): n shares of 33 bytes (x || y). */
export const splitKey = (key, k, n) => Array.from(core.splitKey(bytes(key), k, n), (u8) => buf(u8));
/** Combines shares into a key; check it against the record's key id (fewer than k give another key). */
export const combineKey = (shares) => buf(core.combineKey(shares.map((s) => bytes(s))));

/** A new X25519 key pair for receiving wrapped keys: {publicKey, secretKey}, 32 bytes each. */
export function generateKeyPair() {
  const secretKey = buf(core.generateSecretKey());
  return { publicKey: buf(core.publicKey(secretKey)), secretKey };
}

/** `medvault keygen`: writes a new secret key (32 raw bytes, 0600) to `path`, which must not exist; returns the public key. */
export function keygen(path) {
  const { publicKey, secretKey } = generateKeyPair();
  writeSecretFile(path, secretKey);
  return publicKey;
}

/** Reads a secret key file written by `keygen` or `medvault keygen`. */
export function readSecretKey(path) {
  const key = readFileSync(path);
  if (key.length !== 32) throw new VaultError('BadKeyFile', `${path}: not a 32-byte key file`);
  return key;
}

function writeSecretFile(path, data) {
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * A Transform that seals what flows through it. `sealer.key` / `sealer.keyId`
 * are the stream's data key and its id.
 */
export function sealStream(chunkSize = DEFAULT_CHUNK) {
  const sealer = new core.Sealer(chunkSize);
  const stream = new Transform({
    transform(chunk, _enc, done) {
      try {
        const out = sealer.push(chunk);
        done(null, out.length ? buf(out) : undefined);
      } catch (e) {
        done(e);
      }
    },
    flush(done) {
      try {
        done(null, buf(sealer.finish()));
      } catch (e) {
        done(e);
      }
    },
  });
  return { stream, key: buf(sealer.key), keyId: sealer.keyId };
}

/**
 * A Transform that opens what flows through it. Its output is authentic only
 * once the stream ended without an error (a truncation shows only at the end).
 */
export function openStream(key) {
  const opener = new core.Opener(bytes(key));
  return new Transform({
    transform(chunk, _enc, done) {
      try {
        const out = opener.push(chunk);
        done(null, out.length ? buf(out) : undefined);
      } catch (e) {
        done(e);
      }
    },
    flush(done) {
      try {
        const out = opener.finish();
        done(null, out.length ? buf(out) : undefined);
      } catch (e) {
        done(e);
      }
    },
  });
}

/** A Transform that passes bytes on and counts and hashes them (`.digest()` after the end). */
function hashing() {
  const hash = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  return { stream, result: () => ({ dataHash: hash.digest(), size }) };
}

/** Seals a whole buffer in memory: {ciphertext, key, keyId, dataHash, locator, size}. For small records and tests. */
export function sealBytes(plaintext, chunkSize = DEFAULT_CHUNK) {
  const sealer = new core.Sealer(chunkSize);
  const ciphertext = Buffer.concat([buf(sealer.push(bytes(plaintext))), buf(sealer.finish())]);
  const dataHash = createHash('sha256').update(ciphertext).digest();
  return { ciphertext, key: buf(sealer.key), keyId: sealer.keyId, dataHash, locator: core.locator(dataHash), size: ciphertext.length };
}

/** Opens a whole ciphertext in memory; throws the core's error (`code`) when it does not authenticate. */
export function openBytes(ciphertext, key) {
  const opener = new core.Opener(bytes(key));
  return Buffer.concat([buf(opener.push(bytes(ciphertext))), buf(opener.finish())]);
}

async function sha256File(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk);
  return hash.digest();
}

/** Removes `path` if it is there. */
const discard = (path) => rmSync(path, { force: true });

/**
 * A local content-addressed ciphertext store and key store, laid out as
 * medvault's: `medvault --store DIR` and `new LocalStore(DIR)` work on the
 * same folder.
 */
export class LocalStore {
  constructor(root) {
    this.root = resolve(root);
    for (const d of ['objects', 'keys', 'tmp']) mkdirSync(join(this.root, d), { recursive: true });
    chmodSync(join(this.root, 'keys'), 0o700);
  }

  /** Where the object of a locator lives; throws BadLocator. */
  objectPath(locator) {
    let hash;
    try {
      hash = core.parseLocator(locator);
    } catch (e) {
      throw new VaultError('BadLocator', e.message);
    }
    return join(this.root, 'objects', Buffer.from(hash).toString('hex'));
  }

  keyPath(id) {
    if (!/^[0-9a-fA-F]{64}$/.test(id)) throw new VaultError('BadKeyId', `${JSON.stringify(id)} is not a key id (64 hex digits)`);
    return join(this.root, 'keys', `${id}.key`);
  }

  /**
   * Seals the file at `path` under a fresh data key into the store, streaming
   * (constant memory). Returns what `medvault seal` prints, as
   * {dataHash (hex), locator, keyId, size} (size: stored bytes).
   */
  async sealFile(path, { chunkSize = DEFAULT_CHUNK } = {}) {
    return this.#sealFrom(createReadStream(path, { highWaterMark: 1 << 20 }), chunkSize);
  }

  /** `sealFile` for bytes in memory. */
  async sealBytes(plaintext, { chunkSize = DEFAULT_CHUNK } = {}) {
    const { Readable } = await import('node:stream');
    return this.#sealFrom(Readable.from([bytes(plaintext)]), chunkSize);
  }

  async #sealFrom(source, chunkSize) {
    const seal = sealStream(chunkSize);
    const hash = hashing();
    const tmp = join(this.root, 'tmp', `seal-${process.pid}-${Math.random().toString(36).slice(2)}`);
    try {
      await pipeline(source, seal.stream, hash.stream, createWriteStream(tmp, { flags: 'wx', mode: 0o600, flush: true }));
      const { dataHash, size } = hash.result();
      renameSync(tmp, join(this.root, 'objects', dataHash.toString('hex')));
      writeSecretFile(this.keyPath(seal.keyId), seal.key);
      return { dataHash: dataHash.toString('hex'), locator: core.locator(dataHash), keyId: seal.keyId, size };
    } finally {
      discard(tmp);
      seal.key.fill(0);
    }
  }

  /** The data key stored under `keyId` (32 bytes); throws UnknownKey. */
  dataKey(id) {
    const path = this.keyPath(id);
    let key;
    try {
      key = readFileSync(path);
    } catch (e) {
      if (e.code === 'ENOENT') throw new VaultError('UnknownKey', `no data key with id ${id} (never stored here, or shredded)`);
      throw e;
    }
    if (key.length !== 32) throw new VaultError('BadKeyFile', `${path}: not a 32-byte key file`);
    return key;
  }

  /** The data key `keyId` sealed to `recipientPublic` (80 bytes): what share_key stores. */
  wrapKey(id, recipientPublic) {
    const key = this.dataKey(id);
    try {
      return wrapKey(key, recipientPublic);
    } finally {
      key.fill(0);
    }
  }

  async #checked(locator, expectedHash) {
    const path = this.objectPath(locator);
    let actual;
    try {
      actual = await sha256File(path);
    } catch (e) {
      if (e.code === 'ENOENT') throw new VaultError('UnknownLocator', `no stored object for locator ${locator}`);
      throw e;
    }
    core.checkHash(Buffer.from(hexOf(expectedHash), 'hex'), actual);
    return path;
  }

  /**
   * `medvault open`: checks the stored object's SHA-256 against
   * `expectedHash` (the on-chain hash) **before** decrypting, unwraps the key
   * with `secretKey`, and decrypts, streaming, into a temporary file beside
   * `out` that is renamed into place only when every segment authenticated.
   * Returns the plaintext length.
   */
  async openToFile(locator, expectedHash, wrapped, secretKey, out) {
    const object = await this.#checked(locator, expectedHash);
    const key = unwrapKey(wrapped, secretKey);
    const dir = await mkdtemp(join(dirname(resolve(out)), '.medvault-open-'));
    const tmp = join(dir, 'plaintext');
    try {
      const counter = hashing();
      await pipeline(createReadStream(object, { highWaterMark: 1 << 20 }), openStream(key), counter.stream, createWriteStream(tmp, { mode: 0o600, flush: true }));
      renameSync(tmp, out);
      return counter.result().size;
    } finally {
      key.fill(0);
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Destroys the data key `keyId`: overwritten, synced, removed. Throws UnknownKey. */
  shred(id) {
    const path = this.keyPath(id);
    let fd;
    try {
      fd = openSync(path, 'r+');
    } catch (e) {
      if (e.code === 'ENOENT') throw new VaultError('UnknownKey', `no data key with id ${id} (never stored here, or shredded)`);
      throw e;
    }
    try {
      writeSync(fd, Buffer.alloc(32), 0, 32, 0);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    rmSync(path);
  }
}
