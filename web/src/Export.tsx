// The patient's "Export my data": the complete record as an archive (a FHIR
// R4 Bundle, the encrypted files, their keys sealed to an export key only
// the patient holds, the audit trail, a signed manifest), made in this
// browser with the client core's exportPatient, the wallet and the
// WebAssembly vault.
//
//   1. an export key pair made here; its secret exists only as a file to
//      download (32 raw bytes, as `node client/cli.js export-key` writes it;
//      a Blob in this page until the view is left), never shown or sent; or
//      an export key file already held (read here, then zeroed)
//   2. the preview: how many records, that one get_record transaction per
//      live record will be sent, each dry-run as the patient (gas, storage
//      deposit, fee; a refusal in plain words), the totals
//   3. the export: each read signed in the wallet and recorded in the audit
//      trail, the gateway releasing each version's key against it, every file
//      kept in memory; then the tar (tar.ts, archive.js's layout) as a download
import { useEffect, useRef, useState } from 'react';

import { explainError, group } from '@medrec/core';
import type { Preview, Stage } from '@medrec/core';
import { generateSecretKey, keyId, publicKey, unwrapKey, wrapKey } from 'medvault-wasm';

// Not in @medrec/core's index (the Node CLI imports it on its own): the browser-safe export itself.
import { PORTABILITY_PURPOSE, PortabilityError, exportPatient as exportPatientJs } from '../../client/lib/core/portability.js';

import type { Account, Session } from './session';
import { tarOrder, tarParts } from './tar';
import { Empty, ErrorNote, Field, Loading, Section, useLoad } from './ui';
import { vaultReady } from './vault';

/** exportPatient as this view calls it (portability.js is plain JavaScript; its doc comment is the contract). */
interface Manifest {
  files: { path: string; sha256: string; size: number }[];
  auditHead: { index: string | null; len: string; hash: string };
  exportedAt: string;
  exportPublicKey: string;
}
const exportPatient = exportPatientJs as unknown as (opts: {
  medrec: Session['medrec'];
  gateway: Session['gateway'];
  signer: Account['tx'];
  caller: Account['gw'];
  vault: typeof browserVault;
  exportPublicKey: Uint8Array;
  genesisHash: string;
  sink: (path: string, bytes: Uint8Array) => Promise<void>;
  log: (line: string) => void;
}) => Promise<{
  manifest: Manifest;
  model: { records: { versions: unknown[] }[]; consents: unknown[]; permissions: unknown[]; delegations: unknown[] };
  report: { reads: { recordId: string; auditIndex: string }[] };
}>;

/** The vault operations exportPatient uses, from the WebAssembly core (vaultReady() first). */
const browserVault = {
  generateKeyPair: () => {
    const secretKey = generateSecretKey();
    return { secretKey, publicKey: publicKey(secretKey) };
  },
  wrapKey,
  unwrapKey,
  keyId,
};

interface ExportKey {
  publicKey: Uint8Array;
  /** An object URL of the secret key file (a key made here), until it is revoked. */
  url: string | null;
  fileName: string;
  from: 'new' | 'file';
  saved: boolean;
}

interface RecordRow { recordId: string; recordType: string; status: string; versions: number }

interface Plan {
  rows: RecordRow[];
  live: RecordRow[];
  previews: { recordId: string; preview: Preview }[];
  refused: { recordId: string; name: string; text: string } | null;
  totalFee: bigint;
  totalDeposit: bigint;
  gateway: string;
}

interface Done {
  url: string;
  fileName: string;
  size: number;
  records: number;
  versions: number;
  reads: number;
  blobs: number;
  consents: number;
  permissions: number;
  delegates: number;
  auditHead: { index: string | null; len: string; hash: string };
  exportedAt: string;
  exportPublicKey: string;
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const today = () => {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};
const bytesText = (n: number) => (n < 1024 ? `${n} bytes` : n < 1 << 20 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / (1 << 20)).toFixed(1)} MiB`);

/** What stopped an export, in plain words. */
const PORTABILITY_TEXTS: Record<string, string> = {
  NotRegistered: 'This account is not a registered patient of this deployment.',
  ChainInconsistent: 'The chain\'s list of a record\'s versions does not agree with the record\'s metadata.',
  SplitCustody: 'A record\'s key is held in shares by several gateways (split custody); an export needs the whole key from one gateway.',
  KeyMismatch: 'The gateway released a key that is not the record\'s key (its id differs from the one on the chain); it was not used.',
  BlobHashMismatch: 'The gateway\'s encrypted file does not hash to the data hash on the chain; it was not used.',
  AuditChainBroken: 'Your audit trail\'s hash chain does not verify, so it cannot be exported as proof.',
};

function explain(e: unknown, gatewayUrl: string): { name: string; text: string } {
  if (e instanceof PortabilityError) return { name: e.code, text: PORTABILITY_TEXTS[e.code] ?? e.message };
  const err = e as { name?: string; code?: string; message?: string };
  if (err?.name === 'GatewayError' && err.code === 'unreachable') {
    return { name: 'GatewayUnreachable', text: `The gateway at ${gatewayUrl} does not answer (is it running, and does it allow this page's origin?). Only the gateway releases the keys, so nothing can be exported without it.` };
  }
  return explainError(e);
}

async function allRecords(session: Session, me: string): Promise<RecordRow[]> {
  const out: RecordRow[] = [];
  for (let from = 0; ; from += 50) {
    const page = await session.medrec.query('recordManagement', 'patient_records', null, me, from, 50);
    for (const r of page) out.push({ recordId: String(r.record_id), recordType: r.meta.record_type, status: r.meta.status, versions: Number(r.meta.version) });
    if (page.length < 50) return out;
  }
}

export function ExportData({ session, account, version, onDone }: { session: Session; account: Account; version: number; onDone?: () => void }) {
  const me = account.address;
  const records = useLoad(() => allRecords(session, me), [me, version]);
  const [key, setKey] = useState<ExportKey | null>(null);
  const [keyError, setKeyError] = useState<string | null>(null);
  const [plan, setPlan] = useState<Plan | null>(null);
  const [checking, setChecking] = useState<string | null>(null);
  const [planError, setPlanError] = useState<{ name: string; text: string } | null>(null);
  const [running, setRunning] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  const [lines, setLines] = useState<string[]>([]);
  const [failure, setFailure] = useState<{ name: string; text: string; reads: number } | null>(null);
  const [done, setDone] = useState<Done | null>(null);
  const previewHeading = useRef<HTMLHeadingElement>(null);
  const doneHeading = useRef<HTMLHeadingElement>(null);
  const urls = useRef<string[]>([]);

  // Object URLs (the key file, the archive) live as long as this view.
  useEffect(() => () => urls.current.forEach((u) => URL.revokeObjectURL(u)), []);
  useEffect(() => {
    if (plan) previewHeading.current?.focus();
  }, [plan]);
  useEffect(() => {
    if (done) doneHeading.current?.focus();
  }, [done]);

  const fileStem = `medrec-export-${me.slice(0, 8)}`;
  const busy = running || checking !== null;

  const newKey = async () => {
    setKeyError(null);
    setPlan(null);
    await vaultReady();
    const secret = generateSecretKey();
    const pub = publicKey(secret);
    const url = URL.createObjectURL(new Blob([secret as BlobPart], { type: 'application/octet-stream' }));
    secret.fill(0); // the file's Blob is its only copy
    urls.current.push(url);
    setKey({ publicKey: pub, url, fileName: `${fileStem}-${today()}.key`, from: 'new', saved: false });
  };

  const keyFromFile = async (file: File | null) => {
    setKeyError(null);
    setPlan(null);
    if (!file) return;
    const bytes = new Uint8Array(await file.arrayBuffer());
    try {
      if (bytes.length !== 32) {
        setKeyError(`${file.name} is ${bytes.length} bytes; an export key file is 32 bytes (as this page or \`node client/cli.js export-key\` writes it).`);
        return;
      }
      await vaultReady();
      setKey({ publicKey: publicKey(bytes), url: null, fileName: file.name, from: 'file', saved: true });
    } finally {
      bytes.fill(0);
    }
  };

  const review = async () => {
    setPlan(null);
    setPlanError(null);
    setFailure(null);
    setDone(null);
    setLines([]);
    setStatus(null);
    const gw = session.gateway;
    try {
      if (!gw.url) throw new Error('No gateway is configured (set one on the Connect page): only a gateway releases the keys.');
      setChecking(`Asking the gateway at ${gw.url}…`);
      await gw.info();
      setChecking('Reading your records…');
      const rows = await allRecords(session, me);
      const live = rows.filter((r) => r.status !== 'Deleted');
      const previews: Plan['previews'] = [];
      let refused: Plan['refused'] = null;
      let totalFee = 0n;
      let totalDeposit = 0n;
      for (const [i, r] of live.entries()) {
        setChecking(`Dry run ${i + 1} of ${live.length}: reading record ${r.recordId}…`);
        const preview = await session.medrec.preview({ contract: 'recordManagement', message: 'get_record', signer: me, args: [me, r.recordId, PORTABILITY_PURPOSE] });
        previews.push({ recordId: r.recordId, preview });
        if (!preview.ok) {
          refused = { recordId: r.recordId, ...explainError(preview.error) };
          break;
        }
        totalFee += BigInt(preview.fee ?? 0);
        totalDeposit += BigInt(preview.storageDeposit ?? 0);
      }
      setPlan({ rows, live, previews, refused, totalFee, totalDeposit, gateway: gw.url });
    } catch (e) {
      setPlanError(explain(e, gw.url));
    } finally {
      setChecking(null);
    }
  };

  const run = async () => {
    if (!plan || !key) return;
    setRunning(true);
    setFailure(null);
    setLines([]);
    const log = (l: string) => setLines((x) => [...x, l.trim()]);
    const n = plan.live.length;
    let k = 0;
    let reads = 0;
    const { medrec } = session;
    // Every read is dry-run as the patient before it is signed, and its progress shown.
    const getRecord = async (who: Account['tx'], patient: string, recordId: string | number, purpose: string) => {
      k += 1;
      const what = `Record ${k} of ${Math.max(n, k)} (record ${recordId})`;
      setStatus(`${what}: dry run…`);
      const p = await medrec.preview({ contract: 'recordManagement', message: 'get_record', signer: who.address, args: [patient, recordId, purpose] });
      if (!p.ok) throw p.error;
      const stages: Record<Stage, string> = { signing: 'signing in your wallet…', broadcast: 'sent to the node…', inBlock: 'in a block', finalized: 'finalized' };
      const r = await medrec.sendPrepared(p, who, { waitFor: 'inBlock', onStatus: (s) => setStatus(`${what}: ${stages[s]}`) });
      reads += 1;
      log(`${what}: read signed and in block ${r.blockHash.slice(0, 12)}…; asking the gateway for its key(s)`);
      setStatus(`${what}: in a block; the gateway releases its key(s) once the block is final…`);
      return r;
    };
    const tracked = new Proxy(medrec, {
      get(target, prop) {
        if (prop === 'getRecord') return getRecord;
        const v = Reflect.get(target, prop);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const files = new Map<string, Uint8Array>();
    try {
      await vaultReady();
      const r = await exportPatient({
        medrec: tracked,
        gateway: session.gateway,
        signer: account.tx,
        caller: account.gw,
        vault: browserVault,
        exportPublicKey: key.publicKey,
        genesisHash: session.api.genesisHash.toHex(),
        sink: async (path: string, bytes: Uint8Array) => {
          files.set(path, bytes);
        },
        log,
      });
      setStatus('Building the archive in this browser…');
      const manifest = r.manifest;
      const paths = tarOrder([...manifest.files.map((f) => f.path), 'manifest.json', 'manifest.sig']);
      const parts = tarParts(paths.map((p) => ({ path: p, bytes: files.get(p)! })), { mtime: Date.parse(manifest.exportedAt) });
      const blob = new Blob(parts as BlobPart[], { type: 'application/x-tar' });
      files.clear();
      const url = URL.createObjectURL(blob);
      urls.current.push(url);
      const model = r.model;
      setDone({
        url,
        fileName: `${fileStem}-${today()}.tar`,
        size: blob.size,
        records: model.records.length,
        versions: model.records.reduce((s, x) => s + x.versions.length, 0),
        reads: r.report.reads.length,
        blobs: paths.filter((p) => p.startsWith('blobs/')).length,
        consents: model.consents.length,
        permissions: model.permissions.length,
        delegates: model.delegations.length,
        auditHead: manifest.auditHead,
        exportedAt: manifest.exportedAt,
        exportPublicKey: manifest.exportPublicKey,
      });
      setStatus(null);
      setPlan(null);
      onDone?.();
    } catch (e) {
      setStatus(null);
      setFailure({ ...explain(e, session.gateway.url), reads });
      if (reads > 0) onDone?.(); // the reads sent are in the trail
    } finally {
      files.clear();
      setRunning(false);
    }
  };

  const first = plan?.previews[0]?.preview;
  const sd = first?.storageDeposit;

  return (
    <Section title="Export my data">
      <p>
        Take your complete record with you, to another hospital or another deployment: an archive holding a FHIR R4 bundle (your
        records&apos; metadata, consents, permissions, delegates and the whole audit trail), your encrypted files, and their keys.
      </p>
      <ul>
        <li>Each of your records is read once by you, as a transaction signed in your wallet: each read is recorded in your audit trail.</li>
        <li>The key-release gateway releases each key only against that recorded read (for every version of the record).</li>
        <li>
          Each key is sealed, in this browser, to an export key that only you hold: the archive never holds a key in the clear, and without
          your export key file nobody can decrypt the files in it. The bundle itself (your records&apos; metadata, grants and audit trail) is
          not encrypted: keep the archive private.
        </li>
        <li>The manifest lists every file with its hash and is signed by you. Everything is put together in this browser; nothing is uploaded.</li>
      </ul>
      {records.loading && !records.data && <Loading what="your records" />}
      {records.error && <ErrorNote title="Could not read your records:">{records.error.message}</ErrorNote>}
      {records.data && records.data.length === 0 && !done && (
        <Empty>You have no records yet: nothing to export.</Empty>
      )}
      {records.data && (records.data.length > 0 || done) && (
        <>
          <h3 id="export-key-h">1. Your export key</h3>
          <p className="muted">
            The archive&apos;s keys are sealed to this key. Its secret is made here and exists only as the file you download (held in this page until you
            leave the patient view); it is never sent anywhere. Keep the file: it is what opens the archive (
            <code>node client/cli.js import ARCHIVE --export-key FILE</code>).
          </p>
          <div className="actions">
            <button type="button" onClick={newKey} disabled={busy}>
              {key?.from === 'new' ? 'Make another export key' : 'Make an export key'}
            </button>
          </div>
          <Field label="Or use an export key file you already have" id="export-key-file" hint="32 bytes, as this page or `node client/cli.js export-key` writes it; read in this browser only.">
            <input id="export-key-file" type="file" aria-describedby="export-key-file-hint" disabled={busy} onChange={(e) => keyFromFile(e.target.files?.[0] ?? null)} />
          </Field>
          {keyError && <ErrorNote>{keyError}</ErrorNote>}
          {key && (
            <div role="status" data-testid="export-key">
              <p>
                Export public key <code>{hex(key.publicKey).slice(0, 16)}…</code>
                {key.from === 'file' ? <> from {key.fileName}.</> : '.'}
              </p>
              {key.url && (
                <p>
                  <a className="button" href={key.url} download={key.fileName} onClick={() => setKey({ ...key, saved: true })}>
                    Download the export key file (secret)
                  </a>{' '}
                  {key.saved ? <span className="ok">Downloaded as {key.fileName}. Keep it safe.</span> : <span className="muted">Download it before you go on.</span>}
                </p>
              )}
            </div>
          )}

          <h3 id="export-review-h">2. Review</h3>
          <div className="actions">
            <button type="button" onClick={review} disabled={!key?.saved || busy}>
              Review the export
            </button>
          </div>
          {!key?.saved && <p className="muted">First make an export key and download its file, or choose a key file you have.</p>}
          {checking && <p role="status" aria-live="polite">{checking}</p>}
          {planError && (
            <ErrorNote title={`Cannot export: ${planError.name}.`}>
              <span data-testid="export-refusal">{planError.text}</span> Nothing was sent.
            </ErrorNote>
          )}
          {plan && (
            <div role="region" aria-label="Export preview" className="tx">
              <h3 tabIndex={-1} ref={previewHeading}>What the export will send</h3>
              <p data-testid="export-plan">
                {plan.rows.length} {plan.rows.length === 1 ? 'record' : 'records'} ({plan.rows.reduce((s, r) => s + r.versions, 0)} versions)
                {plan.rows.length > plan.live.length && <>, of which {plan.rows.length - plan.live.length} deleted (exported as metadata only: their keys are destroyed)</>}.{' '}
                {plan.live.length === 0
                  ? 'No transaction will be sent.'
                  : `${plan.live.length} get_record ${plan.live.length === 1 ? 'transaction' : 'transactions'} will be sent, one per live record, each signed by you in your wallet (purpose: at the patient's request). Your wallet also signs the requests to the gateway at ${plan.gateway} and the manifest.`}
              </p>
              {first && (
                <dl className="preview" aria-label={`Preview of the first read (record ${plan.previews[0].recordId})`}>
                  <dt>Dry run of the first read</dt>
                  <dd data-testid="export-dry-run">
                    {first.ok ? `record-management.get_record of record ${plan.previews[0].recordId}: would succeed` : 'refused'}
                  </dd>
                  <dt>Gas (ref_time / proof_size)</dt>
                  <dd data-testid="export-gas">{first.gasRequired ? `${group(first.gasRequired.refTime)} / ${group(first.gasRequired.proofSize)}` : '—'}</dd>
                  {first.ok && (
                    <>
                      <dt>Storage deposit</dt>
                      <dd data-testid="export-deposit">{sd === '0' || sd == null ? 'none' : session.formatPlancks(sd)}</dd>
                      <dt>Estimated fee</dt>
                      <dd data-testid="export-fee">{session.formatPlancks(first.fee)}</dd>
                    </>
                  )}
                  {!plan.refused && plan.live.length > 0 && (
                    <>
                      <dt>All {plan.live.length} reads (each dry-run)</dt>
                      <dd data-testid="export-total">
                        estimated fee {session.formatPlancks(plan.totalFee.toString())}; storage deposit{' '}
                        {plan.totalDeposit === 0n ? 'none' : session.formatPlancks(plan.totalDeposit.toString())}
                      </dd>
                    </>
                  )}
                </dl>
              )}
              {plan.refused && (
                <ErrorNote title={`Refused: ${plan.refused.name}.`}>
                  <span data-testid="export-refusal">
                    The read of record {plan.refused.recordId} would be refused: {plan.refused.text}
                  </span>{' '}
                  Nothing was sent.
                </ErrorNote>
              )}
              {!plan.refused && (
                <div className="actions">
                  <button type="button" className="primary" onClick={run} disabled={running}>
                    {running ? 'Exporting…' : plan.live.length === 0 ? 'Export' : `Sign ${plan.live.length} ${plan.live.length === 1 ? 'read' : 'reads'} and export`}
                  </button>
                  {!running && (
                    <button type="button" onClick={() => setPlan(null)}>
                      Cancel
                    </button>
                  )}
                </div>
              )}
            </div>
          )}
          {(status || lines.length > 0) && (
            <div role="region" aria-label="Export progress">
              {status && (
                <p role="status" aria-live="polite" data-testid="export-status">
                  {status}
                </p>
              )}
              {lines.length > 0 && (
                <ol className="progress" aria-label="Export steps">
                  {lines.map((l, i) => (
                    <li key={i} className="done">{l}</li>
                  ))}
                </ol>
              )}
            </div>
          )}
          {failure && (
            <ErrorNote title={`The export stopped: ${failure.name}.`}>
              <span data-testid="export-failure">{failure.text}</span>{' '}
              {failure.reads === 0
                ? 'No transaction was sent.'
                : `${failure.reads} ${failure.reads === 1 ? 'read was' : 'reads were'} sent and ${failure.reads === 1 ? 'is' : 'are'} in your audit trail; no archive was made. Exporting again reads each record once more.`}
            </ErrorNote>
          )}
          {done && (
            <div role="region" aria-label="Export summary" className="tx">
              <h3 tabIndex={-1} ref={doneHeading}>Your export is ready</h3>
              <dl className="facts" data-testid="export-summary">
                <dt>Records</dt>
                <dd>{done.records} ({done.versions} versions; {done.blobs} encrypted files with their sealed keys)</dd>
                <dt>Reads sent</dt>
                <dd>{done.reads} get_record transactions, each in your audit trail</dd>
                <dt>Consents, permissions, delegates</dt>
                <dd>{done.consents}, {done.permissions}, {done.delegates}</dd>
                <dt>Audit head</dt>
                <dd>
                  {done.auditHead.index == null ? 'empty trail' : <>entry #{done.auditHead.index} of {done.auditHead.len}, hash <code>{done.auditHead.hash.slice(0, 16)}…</code></>}
                </dd>
                <dt>Exported at</dt>
                <dd>{new Date(done.exportedAt).toLocaleString()}</dd>
                <dt>Sealed to export key</dt>
                <dd><code>{done.exportPublicKey.slice(0, 16)}…</code></dd>
              </dl>
              <p>
                <a className="button" href={done.url} download={done.fileName}>
                  Download the archive ({done.fileName}, {bytesText(done.size)})
                </a>
              </p>
              <p className="muted">
                Check it anywhere, without a chain: <code>node client/cli.js import {done.fileName} --verify-only --export-key YOUR-KEY-FILE</code> with your
                account as the signer.
              </p>
            </div>
          )}
        </>
      )}
    </Section>
  );
}
