// The medvault envelope format in the browser: the same Rust core as the
// CLI and the Node client, compiled to WebAssembly (vault/wasm/pkg, built by
// scripts/wasm.sh with --target web; init() fetches the .wasm).
import init, { Opener, Sealer, checkHash, generateSecretKey, keyId, publicKey, unwrapKey, wrapKey } from 'medvault-wasm';

let ready: Promise<unknown> | null = null;
export function vaultReady(): Promise<unknown> {
  ready ??= init();
  return ready;
}

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

export interface Sealed { ciphertext: Uint8Array; key: Uint8Array; keyId: string }

/** Seals bytes under a fresh data key (64 KiB segments, pushed a MiB at a time). */
export async function sealBytes(plaintext: Uint8Array): Promise<Sealed> {
  await vaultReady();
  const sealer = new Sealer();
  const parts: Uint8Array[] = [];
  const step = 1 << 20;
  for (let i = 0; i < plaintext.length; i += step) parts.push(sealer.push(plaintext.subarray(i, i + step)));
  const key = sealer.key;
  const id = sealer.keyId;
  parts.push(sealer.finish());
  return { ciphertext: concat(parts), key, keyId: id };
}

/** Opens a whole ciphertext; throws the core's error (`code`: SegmentAuth, Truncated, ...). */
export async function openBytes(ciphertext: Uint8Array, key: Uint8Array): Promise<Uint8Array> {
  await vaultReady();
  const opener = new Opener(key);
  const parts: Uint8Array[] = [];
  const step = 1 << 20;
  for (let i = 0; i < ciphertext.length; i += step) parts.push(opener.push(ciphertext.subarray(i, i + step)));
  parts.push(opener.finish());
  return concat(parts);
}

/** A fresh X25519 pair for receiving a released key (lives only for one read). */
export async function readerKeys(): Promise<{ publicKey: Uint8Array; secretKey: Uint8Array }> {
  await vaultReady();
  const secretKey = generateSecretKey();
  return { publicKey: publicKey(secretKey), secretKey };
}

export { checkHash, keyId, unwrapKey, wrapKey };
