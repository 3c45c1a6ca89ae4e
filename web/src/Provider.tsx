// The provider's view: the patients who consented, creating a record
// (encrypted in this browser, stored at the gateway, its key deposited
// sealed to the gateway, create_record, bind), a new version of one (the
// same steps, update_record, and the record's versions listed), reading one
// (get_record as a transaction, the key released against its audit entry,
// the bytes fetched, checked against the chain's hash, decrypted here), and
// break-glass: an emergency window opened with a reason, emergency reads
// under it (EmergencyTreatment), and ending it.
import { useMemo, useState } from 'react';

import { dataHash, sameAccount, sha256 } from '@medrec/core';
import type { Gateway, GatewayCaller, TxResult } from '@medrec/core';

import { OpenedRecord, Versions, readPlan, type Opened } from './read';
import type { Account, Session } from './session';
import { TxFlow, type TxPlan } from './TxFlow';
import { Addr, Empty, ErrorNote, Field, Loading, Section, type Names, useLoad, when, who } from './ui';
import { CONFIDENTIALITY, DATA_TYPES, EMERGENCY_REASONS, PURPOSES, RECORD_TYPES, label, purposesOf } from './vocab';
import { sealBytes, wrapKey } from './vault';


export function ProviderView({ session, account, names }: { session: Session; account: Account; names: Names }) {
  const me = account.address;
  const provider = useLoad(() => session.medrec.query('accessControl', 'get_provider', null, me), [me]);
  return (
    <>
      <Section title="Provider registration">
        {provider.loading && <Loading what="your provider registration" />}
        {provider.error && <ErrorNote>{provider.error.message}</ErrorNote>}
        {!provider.loading && !provider.error && (provider.data ? (
          <p>
            Registered as <strong>{provider.data.role}</strong>, {provider.data.verified ? 'verified' : 'not verified yet'},{' '}
            {provider.data.active ? 'active' : 'deactivated'}.
          </p>
        ) : (
          <p>This account is not a registered provider: the contracts will refuse what it asks (you will see why before signing).</p>
        ))}
      </Section>
      {/* An emergency clinician's work comes first on its page. */}
      {provider.data?.role === 'Emergency' && <EmergencyAccess session={session} account={account} names={names} role="Emergency" />}
      <RequestAccess session={session} account={account} names={names} />
      <MyPatients session={session} me={me} names={names} />
      <CreateRecord session={session} account={account} names={names} />
      <UpdateRecord session={session} account={account} names={names} />
      <ReadRecord session={session} account={account} names={names} />
      {provider.data?.role !== 'Emergency' && <EmergencyAccess session={session} account={account} names={names} role={provider.data?.role ?? null} />}
    </>
  );
}

/** Asking a patient for consent to a data type for a purpose, and the requests made so far. */
function RequestAccess({ session, account, names }: { session: Session; account: Account; names: Names }) {
  const me = account.address;
  const [version, setVersion] = useState(0);
  const mine = useLoad(async () => {
    const out: any[] = [];
    for (let from = 0; ; from += 50) {
      const page = await session.medrec.query('patientConsent', 'requests_by', null, me, from, 50);
      out.push(...page);
      if (page.length < 50) break;
    }
    return out.reverse(); // newest first
  }, [me, version]);
  const [patient, setPatient] = useState('');
  const [dataType, setDataType] = useState('MedicalRecords');
  const [purpose, setPurpose] = useState('Treatment');
  const [error, setError] = useState<string | null>(null);
  const [plan, setPlan] = useState<TxPlan | null>(null);

  const review = (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    const who = patient.trim();
    if (!who) return setError('Name the patient (an address).');
    setPlan({
      title: `Ask ${names.get(who) ?? who.slice(0, 8)} for ${label(DATA_TYPES, dataType)} for ${label(PURPOSES, purpose)}`,
      contract: 'patientConsent',
      message: 'request_access',
      args: [who, dataType, purpose],
    });
  };

  return (
    <Section title="Request access">
      <form onSubmit={review} className="grid" aria-label="Request access">
        <PatientField id="request-patient" value={patient} onChange={setPatient} names={names} me={me} />
        <Field label="Data type" id="request-type">
          <select id="request-type" value={dataType} onChange={(e) => setDataType(e.target.value)}>
            {DATA_TYPES.map((d) => <option key={d.name} value={d.name}>{d.label}</option>)}
          </select>
        </Field>
        <Field label="Purpose" id="request-purpose">
          <select id="request-purpose" value={purpose} onChange={(e) => setPurpose(e.target.value)}>
            {PURPOSES.map((p) => <option key={p.name} value={p.name}>{p.label} ({p.code})</option>)}
          </select>
        </Field>
        <p className="muted">The patient sees the request and decides: approve (with a duration, and permissions on record types) or deny.</p>
        {error && <ErrorNote>{error}</ErrorNote>}
        <button type="submit">Review the request</button>
      </form>
      {plan && <TxFlow session={session} account={account} plan={plan} onDone={() => setVersion((v) => v + 1)} onCancel={() => setPlan(null)} />}
      <h3>My access requests</h3>
      {mine.loading && !mine.data && <Loading what="your access requests" />}
      {mine.error && <ErrorNote title="Could not read your requests:">{mine.error.message}</ErrorNote>}
      {mine.data && mine.data.length === 0 && <Empty>You have asked no patient for access yet.</Empty>}
      {mine.data && mine.data.length > 0 && (
        <table>
          <caption className="sr-only">Your access requests, newest first</caption>
          <thead>
            <tr><th scope="col">Request</th><th scope="col">Patient</th><th scope="col">Data type</th><th scope="col">Purpose</th><th scope="col">Asked</th><th scope="col">Status</th></tr>
          </thead>
          <tbody>
            {mine.data.map((r: any) => (
              <tr key={r.id}>
                <td>#{r.id}</td>
                <td><Addr address={r.request.patient} names={names} /></td>
                <td>{label(DATA_TYPES, r.request.data_type)}</td>
                <td>{label(PURPOSES, r.request.purpose)}</td>
                <td>{when(r.request.requested_at)}</td>
                <td>{r.request.status}{r.request.decided_at != null && <span className="muted"> on {when(r.request.decided_at)}</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

function MyPatients({ session, me, names }: { session: Session; me: string; names: Names }) {
  const list = useLoad(() => session.medrec.query('patientConsent', 'consents_to', null, me, 0, 50), [me]);
  return (
    <Section title="Patients who consented to you">
      {list.loading && <Loading what="consents given to you" />}
      {list.error && <ErrorNote>{list.error.message}</ErrorNote>}
      {list.data && list.data.length === 0 && <Empty>No patient has consented to you yet.</Empty>}
      {list.data && list.data.length > 0 && (
        <ul>
          {list.data.map((c: any) => (
            <li key={`${c.patient}-${c.data_type}`}>
              <Addr address={c.patient} names={names} />: {label(DATA_TYPES, c.data_type)} for {purposesOf(c.consent.purposes).join(', ')} until {when(c.consent.expires_at)} ({c.status})
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}

function PatientField({ id, value, onChange, names, me }: { id: string; value: string; onChange: (v: string) => void; names: Names; me: string }) {
  return (
    <Field label="Patient (address)" id={id}>
      <input id={id} list={`${id}-list`} value={value} onChange={(e) => onChange(e.target.value)} />
      <datalist id={`${id}-list`}>
        {[...names.entries()].filter(([a]) => !sameAccount(a, me)).map(([a, n]) => <option key={a} value={a}>{n}</option>)}
      </datalist>
    </Field>
  );
}

/** Stores the ciphertext at the gateway and deposits its data key sealed to the gateway's key (before create or update). */
async function uploadAndDeposit(gw: Gateway, caller: GatewayCaller, s: { ciphertext: Uint8Array; key: Uint8Array; keyId: string }, hash: string, progress: (x: string) => void) {
  const info = await gw.info();
  const up = await gw.upload(caller, s.ciphertext);
  progress(`Encrypted file uploaded to the gateway (${up.new ? 'new' : 'already there'})`);
  const dep = await gw.deposit(caller, hash, wrapKey(s.key, info.publicKey));
  if (dep.key_id !== s.keyId) throw new Error(`the gateway computed key id ${dep.key_id}, not ${s.keyId}`);
  progress('Data key deposited, sealed to the gateway\'s key');
}

function CreateRecord({ session, account, names }: { session: Session; account: Account; names: Names }) {
  const [patient, setPatient] = useState('');
  const [recordType, setRecordType] = useState('Diagnosis');
  const [purpose, setPurpose] = useState('Treatment');
  const [confidentiality, setConfidentiality] = useState('Restricted');
  const [file, setFile] = useState<File | null>(null);
  const [sealing, setSealing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [sealed, setSealed] = useState<{ size: number; plainSize: number; hash: string; keyId: string } | null>(null);
  const [plan, setPlan] = useState<TxPlan | null>(null);

  const review = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    setPlan(null);
    if (!patient.trim()) return setError('Name the patient (an address).');
    if (!file) return setError('Choose the file to store.');
    setSealing(true);
    try {
      const plaintext = new Uint8Array(await file.arrayBuffer());
      const s = await sealBytes(plaintext);
      const hash = dataHash(s.ciphertext);
      setSealed({ size: s.ciphertext.length, plainSize: plaintext.length, hash, keyId: s.keyId });
      const who = patient.trim();
      const gw = session.gateway;
      setPlan({
        title: `Create a ${recordType} record for ${names.get(who) ?? who.slice(0, 8)} (${file.name})`,
        contract: 'recordManagement',
        message: 'create_record',
        args: [who, recordType, hash, `0x${s.keyId}`, s.ciphertext.length, 0, confidentiality, purpose],
        before: (progress) => uploadAndDeposit(gw, account.gw, s, hash, progress),
        after: async (r: TxResult, progress) => {
          const bound = await gw.bind(account.gw, who, r.value);
          progress(`The gateway bound the key to record ${bound.record_id} (key id checked on-chain)`);
          s.key.fill(0);
        },
      });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setSealing(false);
    }
  };

  return (
    <Section title="Create a record">
      <form onSubmit={review} className="grid" aria-label="Create a record">
        <PatientField id="create-patient" value={patient} onChange={setPatient} names={names} me={account.address} />
        <Field label="Record type" id="create-type">
          <select id="create-type" value={recordType} onChange={(e) => setRecordType(e.target.value)}>
            {RECORD_TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
          </select>
        </Field>
        <Field label="Purpose" id="create-purpose">
          <select id="create-purpose" value={purpose} onChange={(e) => setPurpose(e.target.value)}>
            {PURPOSES.map((p) => <option key={p.name} value={p.name}>{p.label}</option>)}
          </select>
        </Field>
        <Field label="Confidentiality" id="create-conf">
          <select id="create-conf" value={confidentiality} onChange={(e) => setConfidentiality(e.target.value)}>
            {CONFIDENTIALITY.map((c) => <option key={c} value={c}>{c}</option>)}
          </select>
        </Field>
        <Field label="File" id="create-file" hint="Encrypted in this browser; only its hash and its key's id go on-chain.">
          <input id="create-file" type="file" aria-describedby="create-file-hint" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </Field>
        {error && <ErrorNote>{error}</ErrorNote>}
        <button type="submit" disabled={sealing}>{sealing ? 'Encrypting…' : 'Encrypt and review'}</button>
      </form>
      {sealed && (
        <p className="muted" data-testid="sealed">
          Encrypted in this browser: {sealed.plainSize} bytes → {sealed.size} bytes, SHA-256 <code>{sealed.hash.slice(0, 18)}…</code>, key id{' '}
          <code>{sealed.keyId.slice(0, 16)}…</code>
        </p>
      )}
      {plan && <TxFlow session={session} account={account} plan={plan} onCancel={() => setPlan(null)} />}
    </Section>
  );
}

/**
 * A new version of a record: the new content encrypted here under a fresh
 * key, uploaded, its key deposited (as for a new record), update_record,
 * and the gateway's binding moved to the new version once final.
 */
function UpdateRecord({ session, account, names }: { session: Session; account: Account; names: Names }) {
  const [patient, setPatient] = useState('');
  const [recordId, setRecordId] = useState('');
  const [purpose, setPurpose] = useState('Treatment');
  const [file, setFile] = useState<File | null>(null);
  const [sealing, setSealing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [plan, setPlan] = useState<TxPlan | null>(null);
  const [shown, setShown] = useState<string | null>(null);
  const [version, setVersion] = useState(0);

  const review = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    setPlan(null);
    const p = patient.trim();
    const id = recordId.trim();
    if (!p) return setError('Name the patient (an address).');
    if (!/^\d+$/.test(id)) return setError('The record id is a number.');
    setShown(id);
    if (!file) return setError('Choose the file with the new content.');
    setSealing(true);
    try {
      const plaintext = new Uint8Array(await file.arrayBuffer());
      const s = await sealBytes(plaintext);
      const hash = dataHash(s.ciphertext);
      const gw = session.gateway;
      setPlan({
        title: `New version of record ${id} of ${who(names, p)} (${file.name}, ${plaintext.length} bytes encrypted to ${s.ciphertext.length})`,
        contract: 'recordManagement',
        message: 'update_record',
        args: [p, id, hash, `0x${s.keyId}`, s.ciphertext.length, purpose],
        before: (progress) => uploadAndDeposit(gw, account.gw, s, hash, progress),
        after: async (r: TxResult, progress) => {
          progress(`The chain holds version ${r.value} of record ${id}`);
          const bound = await gw.bind(account.gw, p, id);
          progress(`The gateway bound the new key to record ${bound.record_id} (key id checked on-chain)`);
          s.key.fill(0);
        },
      });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setSealing(false);
    }
  };

  return (
    <Section title="Update a record (new version)" id="update-record">
      <form onSubmit={review} className="grid" aria-label="Update a record">
        <PatientField id="update-patient" value={patient} onChange={setPatient} names={names} me={account.address} />
        <Field label="Record id" id="update-id">
          <input id="update-id" inputMode="numeric" value={recordId} onChange={(e) => setRecordId(e.target.value)} />
        </Field>
        <Field label="Purpose" id="update-purpose">
          <select id="update-purpose" value={purpose} onChange={(e) => setPurpose(e.target.value)}>
            {PURPOSES.map((x) => <option key={x.name} value={x.name}>{x.label}</option>)}
          </select>
        </Field>
        <Field label="New content (file)" id="update-file" hint="Encrypted in this browser under a new key; every earlier version stays listed on-chain.">
          <input id="update-file" type="file" aria-describedby="update-file-hint" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </Field>
        {error && <ErrorNote>{error}</ErrorNote>}
        <button type="submit" disabled={sealing}>{sealing ? 'Encrypting…' : 'Encrypt and review the update'}</button>
      </form>
      {plan && <TxFlow session={session} account={account} plan={plan} onDone={() => setVersion((v) => v + 1)} onCancel={() => setPlan(null)} />}
      {shown && <Versions key={shown} session={session} recordId={shown} names={names} version={version} />}
    </Section>
  );
}

const hex = (b: Uint8Array) => `0x${[...b].map((x) => x.toString(16).padStart(2, '0')).join('')}`;

/**
 * Break-glass: an emergency-role provider opens a window on a patient with a
 * reason (and a salted hash of a justification kept off-chain), reads the
 * patient's records under it (get_record for EmergencyTreatment, the key
 * released as for any read), and ends it. Every window goes to the admins'
 * review queue.
 */
function EmergencyAccess({ session, account, names, role }: { session: Session; account: Account; names: Names; role: string | null }) {
  const me = account.address;
  const [patient, setPatient] = useState('');
  const [reason, setReason] = useState('LifeThreatening');
  const [note, setNote] = useState('');
  const [salt] = useState(() => crypto.getRandomValues(new Uint8Array(16)));
  const [error, setError] = useState<string | null>(null);
  const [plan, setPlanState] = useState<TxPlan | null>(null);
  const [planNo, setPlanNo] = useState(0);
  const setPlan = (p: TxPlan | null) => {
    setPlanState(p);
    if (p) setPlanNo((n) => n + 1);
  };
  const [opened, setOpened] = useState<Opened | null>(null);
  const [version, setVersion] = useState(0);
  const [running, setRunning] = useState(false);

  const target = useMemo(() => {
    const p = patient.trim();
    if (!p) return null;
    try {
      session.api.createType('AccountId', p);
      return p;
    } catch {
      return null;
    }
  }, [patient, session]);
  const latest = useLoad(
    () => (target ? session.medrec.query('accessControl', 'latest_emergency_window', null, me, target) : Promise.resolve(null)),
    [me, target, version],
  );
  const open = latest.data?.state === 'Open';
  const records = useLoad(
    () => (target && open ? session.medrec.query('recordManagement', 'patient_records', null, target, 0, 50) : Promise.resolve(null)),
    [target, open, version],
  );
  const noteHash = hex(sha256(new Uint8Array([...salt, ...new TextEncoder().encode(note)])));

  const review = (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    if (!patient.trim()) return setError('Name the patient (an address).');
    if (!target) return setError('That is not an account address.');
    if (!note.trim()) return setError('Write why (the note stays here; the chain keeps its salted hash for the review).');
    setPlan({
      title: `Open an emergency window on ${who(names, target)}: ${label(EMERGENCY_REASONS, reason)}`,
      contract: 'accessControl',
      message: 'activate_emergency_access',
      args: [target, reason, noteHash],
    });
  };

  return (
    <Section title="Emergency access (break-glass)" id="emergency-access">
      <p className="muted">
        A verified, active provider with the Emergency role may open a time-limited window on a patient and read what the patient's
        break-glass preference allows (non-sensitive types by default), for emergency treatment. Each read is in the patient's audit
        trail, and an admin reviews every window once it closes.
        {role && role !== 'Emergency' && <> Your role is {role}: the contract will refuse to open a window (you will see why before signing).</>}
      </p>
      <form onSubmit={review} className="grid" aria-label="Open an emergency window">
        <PatientField id="emergency-patient" value={patient} onChange={setPatient} names={names} me={me} />
        <Field label="Reason" id="emergency-reason">
          <select id="emergency-reason" value={reason} onChange={(e) => setReason(e.target.value)}>
            {EMERGENCY_REASONS.map((r) => <option key={r.name} value={r.name}>{r.label}</option>)}
          </select>
        </Field>
        <Field label="Justification (kept off-chain)" id="emergency-note" hint="The chain keeps a salted SHA-256 of it; keep the note and the salt for the review.">
          <textarea id="emergency-note" rows={2} value={note} aria-describedby="emergency-note-hint" onChange={(e) => setNote(e.target.value)} />
        </Field>
        <p className="muted">
          Salt <code>{hex(salt)}</code>; note hash <code data-testid="emergency-note-hash">{noteHash}</code>.
        </p>
        {error && <ErrorNote>{error}</ErrorNote>}
        <button type="submit" disabled={running}>Review the opening</button>
      </form>
      {plan && (
        <TxFlow
          key={planNo}
          session={session}
          account={account}
          plan={plan}
          onBusy={setRunning}
          onDone={() => setVersion((v) => v + 1)}
          onCancel={() => setPlan(null)}
        />
      )}
      {target && (
        <div role="region" aria-label="Your latest window on this patient">
          <h3>Your latest window on {who(names, target)}</h3>
          {latest.loading && latest.data === undefined && <Loading what="your window on this patient" />}
          {latest.error && <ErrorNote title="Could not read the window:">{latest.error.message}</ErrorNote>}
          {latest.data === null && <Empty>You have opened no window on this patient.</Empty>}
          {latest.data && (
            <p data-testid="emergency-window">
              Window #{latest.data.id}: <strong>{latest.data.state}</strong>, {label(EMERGENCY_REASONS, latest.data.window.reason)}, opened{' '}
              {when(latest.data.window.opened_at)},{' '}
              {latest.data.window.ended_at != null ? `ended ${when(latest.data.window.ended_at)}` : `${open ? 'closes' : 'closed'} ${when(latest.data.window.expires_at)}`}
              {latest.data.window.review ? `; reviewed: ${latest.data.window.review.outcome}` : ''}.
            </p>
          )}
          {open && (
            <>
              <div className="actions">
                <button
                  type="button"
                  disabled={running}
                  onClick={() => setPlan({
                    title: `End the emergency window on ${who(names, target)}`,
                    contract: 'accessControl',
                    message: 'end_emergency_access',
                    args: [target],
                  })}
                >
                  End the window
                </button>
              </div>
              <h3>The patient's records</h3>
              {records.loading && !records.data && <Loading what="the patient's records" />}
              {records.error && <ErrorNote>{records.error.message}</ErrorNote>}
              {records.data && records.data.length === 0 && <Empty>The patient has no records.</Empty>}
              {records.data && records.data.length > 0 && (
                <table>
                  <caption className="sr-only">The patient's records</caption>
                  <thead>
                    <tr><th scope="col">Id</th><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Version</th><th scope="col"><span className="sr-only">Action</span></th></tr>
                  </thead>
                  <tbody>
                    {records.data.map((r: any) => (
                      <tr key={r.record_id}>
                        <td>{r.record_id}</td>
                        <td>{r.meta.record_type}</td>
                        <td>{r.meta.status}</td>
                        <td>{r.meta.version}</td>
                        <td>
                          <button
                            type="button"
                            disabled={running}
                            aria-label={`Emergency read of record ${r.record_id}`}
                            onClick={() => {
                              setOpened(null);
                              setPlan(readPlan(session, account, names, target, String(r.record_id), 'EmergencyTreatment', setOpened));
                            }}
                          >
                            Emergency read
                          </button>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </>
          )}
        </div>
      )}
      {opened && <OpenedRecord opened={opened} />}
    </Section>
  );
}

function ReadRecord({ session, account, names }: { session: Session; account: Account; names: Names }) {
  const [patient, setPatient] = useState('');
  const [recordId, setRecordId] = useState('');
  const [purpose, setPurpose] = useState('Treatment');
  const [plan, setPlan] = useState<TxPlan | null>(null);
  const [opened, setOpened] = useState<Opened | null>(null);
  const [error, setError] = useState<string | null>(null);

  const review = (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    setOpened(null);
    const p = patient.trim();
    if (!p) return setError('Name the patient (an address).');
    if (!/^\d+$/.test(recordId.trim())) return setError('The record id is a number.');
    setPlan(readPlan(session, account, names, p, recordId.trim(), purpose, setOpened));
  };

  return (
    <Section title="Read a record">
      <form onSubmit={review} className="grid" aria-label="Read a record">
        <PatientField id="read-patient" value={patient} onChange={setPatient} names={names} me={account.address} />
        <Field label="Record id" id="read-id">
          <input id="read-id" inputMode="numeric" value={recordId} onChange={(e) => setRecordId(e.target.value)} />
        </Field>
        <Field label="Purpose" id="read-purpose">
          <select id="read-purpose" value={purpose} onChange={(e) => setPurpose(e.target.value)}>
            {PURPOSES.map((p) => <option key={p.name} value={p.name}>{p.label}</option>)}
          </select>
        </Field>
        {error && <ErrorNote>{error}</ErrorNote>}
        <button type="submit">Review the read</button>
      </form>
      {plan && <TxFlow session={session} account={account} plan={plan} onCancel={() => { setPlan(null); }} />}
      {opened && <OpenedRecord opened={opened} />}
    </Section>
  );
}
