// The patient's records (every page of patient_records), each opened with
// a recorded read (get_record for PatientRequest, previewed and signed; the
// key released against that audit entry, the bytes checked against the
// chain's hash, decrypted in this browser: read.tsx, as the provider reads),
// and the record's earlier versions opened from that same read (the gateway
// serves them to the patient only, each once per read). And what the
// contract lets the patient side do to a record: lock and unlock it (a
// locked record is read by the patient side only and changed by nobody);
// for the records the patient side created, archive it, move it under
// review or back to active, and delete it once its retention time is over
// (the gateway then destroys its keys). A delegate acting for the patient
// does the same, except opening earlier versions.
import { useEffect, useRef, useState } from 'react';

import { explainError } from '@medrec/core';

import { allPages } from './Access';
import { OpenedRecord, Versions, openVersion, readPlan, type Opened } from './read';
import type { Account, Session } from './session';
import type { TxPlan } from './TxFlow';
import { Addr, Empty, ErrorNote, Field, Loading, Section, type Names, useLoad, when, who } from './ui';

/** The purpose the patient side declares for its own reads and changes. */
const PURPOSE = 'PatientRequest';

const STATUS_WORDS: Record<string, string> = {
  Active: 'Active',
  UnderReview: 'Under review',
  Archived: 'Archived (read-only)',
  Locked: 'Locked',
  Deleted: 'Deleted (keys destroyed)',
};

export function Records({ session, account, me, names, version, onPlan, busy, delegate }: {
  session: Session;
  account: Account;
  /** The patient whose records these are (the account itself, or the patient a delegate acts for). */
  me: string;
  names: Names;
  version: number;
  onPlan: (p: TxPlan) => void;
  busy: boolean;
  /** The account is a delegate acting for `me`. */
  delegate: boolean;
}) {
  const records = useLoad(
    () => allPages<any>((from) => session.medrec.query('recordManagement', 'patient_records', null, me, from, 50)),
    [me, version],
  );
  const whose = delegate ? 'the patient\'s' : 'your';
  // The latest read: the current version decrypted, and the earlier versions opened with that read.
  const [opened, setOpened] = useState<Opened | null>(null);
  const [earlier, setEarlier] = useState<Opened[]>([]);
  const [deleting, setDeleting] = useState<any | null>(null);
  const shown = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (opened) shown.current?.focus();
  }, [opened]);

  const plan = (r: any, title: string, message: string, args: unknown[]) => onPlan({
    title,
    contract: 'recordManagement',
    message,
    args: [me, String(r.record_id), ...args],
  });
  const open = (r: any) => {
    setOpened(null);
    setEarlier([]);
    setDeleting(null);
    const id = String(r.record_id);
    onPlan(readPlan(session, account, names, me, id, PURPOSE, setOpened, {
      title: delegate
        ? `Open record ${id} of ${who(names, me)} at the patient's request (recorded in the patient's audit trail)`
        : `Open your record ${id} at your request (recorded in your audit trail)`,
    }));
  };
  const openedRecord = opened ? records.data?.find((r: any) => String(r.record_id) === opened.recordId) : null;

  return (
    <Section title="My records" id="my-records">
      {records.loading && !records.data && <Loading what={`${whose} records`} />}
      {records.error && <ErrorNote>{records.error.message}</ErrorNote>}
      {records.data && records.data.length === 0 && <Empty>No records yet. A provider {delegate ? 'the patient' : 'you'} consented to can create one.</Empty>}
      {records.data && records.data.length > 0 && (
        <>
          <p className="muted" data-testid="records-count">
            {records.data.length} {records.data.length === 1 ? 'record' : 'records'}. Opening one is a transaction: the read is recorded in{' '}
            {whose} audit trail, and the gateway releases its key against that entry; it is decrypted in this browser.
          </p>
          <table>
            <caption className="sr-only">{delegate ? 'The patient\'s records' : 'Your records'}</caption>
            <thead>
              <tr>
                <th scope="col">Id</th><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Size</th><th scope="col">Author</th>
                <th scope="col">Created</th><th scope="col">Version</th><th scope="col"><span className="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {records.data.map((r: any) => (
                <RecordRow
                  key={r.record_id}
                  r={r}
                  names={names}
                  busy={busy}
                  onOpen={() => open(r)}
                  onPlan={(title, message, args) => {
                    setDeleting(null);
                    plan(r, title, message, args);
                  }}
                  onDelete={() => setDeleting(r)}
                />
              ))}
            </tbody>
          </table>
          <p className="muted">
            Locking a record keeps it as it is: nobody changes it, and only {delegate ? 'the patient and the patient\'s delegates' : 'you and your delegates'} read
            it, until it is unlocked. Archiving, review and deletion are offered for the records {delegate ? 'the patient' : 'you'} (or a delegate)
            created; a record a provider created is archived or deleted by a provider {delegate ? 'the patient' : 'you'} gave Admin permission on
            its type.
          </p>
        </>
      )}
      {deleting && (
        <DeleteWarning
          r={deleting}
          whose={whose}
          busy={busy}
          onCancel={() => setDeleting(null)}
          onReview={() => plan(deleting, `Delete record ${deleting.record_id} and destroy its keys (cannot be undone)`, 'delete_record', [PURPOSE])}
        />
      )}
      {opened && (
        <div ref={shown} tabIndex={-1}>
          <OpenedRecord opened={opened} />
          {openedRecord && Number(openedRecord.meta.version) > 1 && (
            <>
              <Versions
                session={session}
                recordId={opened.recordId}
                names={names}
                version={version}
                action={(v, n, current) => current ? (
                  <span className="muted">opened above</span>
                ) : (
                  <EarlierVersion
                    key={`${opened.auditIndex}-${n}`}
                    session={session}
                    account={account}
                    patient={me}
                    read={opened}
                    n={n}
                    dataHash={String(v.data_hash)}
                    delegate={delegate}
                    done={earlier.some((o) => o.earlierVersion === n)}
                    onOpened={(o) => setEarlier((list) => [...list.filter((x) => x.earlierVersion !== n), o].sort((a, b) => a.earlierVersion! - b.earlierVersion!))}
                  />
                )}
              />
              {delegate && (
                <p className="muted">The gateway releases a record's earlier versions to the patient alone; a delegate's read opens the current version.</p>
              )}
            </>
          )}
          {earlier.map((o) => <OpenedRecord key={o.earlierVersion} opened={o} />)}
        </div>
      )}
    </Section>
  );
}

function RecordRow({ r, names, busy, onOpen, onPlan, onDelete }: {
  r: any; names: Names; busy: boolean;
  onOpen: () => void;
  onPlan: (title: string, message: string, args: unknown[]) => void;
  onDelete: () => void;
}) {
  const id = String(r.record_id);
  const status: string = r.meta.status;
  const own = !!r.meta.patient_authored;
  const changeable = own && status !== 'Locked' && status !== 'Deleted';
  const button = (text: string, aria: string, click: () => void) => (
    <button type="button" disabled={busy} aria-label={aria} onClick={click}>{text}</button>
  );
  return (
    <tr data-testid="record-row" data-record={id}>
      <td>{id}</td>
      <td>{r.meta.record_type}</td>
      <td data-testid="record-status">{STATUS_WORDS[status] ?? status}</td>
      <td>{r.meta.size} bytes</td>
      <td><Addr address={r.meta.created_by} names={names} />{own && <span className="muted"> (patient side)</span>}</td>
      <td>{when(r.meta.created_at)}</td>
      <td>{r.meta.version}</td>
      <td className="actions">
        {status !== 'Deleted' && button('Open', `Open record ${id}`, onOpen)}
        {status !== 'Deleted' && status !== 'Locked' && button('Lock', `Lock record ${id}`, () => onPlan(
          `Lock record ${id}: nobody changes it and only the patient side reads it until it is unlocked`, 'lock_record', [PURPOSE],
        ))}
        {status === 'Locked' && button('Unlock', `Unlock record ${id}`, () => onPlan(
          `Unlock record ${id} (back to ${STATUS_WORDS[r.meta.status_before_lock ?? 'Active'] ?? r.meta.status_before_lock})`, 'unlock_record', [PURPOSE],
        ))}
        {changeable && status !== 'Archived' && button('Archive', `Archive record ${id}`, () => onPlan(
          `Archive record ${id} (read-only from then on)`, 'archive_record', [PURPOSE],
        ))}
        {changeable && status === 'Active' && button('Under review', `Mark record ${id} under review`, () => onPlan(
          `Mark record ${id} under review`, 'set_record_status', ['UnderReview', PURPOSE],
        ))}
        {changeable && status !== 'Active' && button('Make active', `Make record ${id} active again`, () => onPlan(
          `Make record ${id} active again`, 'set_record_status', ['Active', PURPOSE],
        ))}
        {changeable && button('Delete…', `Delete record ${id}`, onDelete)}
      </td>
    </tr>
  );
}

/** Deleting: what it does, in plain words, acknowledged before the preview. */
function DeleteWarning({ r, whose, busy, onCancel, onReview }: {
  r: any; whose: string; busy: boolean; onCancel: () => void; onReview: () => void;
}) {
  const id = String(r.record_id);
  const [understood, setUnderstood] = useState(false);
  const early = Date.now() < Number(r.meta.retention_until);
  return (
    <div role="region" aria-label={`Delete record ${id}`} className="tx">
      <h3>Delete record {id}?</h3>
      <p data-testid="delete-warning" className="error">
        <strong>This cannot be undone.</strong> Once the deletion is final, the key-release gateway destroys the record's keys (those of
        every version). Nobody can decrypt the record after that: not {whose === 'your' ? 'you' : 'the patient'}, not a provider, not the
        gateway; its encrypted bytes are useless (a copy someone already decrypted and saved is not affected). The chain keeps that the record existed, and {whose} audit trail keeps who did what with it.
      </p>
      <p>
        The record must be kept until {when(r.meta.retention_until)}
        {early ? ': the contract refuses to delete it before then (the preview will say so).' : '; that time has passed.'}
      </p>
      <Field label="I understand that deleting destroys the record's keys at the gateway and cannot be undone" id={`delete-ack-${id}`}>
        <input id={`delete-ack-${id}`} type="checkbox" checked={understood} onChange={(e) => setUnderstood(e.target.checked)} />
      </Field>
      <div className="actions">
        <button type="button" disabled={busy || !understood} onClick={onReview}>Review the deletion</button>
        <button type="button" onClick={onCancel}>Keep the record</button>
      </div>
    </div>
  );
}

/** Opening an earlier version with the read that opened the record (no transaction). */
function EarlierVersion({ session, account, patient, read, n, dataHash, delegate, done, onOpened }: {
  session: Session; account: Account; patient: string; read: Opened; n: number; dataHash: string; delegate: boolean; done: boolean;
  onOpened: (o: Opened) => void;
}) {
  const [state, setState] = useState<'idle' | 'opening' | 'failed'>('idle');
  const [error, setError] = useState<string | null>(null);
  if (delegate) return <span className="muted">the patient's only</span>;
  if (done) return <span className="ok">opened below</span>;
  const go = async () => {
    setState('opening');
    setError(null);
    try {
      onOpened(await openVersion(session.gateway, account.gw, { patient, recordId: read.recordId, auditIndex: read.auditIndex, version: n }, dataHash));
      setState('idle');
    } catch (e) {
      const x = explainError(e);
      setError(`${x.name}: ${x.text}`);
      setState('failed');
    }
  };
  return (
    <>
      <button type="button" disabled={state === 'opening'} aria-label={`Open version ${n} of record ${read.recordId}`} onClick={go}>
        {state === 'opening' ? 'Opening…' : `Open version ${n}`}
      </button>
      {error && <ErrorNote title="Could not open it:">{error}</ErrorNote>}
    </>
  );
}
