import { useState } from 'react';

import type { Account, Deployment, Session, Settings } from './session';
import { devAccounts, extensionAccounts, openSession } from './session';
import { Addr, Empty, ErrorNote, Field, Section } from './ui';

export function Connect({ settings, session, accounts, account, onSession, onAccounts, onAccount, onSettings }: {
  settings: Settings;
  session: Session | null;
  accounts: Account[];
  account: Account | null;
  onSession: (s: Session) => void;
  onAccounts: (a: Account[]) => void;
  onAccount: (a: Account) => void;
  onSettings: (s: Settings) => void;
}) {
  const [form, setForm] = useState(settings);
  const [file, setFile] = useState<Deployment | null>(null);
  const [fileName, setFileName] = useState('');
  const [step, setStep] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [walletNote, setWalletNote] = useState<string | null>(null);

  const connect = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    setStep('starting');
    try {
      const s = await openSession(form, file, setStep);
      onSettings(form);
      onSession(s);
      onAccounts(s.dev ? await devAccounts() : []);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setStep(null);
    }
  };

  const loadFile = async (f: File | undefined) => {
    setError(null);
    if (!f) return setFile(null);
    try {
      setFile(JSON.parse(await f.text()));
      setFileName(f.name);
    } catch {
      setError(`${f.name} is not a JSON deployment file`);
    }
  };

  const useWallet = async () => {
    setWalletNote('Asking the browser\'s wallet extensions…');
    try {
      const { accounts: ext, extensions } = await extensionAccounts();
      if (extensions.length === 0) {
        setWalletNote('No wallet extension answered (install polkadot.js, Talisman or SubWallet, and allow this site).');
        return;
      }
      setWalletNote(ext.length ? `${ext.length} account(s) from ${extensions.join(', ')}.` : `${extensions.join(', ')} shared no account with this site.`);
      const dev = accounts.filter((a) => a.source === 'dev');
      onAccounts([...ext, ...dev]);
    } catch (err) {
      setWalletNote(`The wallet refused: ${(err as Error).message}`);
    }
  };

  const ext = accounts.filter((a) => a.source !== 'dev');
  const dev = accounts.filter((a) => a.source === 'dev');

  const picker = (list: Account[], label: string) => (
    <fieldset className="accounts">
      <legend>{label}</legend>
      {list.map((a) => (
        <label key={`${a.source}-${a.address}`} className="account">
          <input type="radio" name="account" checked={account?.address === a.address && account.source === a.source} onChange={() => onAccount(a)} />
          <strong>{a.name}</strong> <Addr address={a.address} /> <span className="muted">({a.source === 'dev' ? 'development key' : a.source})</span>
        </label>
      ))}
    </fieldset>
  );

  return (
    <>
      <Section title="Connect to a chain">
        <form onSubmit={connect} aria-describedby="connect-help">
          <p id="connect-help" className="muted">
            The node to talk to, the key-release gateway that holds the encrypted records, and the deployment file
            (the contracts' addresses, written by <code>scripts/deploy.sh</code>).
          </p>
          <Field label="Node endpoint" id="ws">
            <input id="ws" value={form.ws} onChange={(e) => setForm({ ...form, ws: e.target.value })} required />
          </Field>
          <Field label="Gateway URL" id="gateway">
            <input id="gateway" value={form.gateway} onChange={(e) => setForm({ ...form, gateway: e.target.value })} required />
          </Field>
          <Field label="Deployment file URL" id="deployment" hint="Used unless a file is chosen below.">
            <input id="deployment" value={form.deployment} aria-describedby="deployment-hint" onChange={(e) => setForm({ ...form, deployment: e.target.value })} />
          </Field>
          <Field label="Or a deployment file from this computer" id="deployment-file">
            <input id="deployment-file" type="file" accept="application/json,.json" onChange={(e) => loadFile(e.target.files?.[0])} />
          </Field>
          {file && <p className="muted">Using {fileName}.</p>}
          <button type="submit" className="primary" disabled={step !== null}>
            {step ? 'Connecting…' : session ? 'Reconnect' : 'Connect'}
          </button>
          {step && <p role="status" aria-live="polite">{step}…</p>}
          {error && <ErrorNote title="Could not connect:">{error}</ErrorNote>}
        </form>
        {session && (
          <dl className="facts" aria-label="Connection">
            <dt>Chain</dt>
            <dd>{session.chain}{session.dev && ' (development)'}</dd>
            <dt>access-control</dt>
            <dd><Addr address={session.medrec.addresses.accessControl} /></dd>
            <dt>patient-consent</dt>
            <dd><Addr address={session.medrec.addresses.patientConsent} /></dd>
            <dt>record-management</dt>
            <dd><Addr address={session.medrec.addresses.recordManagement} /></dd>
            <dt>Gateway</dt>
            <dd>{session.gateway.url}</dd>
          </dl>
        )}
      </Section>
      {session && (
        <Section title="Choose an account">
          <button type="button" onClick={useWallet}>Use a browser wallet</button>
          {walletNote && <p role="status" aria-live="polite">{walletNote}</p>}
          {ext.length > 0 && picker(ext, 'Wallet accounts')}
          {session.dev ? (
            <div className="devmode" role="note" aria-label="Development mode">
              <p>
                <strong>Development mode.</strong> This is a development chain, so its well-known test accounts are offered. Their
                secret keys are public and held by this page: never use them on a real chain.
              </p>
              {picker(dev, 'Development accounts')}
            </div>
          ) : (
            ext.length === 0 && <Empty>Connect a wallet to choose an account.</Empty>
          )}
        </Section>
      )}
    </>
  );
}
