// One transaction, as every transaction in the app goes: a preview before
// signing (the dry run as the signer: its value or the contract's error in
// plain words, gas, storage deposit or refund, estimated fee), a Sign button
// only when the dry run passes, progress (signing, in block, finalized) and
// the decoded contract events afterwards.
import { useEffect, useRef, useState } from 'react';

import { explainError, group } from '@medrec/core';
import type { Preview, Stage, TxResult } from '@medrec/core';

import type { Account, Session } from './session';
import { ErrorNote } from './ui';

export interface TxPlan {
  /** What the transaction does, in words. */
  title: string;
  contract: string;
  message: string;
  args: unknown[];
  /** Off-chain steps to run after signing is confirmed and before the transaction (e.g. upload). */
  before?: (progress: (s: string) => void) => Promise<void>;
  /** Off-chain steps after the transaction is final (e.g. bind at the gateway). */
  after?: (result: TxResult, progress: (s: string) => void) => Promise<void>;
  /** A delegate's transaction: the patient it acts for. */
  onBehalfOf?: { address: string; name: string };
  /** Wait for finality before `after` and before calling it done (default true). */
  finalized?: boolean;
}

const STAGES: { key: Stage; label: string }[] = [
  { key: 'signing', label: 'Signing' },
  { key: 'broadcast', label: 'Sent to the node' },
  { key: 'inBlock', label: 'In a block' },
  { key: 'finalized', label: 'Finalized' },
];

function valueText(v: unknown) {
  if (v === null || v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 120 ? `${s.slice(0, 117)}…` : s;
}

export function TxFlow({ session, account, plan, onDone, onCancel, onBusy }: {
  session: Session;
  account: Account;
  plan: TxPlan;
  onDone?: (r: TxResult) => void;
  onCancel?: () => void;
  /** Told true while signing and sending, false when it ended (either way). */
  onBusy?: (busy: boolean) => void;
}) {
  const [preview, setPreview] = useState<Preview | null>(null);
  const [previewError, setPreviewError] = useState<Error | null>(null);
  const [stages, setStages] = useState<Stage[]>([]);
  const [steps, setSteps] = useState<string[]>([]);
  const [result, setResult] = useState<TxResult | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    let live = true;
    // A new plan: start over (the flow may be reused in place for the next transaction).
    setPreview(null);
    setPreviewError(null);
    setStages([]);
    setSteps([]);
    setResult(null);
    setFailure(null);
    session.medrec
      .preview({ contract: plan.contract, message: plan.message, signer: account.address, args: plan.args })
      .then((p) => live && setPreview(p), (e) => live && setPreviewError(e));
    return () => {
      live = false;
    };
  }, [session, account.address, plan]);

  useEffect(() => heading.current?.focus(), []);

  const send = async () => {
    if (!preview) return;
    setBusy(true);
    onBusy?.(true);
    setFailure(null);
    const progress = (s: string) => setSteps((x) => [...x, s]);
    try {
      if (plan.before) await plan.before(progress);
      const r = await session.medrec.sendPrepared(preview, account.tx, {
        waitFor: plan.finalized === false ? 'inBlock' : 'finalized',
        onStatus: (s) => setStages((x) => (x.includes(s) ? x : [...x, s])),
      });
      setResult(r);
      if (plan.after) await plan.after(r, progress);
      onDone?.(r);
    } catch (e) {
      setFailure(e);
    } finally {
      setBusy(false);
      onBusy?.(false);
    }
  };

  const refused = preview && !preview.ok ? explainError(preview.error) : null;
  const failed = failure ? explainError(failure) : null;
  const started = stages.length > 0 || steps.length > 0 || busy;
  const sd = preview?.storageDeposit;

  return (
    <div className="tx" aria-label={`Transaction: ${plan.title}`} role="region">
      <h3 tabIndex={-1} ref={heading}>{plan.title}</h3>
      <p className="muted">
        <code>{`${plan.contract}.${plan.message}`}</code> signed by {account.name}
        {plan.onBehalfOf && (
          <span data-testid="on-behalf">
            {' '}on behalf of <strong>{plan.onBehalfOf.name}</strong> <code>{`${plan.onBehalfOf.address.slice(0, 6)}…${plan.onBehalfOf.address.slice(-4)}`}</code>, as delegate
          </span>
        )}
      </p>
      {!preview && !previewError && (
        <p role="status" aria-live="polite">Checking with a dry run…</p>
      )}
      {previewError && <ErrorNote title="The dry run failed:">{previewError.message}</ErrorNote>}
      {preview && (
        <dl className="preview" aria-label="Preview">
          <dt>Dry run</dt>
          <dd data-testid="dry-run">
            {preview.ok ? `would succeed, returning ${valueText(preview.value)}` : 'refused'}
          </dd>
          <dt>Gas (ref_time / proof_size)</dt>
          <dd data-testid="gas">
            {preview.gasRequired ? `${group(preview.gasRequired.refTime)} / ${group(preview.gasRequired.proofSize)}` : '—'}
          </dd>
          {preview.ok && (
            <>
              <dt>Storage deposit</dt>
              <dd data-testid="deposit">{sd === '0' || sd == null ? 'none' : session.formatPlancks(sd)}</dd>
              <dt>Estimated fee</dt>
              <dd data-testid="fee">{session.formatPlancks(preview.fee)}</dd>
            </>
          )}
        </dl>
      )}
      {refused && (
        <ErrorNote title={`Refused: ${refused.name}.`}>
          <span data-testid="refusal">{refused.text}</span> Nothing was sent.
        </ErrorNote>
      )}
      {preview?.ok && !result && (
        <div className="actions">
          <button type="button" className="primary" onClick={send} disabled={busy}>
            {busy ? 'Working…' : 'Sign and send'}
          </button>
          {onCancel && !busy && (
            <button type="button" onClick={onCancel}>
              Cancel
            </button>
          )}
        </div>
      )}
      {(refused || previewError) && onCancel && (
        <div className="actions">
          <button type="button" onClick={onCancel}>Close</button>
        </div>
      )}
      {started && (
        <ol className="progress" aria-label="Progress" aria-live="polite">
          {steps.map((s, i) => (
            <li key={`s${i}`} className="done">{s}</li>
          ))}
          {STAGES.filter((s) => plan.finalized !== false || s.key !== 'finalized').map((s) => (
            <li key={s.key} className={stages.includes(s.key) ? 'done' : 'pending'}>
              {s.label}
              {stages.includes(s.key) ? ' ✓' : ''}
            </li>
          ))}
        </ol>
      )}
      {failed && (
        <ErrorNote title={`Failed: ${failed.name}.`}>{failed.text}</ErrorNote>
      )}
      {result && (
        <div className="result" role="status">
          <p>
            <strong>Done</strong> in block <code>{result.blockHash.slice(0, 12)}…</code>
            {result.value !== null && result.value !== undefined && <> — returned {valueText(result.value)}</>}
          </p>
          {result.events.length > 0 ? (
            <ul aria-label="Contract events" className="events">
              {result.events.map((e, i) => (
                <li key={i}>
                  <strong>{e.contract}.{e.name ?? 'unknown event'}</strong>{' '}
                  {e.args && Object.entries(e.args).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')}
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">No contract events.</p>
          )}
          {onCancel && <button type="button" onClick={onCancel}>Close</button>}
        </div>
      )}
    </div>
  );
}
