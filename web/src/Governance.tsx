// The administration of each contract (the shared admin core,
// contracts/types/src/admin.rs): owner and proposed owner, pause, the
// upgrade delay, the code version, the announced code upgrade and link
// repoints with the time each becomes due (and a countdown), and the
// contract's own settings (access-control's emergency window length and
// cooldown, record-management's retention period). Every change goes
// through the TxFlow preview, so a caller who is not the owner sees why
// before signing; apply is offered only once an announcement is due.
import { useEffect, useState } from 'react';

import { sameAccount } from '@medrec/core';

import { AccountInput } from './Access';
import type { Session } from './session';
import type { TxPlan } from './TxFlow';
import { Addr, ErrorNote, Field, Loading, Section, type Names, useLoad, when, who } from './ui';
import { DAY_MS } from './vocab';

type Key = 'accessControl' | 'patientConsent' | 'recordManagement';

const CRATES: Record<Key, string> = {
  accessControl: 'access-control',
  patientConsent: 'patient-consent',
  recordManagement: 'record-management',
};

/** The links each contract may repoint (announce_link), by the `Link` enum's names. */
const LINKS: Record<Key, { link: string; label: string }[]> = {
  accessControl: [],
  patientConsent: [
    { link: 'AccessControl', label: 'access-control' },
    { link: 'RecordManagement', label: 'record-management' },
  ],
  recordManagement: [
    { link: 'PatientConsent', label: 'patient-consent' },
    { link: 'AccessControl', label: 'access-control' },
  ],
};

const HASH32 = /^0x[0-9a-fA-F]{64}$/;
const HOUR_MS = 60 * 60 * 1000;

/** A duration in words: 2 d 3 h 4 min 5 s (the largest units that are not zero). */
export function duration(ms: number) {
  if (ms <= 0) return '0 s';
  const parts: string[] = [];
  let rest = Math.floor(ms / 1000);
  for (const [n, u] of [[86400, 'd'], [3600, 'h'], [60, 'min'], [1, 's']] as const) {
    const q = Math.floor(rest / n);
    rest -= q * n;
    if (q > 0) parts.push(`${q} ${u}`);
  }
  return parts.slice(0, 3).join(' ');
}

/** The time now, ticking every second (for countdowns). */
function useNow() {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return now;
}

async function loadState(session: Session, key: Key) {
  const q = (message: string, ...args: unknown[]) => session.medrec.query(key, message, null, ...args);
  const [admin, codeVersion] = await Promise.all([q('admin'), q('code_version')]);
  const links: { link: string; label: string; current: string | null; pending: any }[] = [];
  let settings: any = null;
  if (key === 'patientConsent') {
    const [acl, rmg] = await Promise.all([q('access_control'), q('record_management')]);
    const current: Record<string, string | null> = { AccessControl: acl, RecordManagement: rmg };
    for (const l of LINKS[key]) links.push({ ...l, current: current[l.link], pending: await q('pending_link', l.link) });
  } else if (key === 'recordManagement') {
    const stats = await q('stats');
    const current: Record<string, string | null> = { PatientConsent: stats.consent_contract, AccessControl: stats.access_control };
    for (const l of LINKS[key]) links.push({ ...l, current: current[l.link], pending: await q('pending_link', l.link) });
    settings = { retentionPeriod: Number(stats.retention_period) };
  } else {
    const s = await q('emergency_settings');
    settings = { windowDuration: Number(s.window_duration), cooldown: Number(s.cooldown) };
  }
  return { admin, codeVersion, links, settings };
}

/** Due in ... / due since ...: an announcement's time, with a countdown. */
function Due({ at, now }: { at: string | number; now: number }) {
  const left = Number(at) - now;
  return (
    <>
      {when(at)}{' '}
      <span data-testid="countdown">{left > 0 ? `(due in ${duration(left)})` : '(due now: it may be applied)'}</span>
    </>
  );
}

export function ContractAdmin({ session, contract, me, names, version, onPlan, busy }: {
  session: Session; contract: Key; me: string; names: Names; version: number; onPlan: (p: TxPlan) => void; busy: boolean;
}) {
  const crate = CRATES[contract];
  const state = useLoad(() => loadState(session, contract), [contract, version]);
  const now = useNow();
  const [delayDays, setDelayDays] = useState('');
  const [newOwner, setNewOwner] = useState('');
  const [codeHash, setCodeHash] = useState('');
  const [link, setLink] = useState(LINKS[contract][0]?.link ?? '');
  const [target, setTarget] = useState('');
  const [windowMin, setWindowMin] = useState('');
  const [cooldownH, setCooldownH] = useState('');
  const [retentionDays, setRetentionDays] = useState('');
  const [error, setError] = useState<string | null>(null);
  const d = state.data;
  const admin = d?.admin;
  const isOwner = admin ? sameAccount(admin.owner, me) : false;
  const isPending = admin?.pending_owner ? sameAccount(admin.pending_owner, me) : false;
  const fid = (s: string) => `${contract}-${s}`;

  const plan = (title: string, message: string, args: unknown[] = []) => {
    setError(null);
    onPlan({ title: `${crate}: ${title}`, contract, message, args });
  };
  const checked = (e: React.FormEvent, f: () => string | void) => {
    e.preventDefault();
    setError(null);
    const err = f();
    if (err) setError(err);
  };

  return (
    <Section title={`Administration of ${crate}`} id={`admin-${contract}`}>
      {state.loading && !d && <Loading what={`${crate}'s administration`} />}
      {state.error && <ErrorNote title={`Could not read ${crate}'s administration:`}>{state.error.message}</ErrorNote>}
      {d && admin && (
        <>
          <dl className="facts" aria-label={`${crate}: state`}>
            <dt>Owner</dt>
            <dd data-testid="owner"><Addr address={admin.owner} names={names} />{isOwner ? ' (you)' : ''}</dd>
            <dt>Proposed owner</dt>
            <dd data-testid="pending-owner">{admin.pending_owner ? <><Addr address={admin.pending_owner} names={names} />{isPending ? ' (you: accept below)' : ''}</> : 'none'}</dd>
            <dt>Paused</dt>
            <dd data-testid="paused">{admin.paused ? 'yes: writes are refused' : 'no'}</dd>
            <dt>Upgrade delay</dt>
            <dd data-testid="upgrade-delay">{duration(Number(admin.upgrade_delay))}</dd>
            <dt>Code version</dt>
            <dd data-testid="code-version">{d.codeVersion}</dd>
            <dt>Announced code upgrade</dt>
            <dd data-testid="pending-code">
              {admin.pending_code ? <>code <code>{String(admin.pending_code.value).slice(0, 18)}…</code>, due <Due at={admin.pending_code.effective_at} now={now} /></> : 'none'}
            </dd>
            {d.links.map((l) => (
              <LinkFacts key={l.link} l={l} names={names} now={now} />
            ))}
            {contract === 'accessControl' && d.settings && (
              <>
                <dt>Emergency windows</dt>
                <dd data-testid="emergency-settings">last {duration(d.settings.windowDuration)}; one provider re-opens on one patient after {duration(d.settings.cooldown)}</dd>
              </>
            )}
            {contract === 'recordManagement' && d.settings && (
              <>
                <dt>Retention period</dt>
                <dd data-testid="retention-period">{duration(d.settings.retentionPeriod)} ({Math.round(d.settings.retentionPeriod / DAY_MS)} days) for records created from now on</dd>
              </>
            )}
          </dl>
          <p className="muted">
            {isOwner
              ? 'You are the owner: the changes below are yours to make.'
              : 'You are not the owner: the contract will refuse these changes (each preview says why)'}
            {!isOwner && isPending ? ', except accepting the ownership proposed to you.' : isOwner ? '' : '.'}
          </p>
          {error && <ErrorNote>{error}</ErrorNote>}

          <div className="actions" role="group" aria-label={`${crate}: pause and ownership`}>
            {admin.paused ? (
              <button type="button" disabled={busy} onClick={() => plan('unpause', 'unpause')}>Unpause {crate}</button>
            ) : (
              <button type="button" disabled={busy} onClick={() => plan('pause (writes refused until unpaused)', 'pause')}>Pause {crate}</button>
            )}
            {admin.pending_owner && (
              <>
                <button type="button" disabled={busy} onClick={() => plan(`accept the ownership (proposed to ${who(names, admin.pending_owner)})`, 'accept_ownership')}>
                  Accept ownership of {crate}
                </button>
                <button type="button" disabled={busy} onClick={() => plan(`cancel the ownership proposal to ${who(names, admin.pending_owner)}`, 'cancel_ownership_proposal')}>
                  Cancel the ownership proposal
                </button>
              </>
            )}
          </div>

          <div className="row">
            <form className="grid subform" aria-label={`${crate}: propose a new owner`} onSubmit={(e) => checked(e, () => {
              const o = newOwner.trim();
              if (!o) return 'Name the new owner (an address).';
              plan(`propose ${who(names, o)} as owner (ownership moves when it accepts)`, 'propose_owner', [o]);
            })}>
              <AccountInput id={fid('new-owner')} label="New owner (address)" value={newOwner} onChange={setNewOwner} names={names} me={me} />
              <button type="submit" disabled={busy}>Review the proposal</button>
            </form>
            <form className="grid subform" aria-label={`${crate}: upgrade delay`} onSubmit={(e) => checked(e, () => {
              const days = Number(delayDays);
              if (!delayDays.trim() || !Number.isFinite(days) || days <= 0) return 'The delay is a number of days (1 to 30).';
              plan(`upgrade delay ${days} days`, 'set_upgrade_delay', [Math.round(days * DAY_MS)]);
            })}>
              <Field label="Upgrade delay (days)" id={fid('delay')} hint="Between 1 and 30 days; announcements made already keep their time.">
                <input id={fid('delay')} type="number" min="1" max="30" step="any" value={delayDays} aria-describedby={`${fid('delay')}-hint`} onChange={(e) => setDelayDays(e.target.value)} />
              </Field>
              <button type="submit" disabled={busy}>Review the delay</button>
            </form>
          </div>

          <div className="row">
            <form className="grid subform" aria-label={`${crate}: code upgrade`} onSubmit={(e) => checked(e, () => {
              const h = codeHash.trim();
              if (!HASH32.test(h)) return 'The code hash is 32 bytes in hex: 0x and 64 hex digits (upload the code first).';
              plan(`announce a code upgrade to ${h.slice(0, 12)}… (applicable after the delay)`, 'announce_code_upgrade', [h]);
            })}>
              <Field label="New code hash" id={fid('code-hash')} hint="Code already uploaded to the chain; it may be applied once the upgrade delay has passed.">
                <input id={fid('code-hash')} value={codeHash} autoComplete="off" aria-describedby={`${fid('code-hash')}-hint`} onChange={(e) => setCodeHash(e.target.value)} />
              </Field>
              <div className="actions">
                <button type="submit" disabled={busy}>Review the announcement</button>
                {admin.pending_code && (
                  <>
                    <button type="button" disabled={busy} onClick={() => plan('cancel the announced code upgrade', 'cancel_code_upgrade')}>Cancel the code upgrade</button>
                    <button
                      type="button"
                      disabled={busy || Number(admin.pending_code.effective_at) > now}
                      title={Number(admin.pending_code.effective_at) > now ? `due in ${duration(Number(admin.pending_code.effective_at) - now)}` : undefined}
                      onClick={() => plan('apply the announced code upgrade', 'apply_code_upgrade')}
                    >
                      Apply the code upgrade{Number(admin.pending_code.effective_at) > now ? ` (in ${duration(Number(admin.pending_code.effective_at) - now)})` : ''}
                    </button>
                  </>
                )}
              </div>
            </form>
            {d.links.length > 0 && (
              <form className="grid subform" aria-label={`${crate}: repoint a link`} onSubmit={(e) => checked(e, () => {
                const t = target.trim();
                if (!t) return 'Name the new target contract (an address).';
                const l = LINKS[contract].find((x) => x.link === link)!;
                plan(`announce repointing its ${l.label} link at ${who(names, t)} (applicable after the delay)`, 'announce_link', [link, t]);
              })}>
                <Field label="Link" id={fid('link')}>
                  <select id={fid('link')} value={link} onChange={(e) => setLink(e.target.value)}>
                    {LINKS[contract].map((l) => <option key={l.link} value={l.link}>{l.label}</option>)}
                  </select>
                </Field>
                <AccountInput id={fid('link-target')} label="New target contract (address)" value={target} onChange={setTarget} names={names} me="" />
                <div className="actions">
                  <button type="submit" disabled={busy}>Review the repoint</button>
                </div>
                {d.links.filter((l) => l.pending).map((l) => {
                  const due = Number(l.pending.effective_at) > now;
                  return (
                    <div className="actions" key={l.link}>
                      <button type="button" disabled={busy} onClick={() => plan(`cancel the announced repoint of its ${l.label} link`, 'cancel_link', [l.link])}>
                        Cancel the {l.label} repoint
                      </button>
                      <button type="button" disabled={busy || due} onClick={() => plan(`repoint its ${l.label} link at ${who(names, l.pending.value)}`, 'apply_link', [l.link])}>
                        Apply the {l.label} repoint{due ? ` (in ${duration(Number(l.pending.effective_at) - now)})` : ''}
                      </button>
                    </div>
                  );
                })}
              </form>
            )}
          </div>

          {contract === 'accessControl' && (
            <form className="grid subform" aria-label={`${crate}: emergency settings`} onSubmit={(e) => checked(e, () => {
              const w = Number(windowMin || d.settings.windowDuration / 60000);
              const c = Number(cooldownH || d.settings.cooldown / HOUR_MS);
              if (!Number.isFinite(w) || w <= 0 || !Number.isFinite(c) || c <= 0) return 'The window length and the cooldown are positive numbers.';
              plan(`emergency windows last ${duration(w * 60000)}, cooldown ${duration(c * HOUR_MS)}`, 'set_emergency_settings', [
                { window_duration: Math.round(w * 60000), cooldown: Math.round(c * HOUR_MS) },
              ]);
            })}>
              <h3>Emergency settings</h3>
              <div className="row">
                <Field label="Window length (minutes)" id={fid('window')} hint="1 minute to 7 days; open windows keep theirs.">
                  <input id={fid('window')} type="number" min="1" step="any" placeholder={String(d.settings.windowDuration / 60000)} value={windowMin} aria-describedby={`${fid('window')}-hint`} onChange={(e) => setWindowMin(e.target.value)} />
                </Field>
                <Field label="Cooldown (hours)" id={fid('cooldown')} hint="1 hour to 30 days between two windows of one provider on one patient.">
                  <input id={fid('cooldown')} type="number" min="1" step="any" placeholder={String(d.settings.cooldown / HOUR_MS)} value={cooldownH} aria-describedby={`${fid('cooldown')}-hint`} onChange={(e) => setCooldownH(e.target.value)} />
                </Field>
              </div>
              <button type="submit" disabled={busy}>Review the settings</button>
            </form>
          )}
          {contract === 'recordManagement' && (
            <form className="grid subform" aria-label={`${crate}: retention period`} onSubmit={(e) => checked(e, () => {
              const days = Number(retentionDays);
              if (!retentionDays.trim() || !Number.isFinite(days) || days <= 0) return 'The retention period is a number of days (1 day to 100 years).';
              plan(`retention period ${days} days for new records`, 'set_retention_period', [Math.round(days * DAY_MS)]);
            })}>
              <Field label="Retention period (days)" id={fid('retention')} hint="How long new records must be kept before they may be deleted: 1 day to 100 years.">
                <input id={fid('retention')} type="number" min="1" step="any" value={retentionDays} aria-describedby={`${fid('retention')}-hint`} onChange={(e) => setRetentionDays(e.target.value)} />
              </Field>
              <button type="submit" disabled={busy}>Review the retention period</button>
            </form>
          )}
        </>
      )}
    </Section>
  );
}

function LinkFacts({ l, names, now }: { l: { link: string; label: string; current: string | null; pending: any }; names: Names; now: number }) {
  return (
    <>
      <dt>Link to {l.label}</dt>
      <dd data-testid={`link-${l.link}`}>
        {l.current ? <Addr address={l.current} names={names} /> : 'not set'}
        {l.pending ? (
          <span data-testid={`pending-link-${l.link}`}>; repoint at <Addr address={l.pending.value} names={names} /> announced, due <Due at={l.pending.effective_at} now={now} /></span>
        ) : '; no repoint announced'}
      </dd>
    </>
  );
}
