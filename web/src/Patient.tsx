// The patient's view: registration and the break-glass preference, pending
// access requests, records, consents (grant, revoke), permissions,
// delegates, emergency windows on the patient, and the audit trail with its
// hash chain verified in this browser and its accounting of disclosures
// (a date range, as CSV). A delegate sees the same page for a patient it
// acts for (chosen from represented_by), its transactions marked as on that
// patient's behalf.
import { useEffect, useMemo, useState } from 'react';

import { chainHashes, sameAccount, toPlain } from '@medrec/core';

import { Delegates, EmergencyPreference, EmergencyWindows, Permissions, Requests, allPages } from './Access';
import { disclosuresCsv, inRange, isoDay, type PlainEntry } from './csv';
import { ExportData } from './Export';
import { Records } from './Records';
import type { Account, Session } from './session';
import { TxFlow, type TxPlan } from './TxFlow';
import { Addr, Empty, ErrorNote, Field, Loading, Section, type Names, useLoad, when, who } from './ui';
import { DATA_TYPES, DAY_MS, DELEGATE_KINDS, EMERGENCY_PREFERENCES, PURPOSES, label, purposesOf } from './vocab';


export function PatientView({ session, account, names }: { session: Session; account: Account; names: Names }) {
  const { medrec } = session;
  const me = account.address;
  // Whom this account acts for: itself (null), or a patient who named it delegate.
  const [subject, setSubject] = useState<string | null>(null);
  const patientAddr = subject ?? me;
  const [plan, setPlanState] = useState<TxPlan | null>(null);
  // Each new transaction gets a fresh flow, whose heading takes the focus
  // (and so scrolls into view) wherever on the page it was asked for.
  const [planNo, setPlanNo] = useState(0);
  const setPlan = (p: TxPlan | null) => {
    setPlanState(p && subject ? { ...p, onBehalfOf: { address: subject, name: who(names, subject) } } : p);
    if (p) setPlanNo((n) => n + 1);
  };
  const [version, setVersion] = useState(0);
  const [running, setRunning] = useState(false);
  const refresh = () => setVersion((v) => v + 1);
  const patient = useLoad(() => medrec.query('patientConsent', 'get_patient', null, patientAddr), [patientAddr, version]);
  const represented = useLoad(
    () => allPages((from) => medrec.query('patientConsent', 'represented_by', null, me, from, 50)),
    [me, version],
  );

  const flow = plan && (
    <TxFlow key={planNo} session={session} account={account} plan={plan} onDone={refresh} onBusy={setRunning} onCancel={() => setPlan(null)} />
  );

  const actingFor = (represented.data && represented.data.length > 0) || subject ? (
    <ActingFor
      me={me}
      names={names}
      views={represented.data ?? []}
      error={represented.error}
      subject={subject}
      busy={running}
      onChoose={(s) => {
        setPlanState(null);
        setSubject(s);
      }}
    />
  ) : null;

  if (patient.data === undefined && !patient.error) return <>{actingFor}<Loading what={subject ? 'the patient\'s registration' : 'your patient registration'} /></>;
  if (patient.error) return <>{actingFor}<ErrorNote title="Could not read the registration:">{patient.error.message}</ErrorNote></>;

  // The transaction stays where it is while the view below it changes (e.g.
  // once registered), so its progress and events remain on screen.
  return (
    <>
      {actingFor}
      {flow && <Section title="Transaction">{flow}</Section>}
      {!patient.data ? (
        <Section title="Patient registration">
          <p>You are not registered as a patient. Registering lets you decide who sees your records.</p>
          {!running && (
            <button type="button" className="primary" onClick={() => setPlan({ title: 'Register as a patient', contract: 'patientConsent', message: 'register_patient', args: [] })}>
              Register as a patient
            </button>
          )}
        </Section>
      ) : (
        <div key={patientAddr}>
          <Section title="Patient registration">
            <p>
              {subject ? <>{who(names, subject)} registered</> : 'Registered'} since {when(patient.data.registered_at)}. Break-glass preference:{' '}
              <strong data-testid="emergency-preference">{label(EMERGENCY_PREFERENCES, patient.data.emergency)}</strong>.
            </p>
            <EmergencyPreference key={patient.data.emergency} me={patientAddr} current={patient.data.emergency} onPlan={setPlan} busy={running} />
          </Section>
          <Requests session={session} me={patientAddr} names={names} version={version} onPlan={setPlan} busy={running} />
          <Records session={session} account={account} me={patientAddr} names={names} version={version} onPlan={setPlan} busy={running} delegate={!!subject} />
          {!subject && <ExportData session={session} account={account} version={version} onDone={refresh} />}
          <Consents session={session} me={patientAddr} names={names} version={version} onPlan={setPlan} busy={running} />
          <Permissions session={session} me={patientAddr} names={names} version={version} onPlan={setPlan} busy={running} />
          <Delegates session={session} me={patientAddr} names={names} version={version} onPlan={setPlan} busy={running} delegateView={!!subject} />
          <EmergencyWindows session={session} me={patientAddr} names={names} version={version} />
          <Audit session={session} me={patientAddr} names={names} version={version} whose={subject ? 'the patient\'s' : 'your'} />
        </div>
      )}
    </>
  );
}

/**
 * The patients who named this account delegate (`represented_by`), to act
 * for: what a delegate may do (consents, requests, permissions, the
 * break-glass preference) is then done for that patient, and each
 * transaction says so. A delegation that expired or was removed stays
 * listed, marked; the contract refuses acting on it.
 */
function ActingFor({ me, names, views, error, subject, busy, onChoose }: {
  me: string; names: Names; views: any[]; error?: Error; subject: string | null; busy: boolean; onChoose: (s: string | null) => void;
}) {
  const chosen = subject ? views.find((v) => sameAccount(v.patient, subject)) : null;
  return (
    <Section title="Acting for" id="acting-for">
      {error && <ErrorNote title="Could not read whom you represent:">{error.message}</ErrorNote>}
      <Field label="Act for" id="act-for" hint="Patients who named you their delegate. A delegate grants and revokes consents and permissions, decides requests and sets the break-glass preference; only the patient names delegates.">
        <select id="act-for" value={subject ?? ''} disabled={busy} aria-describedby="act-for-hint" onChange={(e) => onChoose(e.target.value || null)}>
          <option value="">Myself ({who(names, me)})</option>
          {views.map((v) => (
            <option key={v.patient} value={v.patient}>
              {who(names, v.patient)} ({v.delegation.kind}{v.active ? `, until ${when(v.delegation.expires_at)}` : ', expired or removed'})
            </option>
          ))}
        </select>
      </Field>
      {subject && (
        <p data-testid="acting-for" role="status">
          You act for <Addr address={subject} names={names} /> as{' '}
          {chosen ? <>{label(DELEGATE_KINDS, chosen.delegation.kind)}{chosen.active ? `, until ${when(chosen.delegation.expires_at)}` : ': this delegation has expired or was removed, and the contracts will refuse'}</> : 'delegate'}
          . Everything below is that patient's.
        </p>
      )}
    </Section>
  );
}

function Consents({ session, me, names, version, onPlan, busy }: {
  session: Session; me: string; names: Names; version: number; onPlan: (p: TxPlan) => void; busy: boolean;
}) {
  const consents = useLoad(() => session.medrec.query('patientConsent', 'consents_of', null, me, 0, 50), [me, version]);
  const [provider, setProvider] = useState('');
  const [dataType, setDataType] = useState('MedicalRecords');
  const [purposes, setPurposes] = useState<string[]>(['Treatment']);
  const [days, setDays] = useState('30');
  const [formError, setFormError] = useState<string | null>(null);

  const grant = (e: React.FormEvent) => {
    e.preventDefault();
    setFormError(null);
    const d = Number(days);
    if (!provider.trim()) return setFormError('Name the provider (an address).');
    if (!(d > 0)) return setFormError('The consent needs a duration of at least part of a day.');
    if (purposes.length === 0) return setFormError('Choose at least one purpose.');
    onPlan({
      title: `Consent: ${names.get(provider.trim()) ?? provider.trim().slice(0, 8)} may see ${label(DATA_TYPES, dataType)} for ${purposes.map((p) => label(PURPOSES, p)).join(', ')}, ${d} days`,
      contract: 'patientConsent',
      message: 'grant_consent',
      args: [me, provider.trim(), dataType, Math.round(d * DAY_MS), purposes],
    });
  };

  return (
    <Section title="Consents">
      {consents.loading && !consents.data && <Loading what="your consents" />}
      {consents.error && <ErrorNote>{consents.error.message}</ErrorNote>}
      {consents.data && consents.data.length === 0 && <Empty>You have given no consent yet.</Empty>}
      {consents.data && consents.data.length > 0 && (
        <table>
          <caption className="sr-only">Your consents</caption>
          <thead>
            <tr><th scope="col">Provider</th><th scope="col">Data type</th><th scope="col">Purposes</th><th scope="col">Expires</th><th scope="col">Status</th><th scope="col"><span className="sr-only">Action</span></th></tr>
          </thead>
          <tbody>
            {consents.data.map((c: any) => (
              <tr key={`${c.provider}-${c.data_type}`}>
                <td><Addr address={c.provider} names={names} /></td>
                <td>{label(DATA_TYPES, c.data_type)}</td>
                <td>{purposesOf(c.consent.purposes).join(', ')}</td>
                <td>{when(c.consent.expires_at)}</td>
                <td>{c.status}</td>
                <td>
                  {c.status === 'Active' && (
                    <button
                      type="button"
                      disabled={busy}
                      aria-label={`Revoke the consent of ${names.get(c.provider) ?? c.provider} for ${label(DATA_TYPES, c.data_type)}`}
                      onClick={() => onPlan({
                        title: `Revoke ${names.get(c.provider) ?? c.provider.slice(0, 8)}'s consent for ${label(DATA_TYPES, c.data_type)}`,
                        contract: 'patientConsent',
                        message: 'revoke_consent',
                        args: [me, c.provider, c.data_type],
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
      <form onSubmit={grant} aria-label="Grant a consent" className="grid">
        <h3>Grant a consent</h3>
        <Field label="Provider (address)" id="consent-provider">
          <input id="consent-provider" list="known-accounts" value={provider} onChange={(e) => setProvider(e.target.value)} />
          <datalist id="known-accounts">
            {[...names.entries()].filter(([a]) => !sameAccount(a, me)).map(([a, n]) => <option key={a} value={a}>{n}</option>)}
          </datalist>
        </Field>
        <Field label="Data type" id="consent-type">
          <select id="consent-type" value={dataType} onChange={(e) => setDataType(e.target.value)}>
            {DATA_TYPES.map((d) => <option key={d.name} value={d.name}>{d.label}</option>)}
          </select>
        </Field>
        <fieldset>
          <legend>Purposes</legend>
          {PURPOSES.map((p) => (
            <label key={p.name} className="check">
              <input
                type="checkbox"
                checked={purposes.includes(p.name)}
                onChange={(e) => setPurposes(e.target.checked ? [...purposes, p.name] : purposes.filter((x) => x !== p.name))}
              />
              {p.label} <span className="muted">({p.code})</span>
            </label>
          ))}
        </fieldset>
        <Field label="Expires after (days)" id="consent-days">
          <input id="consent-days" type="number" min="0.01" step="any" value={days} onChange={(e) => setDays(e.target.value)} />
        </Field>
        {formError && <ErrorNote>{formError}</ErrorNote>}
        <button type="submit" disabled={busy}>Review the consent</button>
      </form>
    </Section>
  );
}

async function loadAudit(session: Session, me: string) {
  const { medrec } = session;
  const head = await medrec.auditHead(me);
  const codecs: any[] = [];
  for (let from = 0n; from < BigInt(head.len); from += 50n) {
    const page = await medrec.queryCodec('recordManagement', 'audit_trail', null, me, from.toString(), 50);
    if (page.length === 0) break;
    codecs.push(...page);
  }
  const chain = chainHashes(medrec.addresses.recordManagement, me, codecs);
  // What is shown and exported is what was hashed: the same decoded entries.
  const plain: PlainEntry[] = codecs.map(toPlain);
  const verified = chain.brokenAt === null && chain.last === head.head && codecs.length === Number(head.len);
  return { head, chain, plain, verified, count: codecs.length };
}

/** The audit trail of `me` (the patient), verified in this browser; the auditor's view shows anyone's (`whose`: "the patient's"). */
export function Audit({ session, me, names, version, whose = 'your' }: { session: Session; me: string; names: Names; version: number; whose?: string }) {
  const audit = useLoad(() => loadAudit(session, me), [me, version]);
  return (
    <Section title="Who did what: audit trail">
      {audit.loading && !audit.data && <Loading what={`${whose} audit trail`} />}
      {audit.error && <ErrorNote>{audit.error.message}</ErrorNote>}
      {audit.data && (
        <>
          <p data-testid="audit-verdict" className={audit.data.verified ? 'ok' : 'error'} role="status">
            {audit.data.count === 0
              ? 'The trail is empty (its head is all zeroes).'
              : audit.data.verified
                ? `Hash chain verified in this browser: ${audit.data.count} entries, and the last entry's hash equals the chain's head ${audit.data.head.head.slice(0, 14)}….`
                : `The hash chain does NOT verify${audit.data.chain.brokenAt !== null ? ` (broken at entry ${audit.data.chain.brokenAt})` : ''}: recomputed ${audit.data.chain.last.slice(0, 14)}…, the chain's head is ${audit.data.head.head.slice(0, 14)}….`}
          </p>
          {audit.data.count === 0 ? (
            <Empty>Nobody has created, read or shared any of {whose} records yet.</Empty>
          ) : (
            <ol className="timeline" aria-label="Audit entries, oldest first">
              {audit.data.plain.slice(0, 50).map((e: any, i: number) => (
                <li key={i}>
                  <span className="when">{when(e.at)}</span> <strong>#{i} {e.action}</strong> by <Addr address={e.actor} names={names} />
                  {e.record_id != null && <> · record {e.record_id}</>}
                  {e.purpose && <> · for {label(PURPOSES, e.purpose)}</>}
                  {e.subject && <> · about <Addr address={e.subject} names={names} /></>}
                  <span className="hash"> hash <code>{audit.data!.chain.hashes[i].slice(0, 14)}…</code></span>
                </li>
              ))}
            </ol>
          )}
          {audit.data.count > 50 && <p className="muted">Showing the first 50 of {audit.data.count} entries; all {audit.data.count} were verified.</p>}
          <Disclosures me={me} entries={audit.data.plain} verified={audit.data.verified} />
        </>
      )}
    </Section>
  );
}

/** The accounting of disclosures: the verified trail's entries within a date range, as CSV. */
function Disclosures({ me, entries, verified }: { me: string; entries: PlainEntry[]; verified: boolean }) {
  const today = isoDay(Date.now());
  const [from, setFrom] = useState(entries.length ? isoDay(Number(entries[0].at)) : today);
  const [to, setTo] = useState(today);
  const bad = from && to && from > to;
  const rows = useMemo(() => (bad ? [] : inRange(entries, from, to)), [entries, from, to, bad]);
  const url = useMemo(
    () => (verified && rows.length > 0 ? URL.createObjectURL(new Blob([disclosuresCsv(rows)], { type: 'text/csv' })) : null),
    [rows, verified],
  );
  useEffect(() => () => {
    if (url) URL.revokeObjectURL(url);
  }, [url]);
  return (
    <form className="grid subform" aria-label="Accounting of disclosures" onSubmit={(e) => e.preventDefault()}>
      <h3>Accounting of disclosures</h3>
      <p className="muted">
        The entries of the verified trail between two dates (both included, in this browser's time zone), as CSV: entry, time (UTC), actor,
        action, record, purpose. Computed in this browser; nothing is sent anywhere.
      </p>
      <div className="row">
        <Field label="From" id="disclosures-from">
          <input id="disclosures-from" type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </Field>
        <Field label="To" id="disclosures-to">
          <input id="disclosures-to" type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </Field>
      </div>
      <p role="status" aria-live="polite" data-testid="disclosures-count">
        {bad
          ? 'The start date is after the end date.'
          : !verified
            ? 'The trail does not verify: nothing to export.'
            : rows.length === 0
              ? 'No entries in this range.'
              : `${rows.length} ${rows.length === 1 ? 'entry' : 'entries'} in this range.`}
      </p>
      {url && (
        <a className="button" href={url} download={`disclosures-${me.slice(0, 8)}-${from || 'start'}-${to || 'now'}.csv`}>
          Download CSV
        </a>
      )}
    </form>
  );
}
