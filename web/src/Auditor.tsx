// The auditor's view (read-only): any patient's audit trail, its hash chain
// recomputed in this browser and compared with the chain's `audit_head`
// (the patient view's component, for a patient named here), with the
// accounting of disclosures for a date range.
import { useState } from 'react';

import { AccountInput } from './Access';
import { Audit } from './Patient';
import type { Account, Session } from './session';
import { ErrorNote, Section } from './ui';

export function AuditorView({ session, account, names }: { session: Session; account: Account; names: Map<string, string> }) {
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
    </>
  );
}
