// The provider's view: the patients who consented, creating a record
// (encrypted in this browser, stored at the gateway, its key deposited
// sealed to the gateway, create_record, bind) and reading one (get_record
// as a transaction, the key released against its audit entry, the bytes
// fetched, checked against the chain's hash, decrypted here).
import { useEffect, useMemo, useState } from 'react';

import { dataHash, sameAccount } from '@medrec/core';
import type { TxResult } from '@medrec/core';

import type { Account, Session } from './session';
import { TxFlow, type TxPlan } from './TxFlow';
import { Addr, Empty, ErrorNote, Field, Loading, Section, type Names, useLoad, when } from './ui';
import { CONFIDENTIALITY, DATA_TYPES, PURPOSES, RECORD_TYPES, label, purposesOf } from './vocab';
import { checkHash, openBytes, readerKeys, sealBytes, unwrapKey, wrapKey } from './vault';


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
      <RequestAccess session={session} account={account} names={names} />
      <MyPatients session={session} me={me} names={names} />
      <CreateRecord session={session} account={account} names={names} />
      <ReadRecord session={session} account={account} names={names} />
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
        before: async (progress) => {
          const info = await gw.info();
          const up = await gw.upload(account.gw, s.ciphertext);
          progress(`Encrypted file uploaded to the gateway (${up.new ? 'new' : 'already there'})`);
          const dep = await gw.deposit(account.gw, hash, wrapKey(s.key, info.publicKey));
          if (dep.key_id !== s.keyId) throw new Error(`the gateway computed key id ${dep.key_id}, not ${s.keyId}`);
          progress('Data key deposited, sealed to the gateway\'s key');
        },
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

interface Opened { bytes: Uint8Array; text: string | null; url: string; recordId: string; auditIndex: string; hash: string }

function ReadRecord({ session, account, names }: { session: Session; account: Account; names: Names }) {
  const [patient, setPatient] = useState('');
  const [recordId, setRecordId] = useState('');
  const [purpose, setPurpose] = useState('Treatment');
  const [plan, setPlan] = useState<TxPlan | null>(null);
  const [opened, setOpened] = useState<Opened | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => () => {
    if (opened) URL.revokeObjectURL(opened.url);
  }, [opened]);

  const review = (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    setOpened(null);
    const who = patient.trim();
    if (!who) return setError('Name the patient (an address).');
    if (!/^\d+$/.test(recordId.trim())) return setError('The record id is a number.');
    const id = recordId.trim();
    const gw = session.gateway;
    setPlan({
      title: `Read record ${id} of ${names.get(who) ?? who.slice(0, 8)} for ${label(PURPOSES, purpose)} (recorded in the audit trail)`,
      contract: 'recordManagement',
      message: 'get_record',
      args: [who, id, purpose],
      after: async (r: TxResult, progress) => {
        const ev = r.events.find((x) => x.name === 'AuditAppended' && (x.args?.action === 'Read' || x.args?.action === 'EmergencyRead'));
        const auditIndex = String(ev?.args?.index ?? r.value.audit_index);
        progress(`The chain recorded the read as audit entry #${auditIndex}`);
        const keys = await readerKeys();
        const proof = { patient: who, recordId: id, auditIndex, wrapTo: keys.publicKey };
        const released = await gw.release(account.gw, proof);
        progress('The gateway released the key against that entry');
        const bytes = await gw.fetchCiphertext(account.gw, proof);
        const hash = dataHash(bytes);
        const onChain = r.value.meta.data_hash as string;
        checkHash(hexBytes(onChain), hexBytes(hash));
        progress(`Fetched ${bytes.length} bytes; their SHA-256 equals the chain's data_hash`);
        const key = unwrapKey(released.wrapped, keys.secretKey);
        const plain = await openBytes(bytes, key);
        key.fill(0);
        keys.secretKey.fill(0);
        progress(`Decrypted in this browser: ${plain.length} bytes`);
        let text: string | null = null;
        try {
          text = new TextDecoder('utf-8', { fatal: true }).decode(plain);
        } catch {
          text = null;
        }
        const url = URL.createObjectURL(new Blob([plain as BlobPart]));
        setOpened({ bytes: plain, text, url, recordId: id, auditIndex, hash });
      },
    });
  };

  const preview = useMemo(() => (opened?.text != null ? opened.text.slice(0, 20000) : null), [opened]);

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
      {opened && (
        <div className="opened" aria-label={`Record ${opened.recordId}, decrypted`} role="region">
          <h3>Record {opened.recordId}, decrypted</h3>
          <p className="ok" data-testid="hash-check">
            SHA-256 <code>{opened.hash.slice(0, 18)}…</code> matches the chain; read recorded as audit entry #{opened.auditIndex}.
          </p>
          {preview != null ? <pre data-testid="plaintext" tabIndex={0}>{preview}</pre> : <p>Binary content ({opened.bytes.length} bytes).</p>}
          <a href={opened.url} download={`record-${opened.recordId}`}>Download the decrypted record</a>
        </div>
      )}
    </Section>
  );
}

function hexBytes(h: string) {
  const s = h.replace(/^0x/, '');
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

