// The key-release gateway (medrec-gateway), browser-safe: fetch, and SHA-256
// from @polkadot/util-crypto. Every request is signed with the caller's
// chain key the way the gateway checks it (vault/core/src/request.rs):
//
//   <Bytes>medrec-gateway/v1\nMETHOD\nPATH?QUERY\nhex(sha256(body))\nTIMESTAMP_MS\nNONCE</Bytes>
//
// sr25519 under the signing context "substrate", the form a browser
// extension's signRaw produces. A caller is {address, sign}, where
// `sign(wrappedBytes)` returns the 64-byte signature: pairSigner(pair) for a
// keyring pair, extensionSigner(address, injected.signer) for an extension
// (whose signRaw wraps in <Bytes>..</Bytes> itself: it is handed the bare
// payload, and the signature is over the same wrapped bytes).
//
//   const gw = new Gateway('http://127.0.0.1:8745');
//   await gw.upload(caller, ciphertext);                      // PUT /v1/objects/<sha256>
//   await gw.deposit(caller, dataHash, sealedKey);             // POST /v1/keys
//   await gw.bind(caller, patient, recordId);                  // after create_record is final
//   await gw.release(caller, { patient, recordId, auditIndex, wrapTo });
//   await gw.fetchCiphertext(caller, { patient, recordId, auditIndex });
//   (an earlier version: `version` in both; the patient's own reads only)
//   await gw.log(caller, { from, limit });                     // GET /v1/log (verified Admins)
//
// A refusal throws a GatewayError with the gateway's status and code.

import { hexToU8a, stringToU8a, u8aToHex, u8aUnwrapBytes, u8aWrapBytes } from '@polkadot/util';
import { decodeAddress, randomAsHex, sha256AsU8a } from '@polkadot/util-crypto';

/** What each refusal code of the gateway (gateway/src/error.rs) means, in plain words. */
export const GATEWAY_CODES = {
  bad_signature: 'the request\'s signature does not verify for the account it names',
  stale_timestamp: 'the request\'s time is too far from the gateway\'s clock (check this computer\'s clock)',
  replayed_nonce: 'this request was sent before (its nonce was used)',
  malformed_request: 'the gateway could not read the request',
  unknown_uploader: 'the uploader is neither a verified, active provider nor a registered patient on the chain',
  hash_mismatch: 'the uploaded bytes do not hash to the name they were sent under',
  too_large: 'the upload is larger than the gateway accepts',
  unknown_record: 'the gateway\'s finalized chain view has no such record (yet)',
  no_audit_entry: 'the gateway\'s finalized chain view has no such audit entry (yet)',
  not_your_entry: 'that audit entry records another account\'s access',
  wrong_record: 'that audit entry is about another record',
  not_a_read: 'that audit entry is not a read',
  entry_expired: 'that recorded read is too old: read the record again',
  entry_used: 'that recorded read was used already: read the record again',
  record_deleted: 'the record is deleted and its keys destroyed',
  key_not_deposited: 'the record\'s author deposited no key for its ciphertext at this gateway',
  bad_sealed_key: 'the deposited key does not open with the gateway\'s key',
  object_missing: 'the gateway does not hold the record\'s ciphertext',
  chain_unavailable: 'the gateway cannot reach the chain, and releases nothing without it',
  store_unavailable: 'the gateway\'s store is unavailable',
  timeout: 'the request took too long',
  unknown_version: 'the record has no such version',
  earlier_version_patient_only: 'earlier versions of a record are released to its patient only (a read opens the current version)',
  not_log_reader: 'only a verified, active provider with the Admin role may read the gateway\'s log',
  not_found: 'no such route at the gateway',
  method_not_allowed: 'that method is not allowed on this route',
};

export class GatewayError extends Error {
  constructor(status, code, message) {
    super(`gateway: ${status} ${code}: ${message}`);
    this.name = 'GatewayError';
    this.status = status;
    this.code = code;
    this.plain = GATEWAY_CODES[code] ?? message;
  }
}

const hex = (u8) => u8aToHex(u8).slice(2);
const accountHex = (who) => hex(decodeAddress(typeof who === 'string' ? who : who.address));
const asBytes = (b) => (b == null ? new Uint8Array(0) : typeof b === 'string' ? stringToU8a(b) : b instanceof Uint8Array ? b : new Uint8Array(b));

/** The payload a request signs, before <Bytes> wrapping. */
export function requestPayload(method, pathAndQuery, body, timestampMs, nonce) {
  const bodyHash = hex(sha256AsU8a(asBytes(body)));
  return `medrec-gateway/v1\n${method}\n${pathAndQuery}\n${bodyHash}\n${timestampMs}\n${nonce}`;
}

/** The bytes a request's signature covers (already `<Bytes>`-wrapped). */
export function signedBytes(method, pathAndQuery, body, timestampMs, nonce) {
  return u8aWrapBytes(stringToU8a(requestPayload(method, pathAndQuery, body, timestampMs, nonce)));
}

/** The domain tag of the gateway's log hashes (gateway/src/log.rs). */
const LOG_DOMAIN = stringToU8a('medrec-gateway/log/v1\0');

/**
 * The hash of one entry of the gateway's log, hex: SHA-256 of the domain
 * tag, the previous entry's hash (32 bytes) and the compact JSON of
 * {seq, at, event, fields} in that key order, the fields' keys sorted.
 */
export function logEntryHash(entry, prevHex = entry.prev) {
  const fields = {};
  for (const k of Object.keys(entry.fields ?? {}).sort()) fields[k] = entry.fields[k];
  const json = JSON.stringify({ seq: entry.seq, at: entry.at, event: entry.event, fields });
  const prev = hexToU8a(`0x${prevHex}`);
  if (prev.length !== 32) throw new Error(`log entry ${entry.seq}: prev is not 32 bytes`);
  return hex(sha256AsU8a(new Uint8Array([...LOG_DOMAIN, ...prev, ...stringToU8a(json)])));
}

/**
 * Checks a run of consecutive log entries: each one's hash recomputed, each
 * one's prev the hash before it, seq consecutive; the first one's prev is
 * `prevHex` (zeros before seq 0; the entry before the page's otherwise, when
 * known). Returns {ok, checked, brokenAt (seq or null), reason}.
 */
export function verifyLogEntries(entries, prevHex = null) {
  let prev = prevHex ?? (entries[0]?.seq === 0 ? '00'.repeat(32) : null);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (i > 0 && e.seq !== entries[i - 1].seq + 1) return { ok: false, checked: i, brokenAt: e.seq, reason: `entry ${e.seq} does not follow entry ${entries[i - 1].seq}` };
    if (prev !== null && e.prev !== prev) return { ok: false, checked: i, brokenAt: e.seq, reason: `entry ${e.seq} does not link to the hash before it` };
    if (logEntryHash(e) !== e.hash) return { ok: false, checked: i, brokenAt: e.seq, reason: `entry ${e.seq} does not hash to its recorded hash` };
    prev = e.hash;
  }
  return { ok: true, checked: entries.length, brokenAt: null, reason: null };
}

/** A fresh nonce: 32 hex digits (the gateway takes 16 to 64 of [0-9A-Za-z_-]). */
export function newNonce() {
  return randomAsHex(16).slice(2);
}

/** A caller backed by a keyring pair (sr25519). */
export function pairSigner(pair) {
  return { address: pair.address, publicKey: pair.publicKey, sign: async (bytes) => pair.sign(bytes) };
}

/**
 * A caller backed by a polkadot.js Signer with signRaw (a browser
 * extension's `injected.signer`). signRaw wraps the data in <Bytes>..</Bytes>
 * itself, so it is handed the bare payload.
 */
export function extensionSigner(address, injectedSigner) {
  if (!injectedSigner?.signRaw) throw new Error('this wallet cannot sign raw bytes (signRaw), which the gateway needs');
  return {
    address,
    sign: async (wrapped) => {
      const { signature } = await injectedSigner.signRaw({ address, data: u8aToHex(u8aUnwrapBytes(wrapped)), type: 'bytes' });
      // sr25519 signatures from extensions may carry a leading type byte when 65 bytes long.
      const sig = hexToU8a(signature);
      return sig.length === 65 ? sig.slice(1) : sig;
    },
  };
}

/** A keyring pair as a caller; a caller as itself. */
function asCaller(who) {
  if (who && typeof who.sign === 'function' && who.publicKey && who.type) return pairSigner(who);
  return who;
}

/** The four signature headers of a request by `caller`. */
export async function signHeaders(caller, method, pathAndQuery, body, { now = Date.now(), nonce = newNonce() } = {}) {
  const c = asCaller(caller);
  const signature = await c.sign(signedBytes(method, pathAndQuery, body, now, nonce));
  return {
    'x-medrec-account': accountHex(c.address),
    'x-medrec-timestamp': String(now),
    'x-medrec-nonce': nonce,
    'x-medrec-signature': hex(signature),
  };
}

/** Codes that mean "the gateway's finalized head does not show it yet". */
const NOT_FINAL_YET = new Set(['unknown_record', 'no_audit_entry']);
/**
 * For uploads and deposits: also `unknown_uploader`, since a provider just
 * verified (or a patient just registered) is not in the finalized state for
 * a block or two (the --dev node finalizes 1 s after each block). A cold CI
 * run uploaded within that gap and was refused.
 */
const UPLOADER_NOT_FINAL_YET = new Set(['unknown_uploader']);

export class Gateway {
  /**
   * `finalityWaitMs`: how long bind and release keep asking while the
   * gateway's finalized head does not show the caller's transaction yet
   * (the gateway reads at finality, which trails the block the client saw).
   */
  constructor(url, { finalityWaitMs = 30_000, pollMs = 500, fetch: fetchFn } = {}) {
    this.url = url.replace(/\/$/, '');
    this.finalityWaitMs = finalityWaitMs;
    this.pollMs = pollMs;
    this.fetch = fetchFn ?? ((...a) => globalThis.fetch(...a));
  }

  /** Runs `attempt` until it succeeds or fails for another reason than finality, within the wait. */
  async untilFinal(attempt, codes = NOT_FINAL_YET) {
    const deadline = Date.now() + this.finalityWaitMs;
    for (;;) {
      try {
        return await attempt();
      } catch (e) {
        if (!(e instanceof GatewayError) || !codes.has(e.code) || Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, this.pollMs));
      }
    }
  }

  /** One request; signed when `caller` is given. Resolves with the JSON answer, or the bytes with `raw`. */
  async request(caller, method, path, body = new Uint8Array(0), { raw = false } = {}) {
    const bytes = asBytes(body);
    const headers = caller ? await signHeaders(caller, method, path, bytes) : {};
    let res;
    try {
      res = await this.fetch(`${this.url}${path}`, { method, headers, body: method === 'GET' ? undefined : bytes });
    } catch (e) {
      throw new GatewayError(0, 'unreachable', `no answer from the gateway at ${this.url} (${e.message})`);
    }
    if (!res.ok) {
      let err = {};
      try {
        err = await res.json();
      } catch {
        // not JSON: keep the status
      }
      throw new GatewayError(res.status, err.error ?? 'unknown', err.message ?? res.statusText);
    }
    return raw ? new Uint8Array(await res.arrayBuffer()) : res.json();
  }

  /** `GET /v1/info`: the X25519 public key to seal data keys to, the limits. */
  async info() {
    const i = await this.request(null, 'GET', '/v1/info');
    return { ...i, publicKey: hexToU8a(`0x${i.x25519_public_key}`) };
  }

  /** Stores a ciphertext under its SHA-256; returns {data_hash, new}. */
  async upload(caller, ciphertext) {
    const bytes = asBytes(ciphertext);
    const path = `/v1/objects/${hex(sha256AsU8a(bytes))}`;
    return this.untilFinal(() => this.request(caller, 'PUT', path, bytes), UPLOADER_NOT_FINAL_YET);
  }

  /** Deposits a data key (or a share) sealed to the gateway's key. */
  async deposit(caller, dataHash, sealedKey) {
    const h = typeof dataHash === 'string' ? dataHash.replace(/^0x/, '') : hex(dataHash);
    const body = stringToU8a(JSON.stringify({ data_hash: h, sealed_key: hex(sealedKey) }));
    return this.untilFinal(() => this.request(caller, 'POST', '/v1/keys', body), UPLOADER_NOT_FINAL_YET);
  }

  /** Binds the deposited key to the created record (once create_record is final). */
  async bind(caller, patient, recordId) {
    return this.untilFinal(() => this.request(caller, 'POST', `/v1/records/${accountHex(patient)}/${recordId}/bind`));
  }

  /** The data key (or this gateway's share), sealed to `wrapTo`, against the caller's recorded read. */
  async release(caller, { patient, recordId, auditIndex, wrapTo, version }) {
    const body = stringToU8a(JSON.stringify({
      patient: accountHex(patient),
      record_id: Number(recordId),
      audit_index: Number(auditIndex),
      wrap_to: hex(wrapTo),
      ...(version == null ? {} : { version: Number(version) }),
    }));
    const r = await this.untilFinal(() => this.request(caller, 'POST', '/v1/release', body));
    return { ...r, wrapped: hexToU8a(`0x${r.wrapped_key}`) };
  }

  /**
   * A page of the gateway's log (signed; the caller must be a verified,
   * active Admin on the chain, else not_log_reader): {entries, total, next}.
   */
  async log(caller, { from = 0, limit = 100 } = {}) {
    return this.request(caller, 'GET', `/v1/log?from=${from}&limit=${limit}`);
  }

  /**
   * The record's ciphertext, against the caller's recorded read. `version`
   * (release and fetch): an earlier version, which the gateway serves to the
   * patient only, each once per read.
   */
  async fetchCiphertext(caller, { patient, recordId, auditIndex, version }) {
    const v = version == null ? '' : `&version=${Number(version)}`;
    const path = `/v1/records/${accountHex(patient)}/${recordId}/ciphertext?audit_index=${auditIndex}${v}`;
    return this.request(caller, 'GET', path, new Uint8Array(0), { raw: true });
  }
}
