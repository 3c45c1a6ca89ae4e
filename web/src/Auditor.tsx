// The auditor's view (read-only): any patient's audit trail, its hash chain
// recomputed in this browser and compared with the chain's `audit_head`
// (the patient view's component, for a patient named here), with the
// accounting of disclosures for a date range, and the emergency windows
// opened on that patient with their reviews; the break-glass windows
// awaiting review; and the key-release gateway's own log (GET /v1/log,
// for verified, active admins), its refusals listed and its hash chain
// recomputed in this browser.
import { useState } from 'react';

import { GATEWAY_CODES, explainError, verifyLogEntries } from '@medrec/core';
import type { LogEntry } from '@medrec/core';
import { encodeAddress } from '@polkadot/util-crypto';

import { AccountInput, EmergencyWindows, allPages } from './Access';
import { Audit } from './Patient';
import type { Account, Session } from './session';
import { Addr, Empty, ErrorNote, Field, Loading, Section, type Names, useLoad, when, who } from './ui';
import { EMERGENCY_REASONS, label } from './vocab';

export function AuditorView({ session, account, names }: { session: Session; account: Account; names: Names }) {
  const [input, setInput] = useState('');
  const [patient, setPatient] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    const p = input.trim();
    if (!p) return setError('Name the patient (an address).');
    try {
      session.api.createType('AccountId', p);
    } catch {
      setPatient(null);
      return setError('That is not an account address.');
    }
    setPatient(p);
    setVersion((v) => v + 1);
  };

  return (
    <>
      <Section title="Audit a patient's trail" id="auditor">
        <p className="muted">
          Read-only: the trail is read from record-management and every entry's hash recomputed in this browser; nothing is signed or sent.
        </p>
        <form onSubmit={submit} aria-label="Choose a patient" className="grid">
          <AccountInput id="auditor-patient" label="Patient (address)" value={input} onChange={setInput} names={names} me="" />
          {error && <ErrorNote>{error}</ErrorNote>}
          <button type="submit" className="primary">Verify the trail</button>
        </form>
        {patient && (
          <p>
            Patient <code data-testid="auditor-patient">{patient}</code>
            {names.get(patient) ? ` (${names.get(patient)})` : ''}.
          </p>
        )}
      </Section>
      {patient && <Audit key={`${patient}-${version}`} session={session} me={patient} names={names} version={version} whose="the patient's" />}
      {patient && <EmergencyWindows key={`w-${patient}-${version}`} session={session} me={patient} names={names} version={version} whom="the patient" />}
      <Unreviewed session={session} names={names} />
      <GatewayLog session={session} account={account} names={names} />
    </>
  );
}

/** The break-glass windows awaiting an admin's review (read-only; admins review them in the admin view). */
function Unreviewed({ session, names }: { session: Session; names: Names }) {
  const queue = useLoad(() => allPages((from) => session.medrec.query('accessControl', 'unreviewed_emergency_windows', null, from, 50)), []);
  return (
    <Section title="Emergency windows awaiting review" id="auditor-unreviewed">
      {queue.loading && !queue.data && <Loading what="the windows awaiting review" />}
      {queue.error && <ErrorNote title="Could not read the review queue:">{queue.error.message}</ErrorNote>}
      {queue.data && queue.data.length === 0 && <Empty>Every emergency window has been reviewed.</Empty>}
      {queue.data && queue.data.length > 0 && (
        <table>
          <caption className="sr-only">Emergency windows awaiting review, by id</caption>
          <thead>
            <tr><th scope="col">Window</th><th scope="col">Provider</th><th scope="col">Patient</th><th scope="col">Reason</th><th scope="col">Opened</th><th scope="col">Closes or closed</th><th scope="col">State</th></tr>
          </thead>
          <tbody>
            {[...queue.data].sort((a: any, b: any) => Number(a.id) - Number(b.id)).map((v: any) => (
              <tr key={v.id}>
                <td>#{v.id}</td>
                <td><Addr address={v.window.provider} names={names} /></td>
                <td><Addr address={v.window.patient} names={names} /></td>
                <td>{label(EMERGENCY_REASONS, v.window.reason)}</td>
                <td>{when(v.window.opened_at)}</td>
                <td>{when(v.window.ended_at ?? v.window.expires_at)}</td>
                <td>{v.state}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

interface LogView {
  entries: LogEntry[];
  total: number;
  next: number | null;
  verdict: { ok: boolean; text: string };
}

const ZERO = '00'.repeat(32);

/**
 * A page of the gateway's log, verified: the entries' hashes recomputed,
 * each linked to the one before it, and the first linked to the entry
 * before the page (whose own hash is recomputed too) or, at seq 0, to zeros.
 */
async function loadLog(session: Session, account: Account, from: number | null, limit: number): Promise<LogView> {
  const gw = session.gateway;
  let start = from;
  if (start === null) {
    const probe = await gw.log(account.gw, { from: 0, limit: 1 });
    start = Math.max(0, probe.total - limit);
  }
  const page = await gw.log(account.gw, { from: start, limit });
  const es = page.entries;
  if (es.length === 0) return { ...page, verdict: { ok: true, text: `No entries from #${start} (the log holds ${page.total}).` } };
  let prev: string | null = ZERO;
  let anchor = 'from the log\'s first entry';
  if (es[0].seq > 0) {
    const before = (await gw.log(account.gw, { from: es[0].seq - 1, limit: 1 })).entries[0];
    const own = before ? verifyLogEntries([before], before.prev) : null;
    if (!before || !own?.ok) {
      return { ...page, verdict: { ok: false, text: `The entry before this page (#${es[0].seq - 1}) ${before ? 'does not hash to its recorded hash' : 'was not returned'}.` } };
    }
    prev = before.hash;
    anchor = `back to entry #${before.seq} before this page`;
  }
  const v = verifyLogEntries(es, prev);
  const range = `entries #${es[0].seq}–#${es[es.length - 1].seq} of ${page.total}`;
  return {
    ...page,
    verdict: v.ok
      ? { ok: true, text: `Hash chain verified in this browser: ${range}, each entry's hash recomputed and linked to the one before it, ${anchor}.` }
      : { ok: false, text: `The log's hash chain does NOT verify (${range}): ${v.reason}.` },
  };
}

function GatewayLog({ session, account, names }: { session: Session; account: Account; names: Names }) {
  const [limit, setLimit] = useState('100');
  const [view, setView] = useState<LogView | null>(null);
  const [failure, setFailure] = useState<{ name: string; text: string } | null>(null);
  const [loading, setLoading] = useState(false);
  const ss58 = session.api.registry.chainSS58 ?? 42;
  const caller = (hex?: string) => {
    if (!hex) return null;
    try {
      return encodeAddress(`0x${hex}`, ss58);
    } catch {
      return null;
    }
  };

  const read = async (from: number | null) => {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 500) {
      setFailure({ name: 'Form', text: 'Read 1 to 500 entries at a time.' });
      return;
    }
    setLoading(true);
    setFailure(null);
    try {
      setView(await loadLog(session, account, from, n));
    } catch (e) {
      setView(null);
      setFailure(explainError(e));
    } finally {
      setLoading(false);
    }
  };

  const refusals = view ? [...view.entries].filter((e) => e.event === 'refusal').reverse() : [];
  const counts = view ? Object.entries(view.entries.reduce<Record<string, number>>((m, e) => ({ ...m, [e.event]: (m[e.event] ?? 0) + 1 }), {})) : [];
  const first = view?.entries[0]?.seq;
  const last = view?.entries[view.entries.length - 1]?.seq;

  return (
    <Section title="The key-release gateway's log" id="gateway-log">
      <p className="muted">
        Every upload, deposit, release and refusal at the gateway ({session.gateway.url}), hash-chained. Refusals are the attempts that never
        reached the chain. Reading it is a request signed with your key (no transaction): the gateway answers verified, active admins only,
        and logs the reading too.
      </p>
      <form className="grid" aria-label="Read the gateway's log" onSubmit={(e) => { e.preventDefault(); read(null); }}>
        <Field label="Entries per page" id="log-limit" hint="1 to 500; the newest page first.">
          <input id="log-limit" type="number" min="1" max="500" step="1" value={limit} aria-describedby="log-limit-hint" onChange={(e) => setLimit(e.target.value)} />
        </Field>
        <div className="actions">
          <button type="submit" className="primary" disabled={loading}>{loading ? 'Reading…' : 'Read the newest entries'}</button>
          {view && first !== undefined && first > 0 && (
            <button type="button" disabled={loading} onClick={() => read(Math.max(0, first - Number(limit)))}>Earlier entries</button>
          )}
          {view && view.next !== null && (
            <button type="button" disabled={loading} onClick={() => read(view.next)}>Later entries</button>
          )}
        </div>
      </form>
      {loading && <Loading what="the gateway's log" />}
      {failure && (
        <ErrorNote title={`Refused: ${failure.name}.`}>
          <span data-testid="log-refusal">{failure.text}</span>
        </ErrorNote>
      )}
      {view && (
        <>
          <p data-testid="log-verdict" className={view.verdict.ok ? 'ok' : 'error'} role="status">{view.verdict.text}</p>
          {counts.length > 0 && (
            <p className="muted" data-testid="log-counts">
              In entries #{first}–#{last}: {counts.map(([ev, n]) => `${n} ${ev}`).join(', ')}.
            </p>
          )}
          <h3>Refusals{view.entries.length > 0 ? ` in entries #${first}–#${last}` : ''}, newest first</h3>
          {refusals.length === 0 ? (
            <Empty>No refusal in these entries.</Empty>
          ) : (
            <table>
              <caption className="sr-only">The gateway's refusals, newest first</caption>
              <thead>
                <tr><th scope="col">Entry</th><th scope="col">Time</th><th scope="col">Route</th><th scope="col">Refusal</th><th scope="col">Caller</th></tr>
              </thead>
              <tbody>
                {refusals.map((e) => {
                  const c = caller(e.fields.caller);
                  return (
                    <tr key={e.seq} data-seq={e.seq}>
                      <td>#{e.seq}</td>
                      <td>{when(e.at)}</td>
                      <td>{e.fields.route ?? '—'}</td>
                      <td><code>{e.fields.code}</code> <span className="muted">{GATEWAY_CODES[e.fields.code] ?? ''}</span></td>
                      <td>{c ? <Addr address={c} names={names} /> : 'unsigned'}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
          {view.entries.length > 0 && <p className="muted">Read by {who(names, account.address)}; the newest entry's hash is <code>{view.entries[view.entries.length - 1].hash.slice(0, 16)}…</code>.</p>}
        </>
      )}
    </Section>
  );
}
