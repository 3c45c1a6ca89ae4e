// Hashes the chain checks or records: a record's data hash and the audit
// trail's hash chain. Browser-safe (SHA-256 from @polkadot/util-crypto).

import { u8aToHex } from '@polkadot/util';
import { decodeAddress, sha256AsU8a } from '@polkadot/util-crypto';

import { addressOf } from './accounts.js';

/** SHA-256 of bytes, as a Uint8Array (a record's data hash is this of its ciphertext). */
export function sha256(bytes) {
  return sha256AsU8a(bytes);
}

/** 0x-hex SHA-256 of a record's ciphertext: the contract's `data_hash` ([u8; 32]). */
export function dataHash(ciphertext) {
  return u8aToHex(sha256(ciphertext));
}

/** The domain tag every audit hash starts with (record-management's AUDIT_DOMAIN). */
export const AUDIT_DOMAIN = new Uint8Array([...new TextEncoder().encode('medrec/audit/v2'), 0]);

/**
 * The hash of audit entry `index` of `patient`'s trail in the
 * record-management contract at `contract`: SHA-256 of the SCALE encoding
 * of (AUDIT_DOMAIN, contract, patient, index as u64, entry), where
 * `entryBytes` is the entry's SCALE encoding.
 */
export function auditEntryHash(contract, patient, index, entryBytes) {
  const idx = new Uint8Array(8);
  new DataView(idx.buffer).setBigUint64(0, BigInt(index), true);
  const input = new Uint8Array([
    ...AUDIT_DOMAIN,
    ...decodeAddress(addressOf(contract)),
    ...decodeAddress(addressOf(patient)),
    ...idx,
    ...entryBytes,
  ]);
  return sha256(input);
}

/**
 * Recomputes a trail's hash chain from its entries (codecs, in order from
 * index `start`, whose predecessor's hash is `prev`). Returns {hashes,
 * brokenAt, last}: brokenAt is the first index whose prev_hash is not the
 * hash of the entry before it (null when none), last the last entry's hash.
 */
export function chainHashes(contract, patient, entries, { start = 0n, prev = new Uint8Array(32) } = {}) {
  const hashes = [];
  let brokenAt = null;
  let last = prev;
  entries.forEach((entry, i) => {
    const index = BigInt(start) + BigInt(i);
    if (brokenAt === null && u8aToHex(entry.prevHash) !== u8aToHex(last)) brokenAt = index;
    last = auditEntryHash(contract, patient, index, entry.toU8a());
    hashes.push(u8aToHex(last));
  });
  return { hashes, brokenAt, last: u8aToHex(last) };
}
