// The key-release gateway (medrec-gateway) from Node: the browser-safe
// client in core/gateway.js with Node's conveniences kept: a keyring pair
// signs, and bytes come back as Buffers.
//
//   const gw = new Gateway('http://127.0.0.1:8745');
//   await gw.upload(pair, ciphertext);                      // PUT /v1/objects/<sha256>
//   await gw.deposit(pair, dataHash, sealedKey);             // POST /v1/keys
//   await gw.bind(pair, patient, recordId);                  // after create_record is final
//   await gw.release(pair, { patient, recordId, auditIndex, wrapTo });
//   await gw.fetchCiphertext(pair, { patient, recordId, auditIndex });
//
// A refusal throws a GatewayError with the gateway's status and code.

import { randomBytes } from 'node:crypto';

import { u8aToHex } from '@polkadot/util';

import * as core from './core/gateway.js';
import { sealBytes, wrapKey } from './vault.js';

export { GATEWAY_CODES, GatewayError, extensionSigner, pairSigner, requestPayload, signedBytes } from './core/gateway.js';

/** The four signature headers of a request by `pair` (a keyring pair), computed synchronously. */
export function signHeaders(pair, method, pathAndQuery, body, { now = Date.now(), nonce = randomBytes(16).toString('hex') } = {}) {
  const signature = pair.sign(core.signedBytes(method, pathAndQuery, body, now, nonce));
  return {
    'x-medrec-account': u8aToHex(pair.publicKey).slice(2),
    'x-medrec-timestamp': String(now),
    'x-medrec-nonce': nonce,
    'x-medrec-signature': u8aToHex(signature).slice(2),
  };
}

export class Gateway extends core.Gateway {
  async info() {
    const i = await super.info();
    return { ...i, publicKey: Buffer.from(i.publicKey) };
  }

  async release(caller, proof) {
    const r = await super.release(caller, proof);
    return { ...r, wrapped: Buffer.from(r.wrapped) };
  }

  async fetchCiphertext(caller, proof) {
    return Buffer.from(await super.fetchCiphertext(caller, proof));
  }

  /**
   * Seals `plaintext` in memory, uploads the ciphertext and deposits its data
   * key sealed to this gateway, as `author`; returns what create_record and
   * update_record then name: {dataHash, keyId} (0x-hex) and size.
   */
  async store(author, plaintext) {
    const info = await this.info();
    const s = sealBytes(plaintext);
    await this.upload(author, s.ciphertext);
    await this.deposit(author, s.dataHash.toString('hex'), wrapKey(s.key, info.publicKey));
    return { dataHash: `0x${s.dataHash.toString('hex')}`, keyId: `0x${s.keyId}`, size: s.size };
  }
}
