// The patient's access controls: pending access requests (approve with
// duration, record types and level in one transaction, or deny),
// permissions on record types, delegates, the break-glass preference, and
// the emergency windows opened on the patient with their reviews.
import { useEffect, useRef, useState } from 'react';

import { sameAccount } from '@medrec/core';

import type { Session } from './session';
import type { TxPlan } from './TxFlow';
import { Addr, Empty, ErrorNote, Field, Loading, Section, type Names, useLoad, when, who } from './ui';
import {
  ACCESS_LEVELS,
  DATA_TYPES,
  DAY_MS,
  DELEGATE_KINDS,
  EMERGENCY_PREFERENCES,
  EMERGENCY_REASONS,
  PURPOSES,
  RECORD_TYPES,
  label,
  recordTypesFor,
} from './vocab';

interface Props { session: Session; me: string; names: Names; version: number; onPlan: (p: TxPlan) => void; busy: boolean }


/** Every page of a MAX_PAGE (50) list query, up to `cap` items. */
export async function allPages<T>(page: (from: number) => Promise<T[]>, cap = 1000): Promise<T[]> {
  const out: T[] = [];
  for (let from = 0; out.length < cap; from += 50) {
    const p = await page(from);
    out.push(...p);
    if (p.length < 50) break;
  }
  return out;
}

/** An account field with the known accounts (the wallet's and, in development mode, the dev keys) offered. */
export function AccountInput({ id, label: text, value, onChange, names, me }: {
  id: string; label: string; value: string; onChange: (v: string) => void; names: Names; me: string;
}) {
  return (
    <Field label={text} id={id}>
      <input id={id} list={`${id}-list`} value={value} autoComplete="off" onChange={(e) => onChange(e.target.value)} />
      <datalist id={`${id}-list`}>
        {[...names.entries()].filter(([a]) => !sameAccount(a, me)).map(([a, n]) => <option key={a} value={a}>{n}</option>)}
      </datalist>
    </Field>
  );
}

/** Days as milliseconds, or an error in words. */
function daysMs(days: string, what: string): number | string {
  const d = Number(days);
  if (!days.trim() || !Number.isFinite(d) || d <= 0) return `${what} needs a duration of more than 0 days.`;
  return Math.round(d * DAY_MS);
}

// --- access requests -------------------------------------------------------

export function Requests({ session, me, names, version, onPlan, busy }: Props) {
  const pending = useLoad(() => allPages((from) => session.medrec.query('patientConsent', 'pending_requests', null, me, from, 50)), [me, version]);
  const [approving, setApproving] = useState<any | null>(null);

  return (
    <Section title="Access requests awaiting your decision" id="requests">
      {pending.loading && !pending.data && <Loading what="pending access requests" />}
      {pending.error && <ErrorNote title="Could not read your pending requests:">{pending.error.message}</ErrorNote>}
      {pending.data && pending.data.length === 0 && <Empty>No provider is waiting for your decision.</Empty>}
      {pending.data && pending.data.length > 0 && (
        <table>
          <caption className="sr-only">Pending access requests</caption>
          <thead>
            <tr><th scope="col">Request</th><th scope="col">Provider</th><th scope="col">Data type</th><th scope="col">Purpose</th><th scope="col">Asked</th><th scope="col"><span className="sr-only">Decision</span></th></tr>
          </thead>
          <tbody>
            {pending.data.map((r: any) => (
              <tr key={r.id}>
                <td>#{r.id}</td>
                <td><Addr address={r.request.provider} names={names} /></td>
                <td>{label(DATA_TYPES, r.request.data_type)}</td>
                <td>{label(PURPOSES, r.request.purpose)}</td>
                <td>{when(r.request.requested_at)}</td>
                <td className="actions">
                  <button type="button" disabled={busy} aria-label={`Approve request ${r.id} from ${who(names, r.request.provider)}`} onClick={() => setApproving(r)}>
                    Approve…
                  </button>
                  <button
                    type="button"
                    disabled={busy}
                    aria-label={`Deny request ${r.id} from ${who(names, r.request.provider)}`}
                    onClick={() => {
                      setApproving(null);
                      onPlan({
                        title: `Deny request #${r.id}: ${who(names, r.request.provider)} asked for ${label(DATA_TYPES, r.request.data_type)}`,
                        contract: 'patientConsent',
                        message: 'deny_access_request',
                        args: [r.id],
                      });
                    }}
                  >
                    Deny
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {approving && (
        <ApproveForm
          key={approving.id}
          request={approving}
          names={names}
          busy={busy}
          onCancel={() => setApproving(null)}
          onPlan={(p) => {
            setApproving(null);
            onPlan(p);
          }}
        />
      )}
    </Section>
  );
}

function ApproveForm({ request: r, names, busy, onPlan, onCancel }: {
  request: any; names: Names; busy: boolean; onPlan: (p: TxPlan) => void; onCancel: () => void;
}) {
  const eligible = recordTypesFor(r.request.data_type);
  const [days, setDays] = useState('30');
  const [types, setTypes] = useState<string[]>([]);
  const [level, setLevel] = useState('Read');
  const [error, setError] = useState<string | null>(null);
  const fid = `approve-${r.id}`;
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    const ms = daysMs(days, 'The approval');
    if (typeof ms === 'string') return setError(ms);
    const ordered = RECORD_TYPES.filter((t) => types.includes(t));
    onPlan({
      title: `Approve request #${r.id}: ${who(names, r.request.provider)} may see ${label(DATA_TYPES, r.request.data_type)} for ${label(PURPOSES, r.request.purpose)}, ${days} days${ordered.length ? `, with ${level} on ${ordered.join(', ')}` : ''}`,
      contract: 'patientConsent',
      message: 'approve_access_request',
      args: [r.id, ms, ordered, level],
    });
  };

  return (
    <form onSubmit={submit} aria-label={`Approve request ${r.id}`} className="grid subform">
      <h3 tabIndex={-1} ref={heading}>Approve request #{r.id}</h3>
      <p>
        <Addr address={r.request.provider} names={names} /> asks for <strong>{label(DATA_TYPES, r.request.data_type)}</strong> for{' '}
        <strong>{label(PURPOSES, r.request.purpose)}</strong>. Approving consents to that data type for that purpose (added to the
        purposes of a consent still in force) and, with record types, gives the provider a permission on each until the same expiry.
      </p>
      <Field label="Expires after (days)" id={`${fid}-days`}>
        <input id={`${fid}-days`} type="number" min="0.01" step="any" value={days} onChange={(e) => setDays(e.target.value)} />
      </Field>
      <fieldset>
        <legend>Record types the provider gets a permission on (none: consent only)</legend>
        {eligible.length === 0 && <Empty>No record type belongs to this data type.</Empty>}
        {eligible.map((t) => (
          <label key={t} className="check">
            <input type="checkbox" checked={types.includes(t)} onChange={(e) => setTypes(e.target.checked ? [...types, t] : types.filter((x) => x !== t))} />
            {t}
          </label>
        ))}
      </fieldset>
      <Field label="Access level on those record types" id={`${fid}-level`}>
        <select id={`${fid}-level`} value={level} onChange={(e) => setLevel(e.target.value)}>
          {ACCESS_LEVELS.map((l) => <option key={l.name} value={l.name}>{l.label}</option>)}
        </select>
      </Field>
      {error && <ErrorNote>{error}</ErrorNote>}
      <div className="actions">
        <button type="submit" disabled={busy}>Review the approval</button>
        <button type="button" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}

// --- permissions -----------------------------------------------------------

function quotaText(p: any) {
  const q = p.quota;
  if (!q) return 'no quota';
  const parts = [];
  if (q.max_reads != null) parts.push(`${p.reads_used} of ${q.max_reads} reads`);
  if (q.max_bytes != null) parts.push(`${p.bytes_used} of ${q.max_bytes} bytes`);
  return parts.join(', ');
}

export function Permissions({ session, me, names, version, onPlan, busy }: Props) {
  const list = useLoad(() => allPages((from) => session.medrec.query('recordManagement', 'permissions_of', null, me, from, 50)), [me, version]);
  const [provider, setProvider] = useState('');
  const [recordType, setRecordType] = useState('Diagnosis');
  const [level, setLevel] = useState('Read');
  const [days, setDays] = useState('30');
  const [maxReads, setMaxReads] = useState('');
  const [error, setError] = useState<string | null>(null);

  const grant = (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    const p = provider.trim();
    if (!p) return setError('Name the provider (an address).');
    let ms: number | null = null;
    if (days.trim()) {
      const m = daysMs(days, 'The permission');
      if (typeof m === 'string') return setError(`${m} Leave it empty for no expiry.`);
      ms = m;
    }
    let quota: { max_reads: number; max_bytes: null } | null = null;
    if (maxReads.trim()) {
      const n = Number(maxReads);
      if (!Number.isInteger(n) || n < 1 || n > 0xffffffff) return setError('The read limit is a whole number of at least 1 (or empty for none).');
      quota = { max_reads: n, max_bytes: null };
    }
    onPlan({
      title: `Permission: ${who(names, p)} gets ${level} on ${recordType}${ms ? `, ${days} days` : ', no expiry'}${quota ? `, at most ${quota.max_reads} reads` : ''}`,
      contract: 'recordManagement',
      message: 'grant_permission',
      args: [me, p, recordType, level, ms, quota],
    });
  };

  return (
    <Section title="Permissions on my record types" id="permissions">
      {list.loading && !list.data && <Loading what="your permissions" />}
      {list.error && <ErrorNote title="Could not read your permissions:">{list.error.message}</ErrorNote>}
      {list.data && list.data.length === 0 && <Empty>No provider holds a permission on your records.</Empty>}
      {list.data && list.data.length > 0 && (
        <table>
          <caption className="sr-only">Your permissions</caption>
          <thead>
            <tr><th scope="col">Provider</th><th scope="col">Record type</th><th scope="col">Level</th><th scope="col">Expires</th><th scope="col">Quota</th><th scope="col">Status</th><th scope="col"><span className="sr-only">Action</span></th></tr>
          </thead>
          <tbody>
            {list.data.map((v: any) => (
              <tr key={`${v.provider}-${v.record_type}`}>
                <td><Addr address={v.provider} names={names} /></td>
                <td>{v.record_type}</td>
                <td>{v.permission.level}</td>
                <td>{v.permission.expires_at == null ? 'never' : when(v.permission.expires_at)}</td>
                <td>{quotaText(v.permission)}</td>
                <td>{v.status}{v.permission.request_id != null && <span className="muted"> (request #{v.permission.request_id})</span>}</td>
                <td>
                  {v.status === 'Active' && (
                    <button
                      type="button"
                      disabled={busy}
                      aria-label={`Revoke the permission of ${who(names, v.provider)} on ${v.record_type}`}
                      onClick={() => onPlan({
                        title: `Revoke ${who(names, v.provider)}'s permission on ${v.record_type}`,
                        contract: 'recordManagement',
                        message: 'revoke_permission',
                        args: [me, v.provider, v.record_type],
                      })}
                    >
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form onSubmit={grant} aria-label="Grant a permission" className="grid">
        <h3>Grant a permission</h3>
        <AccountInput id="perm-provider" label="Provider (address)" value={provider} onChange={setProvider} names={names} me={me} />
        <Field label="Record type" id="perm-type">
          <select id="perm-type" value={recordType} onChange={(e) => setRecordType(e.target.value)}>
            {RECORD_TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
          </select>
        </Field>
        <Field label="Level" id="perm-level">
          <select id="perm-level" value={level} onChange={(e) => setLevel(e.target.value)}>
            {ACCESS_LEVELS.map((l) => <option key={l.name} value={l.name}>{l.label}</option>)}
          </select>
        </Field>
        <Field label="Expires after (days)" id="perm-days" hint="Empty: no expiry.">
          <input id="perm-days" type="number" min="0.01" step="any" value={days} aria-describedby="perm-days-hint" onChange={(e) => setDays(e.target.value)} />
        </Field>
        <Field label="At most this many reads" id="perm-reads" hint="Empty: no limit.">
          <input id="perm-reads" type="number" min="1" step="1" value={maxReads} aria-describedby="perm-reads-hint" onChange={(e) => setMaxReads(e.target.value)} />
        </Field>
        <p className="muted">A permission still needs the provider's standing and your consent for the record type's data type.</p>
        {error && <ErrorNote>{error}</ErrorNote>}
        <button type="submit" disabled={busy}>Review the permission</button>
      </form>
    </Section>
  );
}

// --- delegates -------------------------------------------------------------

export function Delegates({ session, me, names, version, onPlan, busy, delegateView = false }: Props & { delegateView?: boolean }) {
  const list = useLoad(() => allPages((from) => session.medrec.query('patientConsent', 'delegates_of', null, me, from, 50)), [me, version]);
  const [delegate, setDelegate] = useState('');
  const [kind, setKind] = useState('Guardian');
  const [days, setDays] = useState('365');
  const [error, setError] = useState<string | null>(null);

  const add = (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    const d = delegate.trim();
    if (!d) return setError('Name the delegate (an address).');
    const ms = daysMs(days, 'A delegation');
    if (typeof ms === 'string') return setError(ms);
    onPlan({
      title: `Delegate: ${who(names, d)} acts for you as ${label(DELEGATE_KINDS, kind)}, ${days} days`,
      contract: 'patientConsent',
      message: 'add_delegate',
      args: [d, kind, ms],
    });
  };

  return (
    <Section title="Delegates" id="delegates">
      <p className="muted">A delegate may grant and revoke consents and permissions and decide requests for you, until the delegation expires.</p>
      {list.loading && !list.data && <Loading what="your delegates" />}
      {list.error && <ErrorNote title="Could not read your delegates:">{list.error.message}</ErrorNote>}
      {list.data && list.data.length === 0 && <Empty>You have named no delegate.</Empty>}
      {list.data && list.data.length > 0 && (
        <table>
          <caption className="sr-only">Your delegates</caption>
          <thead>
            <tr><th scope="col">Delegate</th><th scope="col">As</th><th scope="col">Named</th><th scope="col">Expires</th><th scope="col">May act now</th><th scope="col"><span className="sr-only">Action</span></th></tr>
          </thead>
          <tbody>
            {list.data.map((v: any) => (
              <tr key={v.delegate}>
                <td><Addr address={v.delegate} names={names} /></td>
                <td>{label(DELEGATE_KINDS, v.delegation.kind)}</td>
                <td>{when(v.delegation.added_at)}</td>
                <td>{when(v.delegation.expires_at)}</td>
                <td>{v.active ? 'yes' : 'no'}</td>
                <td>
                  {v.active && (
                    <button
                      type="button"
                      disabled={busy}
                      aria-label={`Remove delegate ${who(names, v.delegate)}`}
                      onClick={() => onPlan({
                        title: `Remove delegate ${who(names, v.delegate)}`,
                        contract: 'patientConsent',
                        message: 'remove_delegate',
                        args: [me, v.delegate],
                      })}
                    >
                      Remove
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {delegateView ? (
        <p className="muted" data-testid="patient-only">Only the patient names delegates: a delegate cannot name another one (it may step down with Remove on its own row).</p>
      ) : (
      <form onSubmit={add} aria-label="Name a delegate" className="grid">
        <h3>Name a delegate</h3>
        <AccountInput id="delegate-account" label="Delegate (address)" value={delegate} onChange={setDelegate} names={names} me={me} />
        <Field label="As" id="delegate-kind">
          <select id="delegate-kind" value={kind} onChange={(e) => setKind(e.target.value)}>
            {DELEGATE_KINDS.map((k) => <option key={k.name} value={k.name}>{k.label}</option>)}
          </select>
        </Field>
        <Field label="Expires after (days)" id="delegate-days" hint="Naming the same delegate again renews it.">
          <input id="delegate-days" type="number" min="0.01" step="any" value={days} aria-describedby="delegate-days-hint" onChange={(e) => setDays(e.target.value)} />
        </Field>
        {error && <ErrorNote>{error}</ErrorNote>}
        <button type="submit" disabled={busy}>Review the delegation</button>
      </form>
      )}
    </Section>
  );
}

// --- break-glass -----------------------------------------------------------

export function EmergencyPreference({ me, current, onPlan, busy }: { me: string; current: string; onPlan: (p: TxPlan) => void; busy: boolean }) {
  const [choice, setChoice] = useState(current);
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    onPlan({
      title: `Break-glass preference: ${label(EMERGENCY_PREFERENCES, choice)}`,
      contract: 'patientConsent',
      message: 'set_emergency_preference',
      args: [me, choice],
    });
  };
  return (
    <form onSubmit={submit} aria-label="Emergency preference">
      <fieldset>
        <legend>What an emergency (break-glass) window on you may read</legend>
        {EMERGENCY_PREFERENCES.map((p) => (
          <label key={p.name} className="check">
            <input type="radio" name="emergency-preference" value={p.name} checked={choice === p.name} onChange={() => setChoice(p.name)} />
            {p.label}
            {p.name === current && <span className="muted"> (current)</span>}
          </label>
        ))}
      </fieldset>
      <button type="submit" disabled={busy || choice === current}>Review the change</button>
    </form>
  );
}

export function EmergencyWindows({ session, me, names, version, whom = 'you' }: { session: Session; me: string; names: Names; version: number; whom?: string }) {
  const list = useLoad(() => allPages((from) => session.medrec.query('accessControl', 'patient_emergency_windows', null, me, from, 50)), [me, version]);
  return (
    <Section title={whom === 'you' ? 'Emergency windows on me' : `Emergency windows on ${whom}`} id="emergency-windows">
      {list.loading && !list.data && <Loading what="emergency windows" />}
      {list.error && <ErrorNote title="Could not read the emergency windows:">{list.error.message}</ErrorNote>}
      {list.data && list.data.length === 0 && <Empty>Nobody has opened an emergency window on {whom}.</Empty>}
      {list.data && list.data.length > 0 && (
        <table>
          <caption className="sr-only">Emergency windows opened on {whom}, oldest first, with their reviews</caption>
          <thead>
            <tr><th scope="col">Window</th><th scope="col">Provider</th><th scope="col">Reason</th><th scope="col">Opened</th><th scope="col">Closes</th><th scope="col">State</th><th scope="col">Review</th></tr>
          </thead>
          <tbody>
            {list.data.map((v: any) => {
              const w = v.window;
              return (
                <tr key={v.id}>
                  <td>#{v.id}</td>
                  <td><Addr address={w.provider} names={names} /></td>
                  <td>{label(EMERGENCY_REASONS, w.reason)}</td>
                  <td>{when(w.opened_at)}</td>
                  <td>{w.ended_at != null ? `ended ${when(w.ended_at)}` : when(w.expires_at)}</td>
                  <td>{v.state}</td>
                  <td>
                    {w.review ? (
                      <>{w.review.outcome} by <Addr address={w.review.reviewer} names={names} />, {when(w.review.at)}</>
                    ) : v.state === 'Open' ? 'reviewed once closed' : 'awaiting review'}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Section>
  );
}
