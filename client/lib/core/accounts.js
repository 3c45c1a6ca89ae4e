// Accounts and signers, browser-safe.
//
// A transaction signer is either a keyring pair or {address, signer}, where
// `signer` is a polkadot.js Signer (a browser extension's injected signer).
// A raw-bytes signer for the gateway is a function (bytes) => signature
// (see gateway.js: pairSigner, extensionSigner).

import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, decodeAddress } from '@polkadot/util-crypto';

let keyring;
/** A keypair from a secret URI (`//Alice`, a mnemonic, ...), sr25519. Call after cryptoWaitReady(). */
export function signer(uri) {
  keyring ??= new Keyring({ type: 'sr25519' });
  return keyring.addFromUri(uri);
}

/** The names of the dev accounts a `--dev` chain endows. */
export const DEV_NAMES = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'];

/** Waits for the crypto libraries (sr25519 wasm). */
export const cryptoReady = cryptoWaitReady;

/** The dev accounts of the journeys: Alice (owner), Bob, Charlie, Dave, Eve, Ferdie (and One, Two). */
export async function devAccounts() {
  await cryptoWaitReady();
  const names = [...DEV_NAMES, 'One', 'Two'];
  return Object.fromEntries(names.map((n) => [n.toLowerCase(), signer(`//${n}`)]));
}

/** An address from an SS58 string, a `//Name` dev URI, a keypair or {address, signer}. */
export function addressOf(who) {
  if (who && typeof who === 'object' && who.address) return who.address;
  if (typeof who === 'string' && who.startsWith('//')) return signer(who).address;
  return who;
}

/** 0x-hex public key of an address. */
export function pubkeyHex(address) {
  return u8aToHex(decodeAddress(addressOf(address)));
}

/** Whether two addresses (any SS58 format, or hex) name the same account. */
export function sameAccount(a, b) {
  if (a == null || b == null) return false;
  try {
    return pubkeyHex(a) === pubkeyHex(b);
  } catch {
    return false;
  }
}
