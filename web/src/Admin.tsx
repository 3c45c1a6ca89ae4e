// The admin's view: the providers (`providers`, in registration order) with
// register (the owner), verify and reactivate (an admin), deactivate (the
// owner or an admin); and the break-glass review queue
// (`unreviewed_emergency_windows`), each closed window reviewed by an admin
// other than its holder with an outcome and a salted hash of a note kept
// off-chain; and each contract's administration (Governance.tsx: owner,
// pause, upgrade delay, announced upgrades and link repoints, settings).
// Every transaction goes through the TxFlow preview, so a caller the
// contract would refuse sees why before anything is signed.
import { useEffect, useRef, useState } from 'react';

import { sameAccount, sha256 } from '@medrec/core';

import { AccountInput, allPages } from './Access';
import { ContractAdmin } from './Governance';
import type { Account, Session } from './session';
import { TxFlow, type TxPlan } from './TxFlow';
import { Addr, Empty, ErrorNote, Field, Loading, Section, type Names, useLoad, when, who } from './ui';
import { EMERGENCY_REASONS, REVIEW_OUTCOMES, ROLES, label } from './vocab';


const hex = (b: Uint8Array) => `0x${[...b].map((x) => x.toString(16).padStart(2, '0')).join('')}`;
const HASH32 = /^0x[0-9a-fA-F]{64}$/;

export function AdminView({ session, account, names }: { session: Session; account: Account; names: Names }) {
  const me = account.address;
  const [plan, setPlanState] = useState<TxPlan | null>(null);
  const [planNo, setPlanNo] = useState(0);
  const setPlan = (p: TxPlan | null) => {
    setPlanState(p);
    if (p) setPlanNo((n) => n + 1);
  };
  const [version, setVersion] = useState(0);
  const [running, setRunning] = useState(false);
  const refresh = () => setVersion((v) => v + 1);
  const admin = useLoad(() => session.medrec.query('accessControl', 'admin', null), [version]);
  const mine = useLoad(() => session.medrec.query('accessControl', 'get_provider', null, me), [me, version]);

  const owner = admin.data?.owner as string | undefined;
  const isOwner = owner ? sameAccount(owner, me) : false;
  const isAdmin = !!mine.data && mine.data.role === 'Admin' && mine.data.verified && mine.data.active;

  return (
    <>
      {plan && (
        <Section title="Transaction">
          <TxFlow key={planNo} session={session} account={account} plan={plan} onDone={refresh} onBusy={setRunning} onCancel={() => setPlan(null)} />
        </Section>
      )}
      <Section title="Your standing" id="admin-standing">
        {(admin.loading && !admin.data) || (mine.loading && mine.data === undefined) ? <Loading what="the contract's owner and your registration" /> : null}
        {admin.error && <ErrorNote title="Could not read the access-control settings:">{admin.error.message}</ErrorNote>}
        {admin.data && (
          <p data-testid="admin-standing">
            The owner of access-control is <Addr address={owner} names={names} />
            {admin.data.paused ? ' (the contract is paused)' : ''}. You are{' '}
            <strong>{isOwner ? 'the owner' : isAdmin ? 'a verified, active admin' : 'neither the owner nor an admin'}</strong>:{' '}
            {isOwner
              ? 'you register providers and may deactivate them; admins verify and reactivate them.'
              : isAdmin
                ? 'you verify, deactivate and reactivate providers, and review emergency windows.'
                : 'the contract will refuse your changes, and each preview says why.'}
          </p>
        )}
      </Section>
      <Providers session={session} me={me} names={names} version={version} onPlan={setPlan} busy={running} />
      <ReviewQueue session={session} me={me} names={names} version={version} onPlan={setPlan} busy={running} />
      {(['accessControl', 'patientConsent', 'recordManagement'] as const).map((k) => (
        <ContractAdmin key={k} session={session} contract={k} me={me} names={names} version={version} onPlan={setPlan} busy={running} />
      ))}
    </>
  );
}

interface Props { session: Session; me: string; names: Names; version: number; onPlan: (p: TxPlan) => void; busy: boolean }

function Providers({ session, me, names, version, onPlan, busy }: Props) {
  const list = useLoad(() => allPages((from) => session.medrec.query('accessControl', 'providers', null, from, 50)), [version]);
  const [provider, setProvider] = useState('');
  const [role, setRole] = useState('Doctor');
  const [credentials, setCredentials] = useState('');
  const [error, setError] = useState<string | null>(null);

  const register = (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    const p = provider.trim();
    const c = credentials.trim();
    if (!p) return setError('Name the provider (an address).');
    if (!HASH32.test(c)) return setError('The credentials hash is 32 bytes in hex: 0x and 64 hex digits.');
    onPlan({
      title: `Register ${who(names, p)} as ${label(ROLES, role)}`,
      contract: 'accessControl',
      message: 'register_provider',
      args: [p, role, c],
    });
  };

  const act = (message: string, verb: string, account: string) => onPlan({
    title: `${verb} ${who(names, account)}`,
    contract: 'accessControl',
    message,
    args: [account],
  });

  return (
    <Section title="Providers" id="providers">
      {list.loading && !list.data && <Loading what="the providers" />}
      {list.error && <ErrorNote title="Could not read the providers:">{list.error.message}</ErrorNote>}
      {list.data && list.data.length === 0 && <Empty>No provider is registered yet.</Empty>}
      {list.data && list.data.length > 0 && (
        <table>
          <caption className="sr-only">Providers in registration order</caption>
          <thead>
            <tr><th scope="col">Provider</th><th scope="col">Role</th><th scope="col">Registered</th><th scope="col">Verified</th><th scope="col">Active</th><th scope="col"><span className="sr-only">Actions</span></th></tr>
          </thead>
          <tbody>
            {list.data.map((v: any) => {
              const p = v.provider;
              const name = who(names, v.account);
              return (
                <tr key={v.account} data-account={v.account}>
                  <td><Addr address={v.account} names={names} /></td>
                  <td>{label(ROLES, p.role)}</td>
                  <td>{when(p.registered_at)}</td>
                  <td>{p.verified ? <>yes, by <Addr address={p.verified_by} names={names} /> {when(p.verified_at)}</> : 'no'}</td>
                  <td>{p.active ? 'yes' : 'no'}</td>
                  <td className="actions">
                    {!p.verified && (
                      <button type="button" disabled={busy} aria-label={`Verify ${name}`} onClick={() => act('verify_provider', 'Verify', v.account)}>Verify</button>
                    )}
                    {p.active ? (
                      <button type="button" disabled={busy || sameAccount(v.account, me)} aria-label={`Deactivate ${name}`} onClick={() => act('deactivate_provider', 'Deactivate', v.account)}>Deactivate</button>
                    ) : (
                      <button type="button" disabled={busy} aria-label={`Reactivate ${name}`} onClick={() => act('reactivate_provider', 'Reactivate', v.account)}>Reactivate</button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <form onSubmit={register} aria-label="Register a provider" className="grid">
        <h3>Register a provider</h3>
        <p className="muted">The owner registers; the provider starts unverified and active, and an admin verifies it.</p>
        <AccountInput id="register-provider" label="Provider (address)" value={provider} onChange={setProvider} names={names} me={me} />
        <Field label="Role" id="register-role">
          <select id="register-role" value={role} onChange={(e) => setRole(e.target.value)}>
            {ROLES.map((r) => <option key={r.name} value={r.name}>{r.label}</option>)}
          </select>
        </Field>
        <Field label="Credentials hash" id="register-credentials" hint="A salted SHA-256 of the provider's credentials, kept off-chain: 0x and 64 hex digits.">
          <input id="register-credentials" value={credentials} autoComplete="off" aria-describedby="register-credentials-hint" onChange={(e) => setCredentials(e.target.value)} />
        </Field>
        {error && <ErrorNote>{error}</ErrorNote>}
        <button type="submit" disabled={busy}>Review the registration</button>
      </form>
    </Section>
  );
}

function ReviewQueue({ session, me, names, version, onPlan, busy }: Props) {
  const queue = useLoad(() => allPages((from) => session.medrec.query('accessControl', 'unreviewed_emergency_windows', null, from, 50)), [version]);
  const [reviewing, setReviewing] = useState<any | null>(null);
  return (
    <Section title="Break-glass review queue" id="review-queue">
      {queue.loading && !queue.data && <Loading what="the windows awaiting review" />}
      {queue.error && <ErrorNote title="Could not read the review queue:">{queue.error.message}</ErrorNote>}
      {queue.data && queue.data.length === 0 && <Empty>No emergency window awaits review.</Empty>}
      {queue.data && queue.data.length > 0 && (
        <table>
          <caption className="sr-only">Emergency windows awaiting review</caption>
          <thead>
            <tr><th scope="col">Window</th><th scope="col">Provider</th><th scope="col">Patient</th><th scope="col">Reason</th><th scope="col">Opened</th><th scope="col">Closed</th><th scope="col">State</th><th scope="col"><span className="sr-only">Review</span></th></tr>
          </thead>
          <tbody>
            {[...queue.data].sort((a: any, b: any) => Number(a.id) - Number(b.id)).map((v: any) => {
              const w = v.window;
              return (
                <tr key={v.id}>
                  <td>#{v.id}</td>
                  <td><Addr address={w.provider} names={names} /></td>
                  <td><Addr address={w.patient} names={names} /></td>
                  <td>{label(EMERGENCY_REASONS, w.reason)}</td>
                  <td>{when(w.opened_at)}</td>
                  <td>{v.state === 'Open' ? `open until ${when(w.expires_at)}` : when(w.ended_at ?? w.expires_at)}</td>
                  <td>{v.state}</td>
                  <td>
                    <button type="button" disabled={busy || v.state === 'Open'} aria-label={`Review window ${v.id}`} onClick={() => setReviewing(v)}>
                      Review…
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {reviewing && (
        <ReviewForm
          key={reviewing.id}
          view={reviewing}
          names={names}
          me={me}
          busy={busy}
          onCancel={() => setReviewing(null)}
          onPlan={(p) => {
            setReviewing(null);
            onPlan(p);
          }}
        />
      )}
    </Section>
  );
}

function ReviewForm({ view, names, busy, onPlan, onCancel }: {
  view: any; names: Names; me: string; busy: boolean; onPlan: (p: TxPlan) => void; onCancel: () => void;
}) {
  const [outcome, setOutcome] = useState('Justified');
  const [note, setNote] = useState('');
  // The note stays off-chain; the chain keeps a salted hash of it.
  const [salt] = useState(() => crypto.getRandomValues(new Uint8Array(16)));
  const [error, setError] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const noteHash = hex(sha256(new Uint8Array([...salt, ...new TextEncoder().encode(note)])));
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    if (!note.trim()) return setError('Write the review note (it stays here; the chain keeps its salted hash).');
    onPlan({
      title: `Review window #${view.id} (${who(names, view.window.provider)} on ${who(names, view.window.patient)}): ${label(REVIEW_OUTCOMES, outcome)}`,
      contract: 'accessControl',
      message: 'review_emergency_access',
      args: [view.id, outcome, noteHash],
    });
  };
  return (
    <form onSubmit={submit} aria-label={`Review window ${view.id}`} className="grid subform">
      <h3 tabIndex={-1} ref={heading}>Review window #{view.id}</h3>
      <fieldset>
        <legend>Outcome</legend>
        {REVIEW_OUTCOMES.map((o) => (
          <label key={o.name} className="check">
            <input type="radio" name={`outcome-${view.id}`} value={o.name} checked={outcome === o.name} onChange={() => setOutcome(o.name)} />
            {o.label}
          </label>
        ))}
      </fieldset>
      <Field label="Review note (kept off-chain)" id={`review-note-${view.id}`} hint="Keep the note and the salt: with them anyone can check the hash on the chain.">
        <textarea id={`review-note-${view.id}`} value={note} rows={3} aria-describedby={`review-note-${view.id}-hint`} onChange={(e) => setNote(e.target.value)} />
      </Field>
      <p className="muted">
        Salt <code data-testid="review-salt">{hex(salt)}</code>; note hash <code data-testid="review-note-hash">{noteHash}</code> (SHA-256 of salt ‖ note).
      </p>
      {error && <ErrorNote>{error}</ErrorNote>}
      <div className="actions">
        <button type="submit" disabled={busy}>Review the outcome</button>
        <button type="button" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
