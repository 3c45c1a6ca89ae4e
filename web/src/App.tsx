import { useEffect, useMemo, useState } from 'react';

import { AdminView } from './Admin';
import { AuditorView } from './Auditor';
import { Connect } from './Connect';
import { PatientView } from './Patient';
import { ProviderView } from './Provider';
import type { Account, Session, Settings } from './session';
import { defaultSettings } from './session';
import { Addr, Loading } from './ui';

type View = 'connect' | 'patient' | 'provider' | 'admin' | 'auditor';

export function App() {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [session, setSession] = useState<Session | null>(null);
  const [accounts, setAccounts] = useState<Account[]>([]);
  const [account, setAccount] = useState<Account | null>(null);
  const [view, setView] = useState<View>('connect');

  useEffect(() => {
    defaultSettings().then(setSettings);
  }, []);

  const names = useMemo(() => new Map(accounts.map((a) => [a.address, a.name])), [accounts]);

  if (!settings) return <Loading what="settings" />;

  const tabs: { key: View; label: string; needs: boolean }[] = [
    { key: 'connect', label: 'Connect', needs: false },
    { key: 'patient', label: 'Patient', needs: true },
    { key: 'provider', label: 'Provider', needs: true },
    { key: 'admin', label: 'Admin', needs: true },
    { key: 'auditor', label: 'Auditor', needs: true },
  ];

  return (
    <>
      <a className="skip" href="#main">Skip to content</a>
      <header>
        <h1>Medical records</h1>
        <nav aria-label="Views">
          {tabs.map((t) => (
            <button
              key={t.key}
              type="button"
              aria-current={view === t.key ? 'page' : undefined}
              disabled={t.needs && !(session && account)}
              onClick={() => setView(t.key)}
            >
              {t.label}
            </button>
          ))}
        </nav>
        <p className="whoami" aria-live="polite">
          {session ? <>Connected to <strong>{session.chain}</strong></> : 'Not connected'}
          {account && (
            <>
              {' '}as <strong>{account.name}</strong> <Addr address={account.address} />
              {account.source === 'dev' && <span className="badge dev">development key</span>}
            </>
          )}
        </p>
      </header>
      <main id="main">
        {view === 'connect' && (
          <Connect
            settings={settings}
            session={session}
            accounts={accounts}
            account={account}
            onSession={(s) => {
              session?.api.disconnect().catch(() => {});
              setSession(s);
              setAccount(null);
              setAccounts([]);
            }}
            onAccounts={setAccounts}
            onAccount={(a) => setAccount(a)}
            onSettings={setSettings}
          />
        )}
        {view === 'patient' && session && account && <PatientView key={account.address} session={session} account={account} names={names} />}
        {view === 'provider' && session && account && <ProviderView key={account.address} session={session} account={account} names={names} />}
        {view === 'admin' && session && account && <AdminView key={account.address} session={session} account={account} names={names} />}
        {view === 'auditor' && session && account && <AuditorView key={account.address} session={session} account={account} names={names} />}
      </main>
    </>
  );
}
