// A recorded read, as the provider's and the patient's views both do it:
// get_record as a transaction (for a purpose), the key released by the
// gateway against the audit entry that read wrote (to a fresh X25519 key
// made for this one read), the ciphertext fetched and its SHA-256 checked
// against the chain's data_hash, and the bytes decrypted in this browser.
// The patient's own read also opens each earlier version of the record once
// (the gateway serves them to the patient only): openVersion. And the
// pieces that show the result: a decrypted record, a record's versions.
import { useEffect, useMemo, type ReactNode } from 'react';

import { dataHash } from '@medrec/core';
import type { Gateway, GatewayCaller, TxResult } from '@medrec/core';

import type { Account, Session } from './session';
import type { TxPlan } from './TxFlow';
import { Addr, Empty, ErrorNote, Loading, type Names, useLoad, when, who } from './ui';
import { PURPOSES, label } from './vocab';
import { checkHash, openBytes, readerKeys, unwrapKey } from './vault';

export interface Opened {
  bytes: Uint8Array;
  text: string | null;
  url: string;
  recordId: string;
  auditIndex: string;
  hash: string;
  emergency: boolean;
  /** An earlier version (not the record's current one), opened with the read `auditIndex`. */
  earlierVersion?: number;
}

/** What identifies a recorded read at the gateway (and, for an earlier version, which). */
export interface ReadProof { patient: string; recordId: string; auditIndex: string; version?: number }

/**
 * The key released against the read, the ciphertext fetched and checked
 * against `expectedHash` (the chain's data_hash of that version), decrypted
 * here. The one-read X25519 secret and the data key are wiped afterwards.
 */
export async function releaseAndOpen(gw: Gateway, caller: GatewayCaller, proof: ReadProof, expectedHash: string, progress: (s: string) => void) {
  const keys = await readerKeys();
  try {
    const released = await gw.release(caller, { ...proof, wrapTo: keys.publicKey });
    progress('The gateway released the key against that entry');
    const bytes = await gw.fetchCiphertext(caller, proof);
    const hash = dataHash(bytes);
    checkHash(hexBytes(expectedHash), hexBytes(hash));
    progress(`Fetched ${bytes.length} bytes; their SHA-256 equals the chain's data_hash`);
    const key = unwrapKey(released.wrapped, keys.secretKey);
    try {
      const plain = await openBytes(bytes, key);
      progress(`Decrypted in this browser: ${plain.length} bytes`);
      return { plain, hash };
    } finally {
      key.fill(0);
    }
  } finally {
    keys.secretKey.fill(0);
  }
}

/** A decrypted record as shown: its text (when it is UTF-8) and a download link. */
function toOpened(plain: Uint8Array, fields: Omit<Opened, 'bytes' | 'text' | 'url'>): Opened {
  let text: string | null = null;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(plain);
  } catch {
    text = null;
  }
  const url = URL.createObjectURL(new Blob([plain as BlobPart]));
  return { bytes: plain, text, url, ...fields };
}

/**
 * A recorded read: get_record as a transaction (for `purpose`), then the key
 * released by the gateway against the audit entry the read wrote, the
 * ciphertext fetched and checked against the chain's data_hash, and
 * decrypted in this browser. `onOpened` gets the plaintext. `title`
 * replaces the preview's heading.
 */
export function readPlan(
  session: Session, account: Account, names: Names, patient: string, id: string, purpose: string, onOpened: (o: Opened) => void,
  { title }: { title?: string } = {},
): TxPlan {
  const gw = session.gateway;
  const emergency = purpose === 'EmergencyTreatment';
  return {
    title: title ?? `${emergency ? 'Emergency read of record' : 'Read record'} ${id} of ${who(names, patient)} for ${label(PURPOSES, purpose)} (recorded in the audit trail)`,
    contract: 'recordManagement',
    message: 'get_record',
    args: [patient, id, purpose],
    after: async (r: TxResult, progress) => {
      const ev = r.events.find((x) => x.name === 'AuditAppended' && (x.args?.action === 'Read' || x.args?.action === 'EmergencyRead'));
      const auditIndex = String(ev?.args?.index ?? r.value.audit_index);
      progress(`The chain recorded the read as audit entry #${auditIndex}${ev?.args?.action === 'EmergencyRead' ? ' (an emergency read)' : ''}`);
      const { plain, hash } = await releaseAndOpen(gw, account.gw, { patient, recordId: id, auditIndex }, r.value.meta.data_hash as string, progress);
      onOpened(toOpened(plain, { recordId: id, auditIndex, hash, emergency: ev?.args?.action === 'EmergencyRead' }));
    },
  };
}

/**
 * An earlier version of a record, opened with the patient's read
 * `auditIndex` of it (no new transaction: the gateway releases each earlier
 * version once per read, to the patient only). `expectedHash` is that
 * version's data_hash on the chain (record_versions).
 */
export async function openVersion(gw: Gateway, caller: GatewayCaller, proof: ReadProof & { version: number }, expectedHash: string, progress: (s: string) => void = () => {}) {
  const { plain, hash } = await releaseAndOpen(gw, caller, proof, expectedHash, progress);
  return toOpened(plain, { recordId: proof.recordId, auditIndex: proof.auditIndex, hash, emergency: false, earlierVersion: proof.version });
}

/** A decrypted record on show (its object URL revoked when it goes). */
export function OpenedRecord({ opened }: { opened: Opened }) {
  useEffect(() => () => URL.revokeObjectURL(opened.url), [opened]);
  const preview = useMemo(() => (opened.text != null ? opened.text.slice(0, 20000) : null), [opened]);
  const v = opened.earlierVersion;
  const name = `Record ${opened.recordId}${v != null ? `, version ${v}` : ''}, decrypted`;
  return (
    <div className="opened" aria-label={name} role="region">
      <h3>{name}</h3>
      <p className="ok" data-testid="hash-check">
        SHA-256 <code>{opened.hash.slice(0, 18)}…</code> matches the chain{v != null ? `'s version ${v}` : ''}; read recorded as audit entry #{opened.auditIndex}
        {opened.emergency ? ' (an emergency read, reviewed later)' : ''}{v != null ? ' (the same read opens each earlier version once)' : ''}.
      </p>
      {preview != null ? <pre data-testid="plaintext" tabIndex={0}>{preview}</pre> : <p>Binary content ({opened.bytes.length} bytes).</p>}
      <a href={opened.url} download={`record-${opened.recordId}${v != null ? `-v${v}` : ''}`}>Download the decrypted record</a>
    </div>
  );
}

/**
 * A record's versions (1 = as created), oldest first; `action` adds a last
 * column (e.g. opening an earlier version).
 */
export function Versions({ session, recordId, names, version, action }: {
  session: Session; recordId: string; names: Names; version: number; action?: (v: any, n: number, current: boolean) => ReactNode;
}) {
  const list = useLoad(async () => {
    const out: any[] = [];
    for (let from = 1; ; from += 50) {
      const page = await session.medrec.query('recordManagement', 'record_versions', null, recordId, from, 50);
      out.push(...page);
      if (page.length < 50) break;
    }
    return out;
  }, [recordId, version]);
  return (
    <div aria-label={`Versions of record ${recordId}`} role="region">
      <h3>Versions of record {recordId}</h3>
      {list.loading && !list.data && <Loading what={`the versions of record ${recordId}`} />}
      {list.error && <ErrorNote title="Could not read the versions:">{list.error.message}</ErrorNote>}
      {list.data && list.data.length === 0 && <Empty>No record has id {recordId}.</Empty>}
      {list.data && list.data.length > 0 && (
        <table>
          <caption className="sr-only">Versions of record {recordId}, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">Version</th><th scope="col">SHA-256 of the ciphertext</th><th scope="col">Key id</th><th scope="col">Size</th><th scope="col">Author</th><th scope="col">Time</th>
              {action && <th scope="col"><span className="sr-only">Action</span></th>}
            </tr>
          </thead>
          <tbody>
            {list.data.map((v: any, i: number) => (
              <tr key={i} data-testid="version-row">
                <td>{i + 1}{i === list.data!.length - 1 ? ' (current)' : ''}</td>
                <td><code>{String(v.data_hash).slice(0, 18)}…</code></td>
                <td><code>{String(v.key_id).slice(0, 18)}…</code></td>
                <td>{v.size} bytes</td>
                <td><Addr address={v.author} names={names} /></td>
                <td>{when(v.at)}</td>
                {action && <td>{action(v, i + 1, i === list.data!.length - 1)}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function hexBytes(h: string) {
  const s = h.replace(/^0x/, '');
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}
