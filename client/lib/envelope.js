// Off-chain side of a record, for the client's journey and tests: encrypt a
// document with a fresh data key, store the ciphertext under its SHA-256, and
// wrap the data key for a recipient's X25519 public key. Built only from
// node:crypto primitives (AES-256-GCM, X25519, HKDF-SHA-256).
//
// This is a small stand-in for the Rust vault (`medvault`, vault/), which is
// the real tool (XChaCha20-Poly1305 STREAM, libsodium sealed boxes); the two
// formats are NOT interchangeable. What the contracts see is the same in both:
// the ciphertext's SHA-256 (`data_hash`), a locator `vault://sha256/<hex>`,
// the key id (SHA-256 of "medvault key id v1" || key), and the wrapped key.

import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
} from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const LOCATOR_PREFIX = 'vault://sha256/';
const MAGIC = Buffer.from('MEDREC-JS-AEAD-1'); // 16 bytes, authenticated as AAD
const WRAP_INFO = Buffer.from('medrec-js key wrap v1');

const sha256 = (...parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** The id of a data key, as medvault computes it: hex SHA-256("medvault key id v1" || key). */
export function keyId(key) {
  return sha256(Buffer.from('medvault key id v1'), key);
}

/**
 * Encrypts `plaintext` with a fresh 256-bit key. Ciphertext layout:
 * MAGIC(16) || nonce(12) || AES-256-GCM(plaintext) || tag(16).
 * Returns {ciphertext, key, dataHash (32 bytes), keyId (32 bytes), locator, size}.
 */
export function seal(plaintext) {
  const key = randomBytes(32);
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(MAGIC);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const ciphertext = Buffer.concat([MAGIC, nonce, body, cipher.getAuthTag()]);
  const dataHash = sha256(ciphertext);
  return {
    ciphertext,
    key,
    dataHash,
    keyId: keyId(key),
    locator: LOCATOR_PREFIX + dataHash.toString('hex'),
    size: ciphertext.length,
  };
}

/** Decrypts what `seal` produced; throws when anything was altered. */
export function open(ciphertext, key) {
  const buf = Buffer.from(ciphertext);
  if (buf.length < 44 || !buf.subarray(0, 16).equals(MAGIC)) throw new Error('not a sealed record');
  const nonce = buf.subarray(16, 28);
  const tag = buf.subarray(buf.length - 16);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(MAGIC);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(buf.subarray(28, buf.length - 16)), decipher.final()]);
}

/** A new X25519 key pair: {publicKey: 32 raw bytes, privateKey: KeyObject}. */
export function x25519Keypair() {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  return { publicKey: rawPublic(publicKey), privateKey };
}

function rawPublic(keyObject) {
  return Buffer.from(keyObject.export({ format: 'jwk' }).x, 'base64url');
}

function publicFromRaw(raw) {
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
}

function kek(shared, ephPub, recipientPub) {
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([ephPub, recipientPub]), WRAP_INFO, 32));
}

/**
 * Wraps a 32-byte data key for a recipient's raw X25519 public key (ECIES:
 * ephemeral X25519, HKDF-SHA-256, AES-256-GCM). Output: ephemeral public key
 * (32) || nonce (12) || encrypted key (32) || tag (16) = 92 bytes, within the
 * contract's 128-byte limit.
 */
export function wrapKey(key, recipientPublic) {
  const eph = generateKeyPairSync('x25519');
  const ephPub = rawPublic(eph.publicKey);
  const shared = diffieHellman({ privateKey: eph.privateKey, publicKey: publicFromRaw(recipientPublic) });
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek(shared, ephPub, Buffer.from(recipientPublic)), nonce);
  const body = Buffer.concat([cipher.update(key), cipher.final()]);
  return Buffer.concat([ephPub, nonce, body, cipher.getAuthTag()]);
}

/** Unwraps what `wrapKey` produced with the recipient's private key (KeyObject or PEM). */
export function unwrapKey(wrapped, privateKey) {
  const buf = Buffer.from(wrapped);
  if (buf.length !== 92) throw new Error(`a wrapped key is 92 bytes, got ${buf.length}`);
  const priv = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  const ephPub = buf.subarray(0, 32);
  const recipientPub = rawPublic(createPublicKey(priv));
  const shared = diffieHellman({ privateKey: priv, publicKey: publicFromRaw(ephPub) });
  const decipher = createDecipheriv('aes-256-gcm', kek(shared, ephPub, recipientPub), buf.subarray(32, 44));
  decipher.setAuthTag(buf.subarray(76));
  return Buffer.concat([decipher.update(buf.subarray(44, 76)), decipher.final()]);
}

/** Ciphertext objects under `<root>/objects/<sha256 hex>`, addressed by locator. */
export class LocalStore {
  constructor(root) {
    this.root = root;
    mkdirSync(join(root, 'objects'), { recursive: true });
  }

  /** Stores ciphertext; returns its locator. */
  put(ciphertext) {
    const hex = sha256(ciphertext).toString('hex');
    writeFileSync(join(this.root, 'objects', hex), ciphertext, { mode: 0o600 });
    return LOCATOR_PREFIX + hex;
  }

  /** Fetches by locator and checks the bytes against `expectedHash` (hex or bytes) before returning them. */
  get(locator, expectedHash) {
    if (!locator.startsWith(LOCATOR_PREFIX) || !/^[0-9a-f]{64}$/.test(locator.slice(LOCATOR_PREFIX.length))) {
      throw new Error(`bad locator ${JSON.stringify(locator)}`);
    }
    const bytes = readFileSync(join(this.root, 'objects', locator.slice(LOCATOR_PREFIX.length)));
    const want = typeof expectedHash === 'string' ? expectedHash.replace(/^0x/, '') : Buffer.from(expectedHash).toString('hex');
    const got = sha256(bytes).toString('hex');
    if (got !== want) throw new Error(`hash mismatch for ${locator}: chain says ${want}, stored bytes hash to ${got}`);
    return bytes;
  }
}
