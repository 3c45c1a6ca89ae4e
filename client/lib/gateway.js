// The key-release gateway (medrec-gateway) from Node: every request signed
// with the caller's chain key the way the gateway checks it (sr25519 over
// `<Bytes>` + payload + `</Bytes>`, the form a browser extension's signRaw
// produces), naming method, path, body hash, time and a fresh nonce.
//
//   const gw = new Gateway('http://127.0.0.1:8745');
//   await gw.upload(pair, ciphertext);                      // PUT /v1/objects/<sha256>
//   await gw.deposit(pair, dataHash, sealedKey);             // POST /v1/keys
//   await gw.bind(pair, patient, recordId);                  // after create_record is final
//   await gw.release(pair, { patient, recordId, auditIndex, wrapTo });
//   await gw.fetchCiphertext(pair, { patient, recordId, auditIndex });
//
// A refusal throws a GatewayError with the gateway's status and code.

import { createHash, randomBytes } from 'node:crypto';

import { stringToU8a, u8aToHex, u8aWrapBytes } from '@polkadot/util';
import { decodeAddress } from '@polkadot/util-crypto';

export class GatewayError extends Error {
  constructor(status, code, message) {
    super(`gateway: ${status} ${code}: ${message}`);
    this.status = status;
    this.code = code;
  }
}

const hex = (u8) => Buffer.from(u8).toString('hex');
const accountHex = (who) => hex(decodeAddress(typeof who === 'string' ? who : who.address));

/** The bytes a request's signature covers (already `<Bytes>`-wrapped). */
export function signedBytes(method, pathAndQuery, body, timestampMs, nonce) {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  const payload = `medrec-gateway/v1\n${method}\n${pathAndQuery}\n${bodyHash}\n${timestampMs}\n${nonce}`;
  return u8aWrapBytes(stringToU8a(payload));
}

/** The four signature headers of a request by `pair` (a keyring pair). */
export function signHeaders(pair, method, pathAndQuery, body, { now = Date.now(), nonce = randomBytes(16).toString('hex') } = {}) {
  const signature = pair.sign(signedBytes(method, pathAndQuery, body, now, nonce));
  return {
    'x-medrec-account': hex(pair.publicKey),
    'x-medrec-timestamp': String(now),
    'x-medrec-nonce': nonce,
    'x-medrec-signature': u8aToHex(signature).slice(2),
  };
}

/** Codes that mean "the gateway's finalized head does not show it yet". */
const NOT_FINAL_YET = new Set(['unknown_record', 'no_audit_entry']);

export class Gateway {
  /**
   * `finalityWaitMs`: how long bind and release keep asking while the
   * gateway's finalized head does not show the caller's transaction yet
   * (the gateway reads at finality, which trails the block the client saw).
   */
  constructor(url, { finalityWaitMs = 30_000, pollMs = 500 } = {}) {
    this.url = url.replace(/\/$/, '');
    this.finalityWaitMs = finalityWaitMs;
    this.pollMs = pollMs;
  }

  /** Runs `attempt` until it succeeds or fails for another reason than finality, within the wait. */
  async untilFinal(attempt) {
    const deadline = Date.now() + this.finalityWaitMs;
    for (;;) {
      try {
        return await attempt();
      } catch (e) {
        if (!(e instanceof GatewayError) || !NOT_FINAL_YET.has(e.code) || Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, this.pollMs));
      }
    }
  }

  async request(pair, method, path, body = Buffer.alloc(0), { raw = false } = {}) {
    const headers = pair ? signHeaders(pair, method, path, body) : {};
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers,
      body: method === 'GET' ? undefined : body,
    });
    if (!res.ok) {
      let err = {};
      try {
        err = await res.json();
      } catch {
        // not JSON: keep the status
      }
      throw new GatewayError(res.status, err.error ?? 'unknown', err.message ?? res.statusText);
    }
    return raw ? Buffer.from(await res.arrayBuffer()) : res.json();
  }

  /** `GET /v1/info`: the X25519 public key to seal data keys to, the limits. */
  async info() {
    const i = await this.request(null, 'GET', '/v1/info');
    return { ...i, publicKey: Buffer.from(i.x25519_public_key, 'hex') };
  }

  /** Stores a ciphertext under its SHA-256; returns {data_hash, new}. */
  async upload(pair, ciphertext) {
    const dataHash = createHash('sha256').update(ciphertext).digest('hex');
    return this.request(pair, 'PUT', `/v1/objects/${dataHash}`, Buffer.from(ciphertext));
  }

  /** Deposits a data key (or a share) sealed to the gateway's key. */
  async deposit(pair, dataHash, sealedKey) {
    const body = Buffer.from(JSON.stringify({ data_hash: dataHash.replace(/^0x/, ''), sealed_key: hex(sealedKey) }));
    return this.request(pair, 'POST', '/v1/keys', body);
  }

  /** Binds the deposited key to the created record (once create_record is final). */
  async bind(pair, patient, recordId) {
    return this.untilFinal(() => this.request(pair, 'POST', `/v1/records/${accountHex(patient)}/${recordId}/bind`));
  }

  /** The data key (or this gateway's share), sealed to `wrapTo`, against the caller's recorded read. */
  async release(pair, { patient, recordId, auditIndex, wrapTo }) {
    const body = Buffer.from(JSON.stringify({
      patient: accountHex(patient),
      record_id: Number(recordId),
      audit_index: Number(auditIndex),
      wrap_to: hex(wrapTo),
    }));
    const r = await this.untilFinal(() => this.request(pair, 'POST', '/v1/release', body));
    return { ...r, wrapped: Buffer.from(r.wrapped_key, 'hex') };
  }

  /** The record's ciphertext, against the caller's recorded read. */
  async fetchCiphertext(pair, { patient, recordId, auditIndex }) {
    const path = `/v1/records/${accountHex(patient)}/${recordId}/ciphertext?audit_index=${auditIndex}`;
    return this.request(pair, 'GET', path, Buffer.alloc(0), { raw: true });
  }
}
