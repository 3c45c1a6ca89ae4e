// "Export my data" in the patient view, clicked through in chromium against
// a real node and a real key-release gateway: a patient with two records
// (one of two versions, created by a provider through the gateway with the
// Node client) makes an export key in the browser, previews the export (a
// dry run per read, nothing signed), runs it (one get_record per record,
// signed in the wallet) and downloads the archive; the CLI's `import
// --verify-only` accepts that archive with the downloaded key, the tar is
// byte for byte what client/lib/archive.js writes for the same files, the
// chain holds one new PatientRequest read per record in the patient's trail,
// and the secret key was never sent anywhere. Also: a patient without
// records is told there is nothing to export; an export key file written by
// the CLI is taken (a file of the wrong size refused), and an unreachable
// gateway is named in plain words before anything is signed. Fresh derived accounts
// (per run) keep the file repeatable on a chain it already ran on.
//
//   scripts/web-test.sh     starts node + gateway, deploys, builds, serves, runs this

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { openTar, writeTar } from '../../client/lib/archive.js';
import { Gateway } from '../../client/lib/gateway.js';
import { signer, submit } from '../../client/lib/medrec.js';
import { readExportKey } from '../../client/lib/portability.js';
import { tempDir } from '../../client/test-support/tmp.js';

import { CREDENTIALS, GATEWAY, LONG, REPO, WEB_URL, asAccount, chain, connectWallet, missing, openBrowser, screenshot } from './setup.js';

const why = missing() ?? (GATEWAY ? null : 'no gateway (MEDREC_GATEWAY)');
const DAY = 86_400_000;
const CLI = join(REPO, 'client', 'cli.js');

/** Runs the Node CLI; resolves {status, stdout, stderr}. */
function cli(args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('export my data in chromium', { skip: why ?? false, concurrency: 1, timeout: 20 * 60_000 }, () => {
  let c;
  let b;
  let page;
  let dir;
  const run = Date.now();
  const patientUri = `//WebExport//patient-${run}`;
  const patient = signer(patientUri);
  const empty = signer(`//WebExport//empty-${run}`);
  const recordIds = [];
  const sent = []; // every request and WebSocket frame the page sent
  let secretHex = null;


  before(async () => {
    c = await chain();
    dir = tempDir('medrec-web-export-');
    const { alice, bob, charlie } = c.accounts;
    if (!(await c.medrec.getProvider(charlie.address))) await c.medrec.registerProvider(alice, charlie.address, 'Doctor', CREDENTIALS);
    if (!(await c.medrec.getProvider(charlie.address)).verified) await c.medrec.verifyProvider(bob, charlie.address);
    for (const who of [patient, empty]) {
      await submit(c.api, c.api.tx.balances.transferKeepAlive(who.address, 10n ** 16n), alice, { label: 'fund a patient' });
      await c.medrec.registerPatient(who);
    }
    // Two records by Dr Charlie, the second in two versions, through the gateway (with the Node client).
    const gw = new Gateway(GATEWAY);
    await c.medrec.grantConsent(patient, patient, charlie, 'MedicalRecords', 30 * DAY, ['Treatment']);
    await c.medrec.grantPermission(patient, patient, charlie, 'Diagnosis', 'Write', 30 * DAY);
    for (const text of ['Diagnosis: seasonal allergy\n', 'Diagnosis: fracture of the left radius, first reading\n']) {
      const r = await c.medrec.createRecord(charlie, patient, 'Diagnosis', { ...(await gw.store(charlie, Buffer.from(text))), confidentiality: 'Restricted', purpose: 'Treatment' });
      recordIds.push(String(r.value));
      await gw.bind(charlie, patient.address, r.value);
    }
    await c.medrec.updateRecord(charlie, patient, recordIds[1], { ...(await gw.store(charlie, Buffer.from('Diagnosis: fracture of the left radius, confirmed\n'))), purpose: 'Treatment' });
    await gw.bind(charlie, patient.address, recordIds[1]);

    b = await openBrowser(c.api, [
      { name: 'Export patient (wallet)', pair: patient },
      { name: 'Empty patient (wallet)', pair: empty },
    ]);
    page = b.page;
    page.on('request', (r) => sent.push(`${r.url()} ${r.postData() ?? ''}`));
    page.on('websocket', (ws) => ws.on('framesent', (f) => sent.push(String(f.payload))));
    await connectWallet(page, 2);
  });

  after(async () => {
    await b?.close();
    await c?.api.disconnect();
  });

  const section = () => page.getByRole('region', { name: 'Export my data' });

  /** Makes an export key on the page and downloads its file to `file`; returns the download. */
  async function makeKey(file) {
    const s = section();
    await s.getByRole('button', { name: 'Make an export key' }).click();
    await s.getByTestId('export-key').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), s.getByRole('link', { name: 'Download the export key file (secret)' }).click()]);
    await download.saveAs(file);
    await s.getByText(/^Downloaded as medrec-export-/).waitFor();
    return download;
  }

  test('a patient without records is told there is nothing to export, and is offered no export', async () => {
    await asAccount(page, 'Empty patient \\(wallet\\)', 'Patient');
    const s = section();
    await s.getByText('You have no records yet: nothing to export.').waitFor({ timeout: LONG });
    assert.equal(await s.getByRole('button', { name: 'Make an export key' }).count(), 0);
    assert.equal(await s.getByRole('button', { name: 'Review the export' }).count(), 0);
    assert.deepEqual(await c.medrec.patientRecords(empty.address), []);
  });

  test('patient: export key, preview, export signed in the wallet, archive downloaded; the CLI verifies it and the chain holds one recorded read per record', async () => {
    await asAccount(page, 'Export patient \\(wallet\\)', 'Patient');
    const s = section();
    const review = s.getByRole('button', { name: 'Review the export' });
    await review.waitFor({ timeout: LONG });
    assert.ok(await review.isDisabled(), 'no review before an export key');

    // (a) The export key, made in the browser; its secret only as the downloaded file.
    const keyFile = join(dir, 'export.key');
    const keyDownload = await makeKey(keyFile);
    assert.match(keyDownload.suggestedFilename(), new RegExp(`^medrec-export-${patient.address.slice(0, 8)}-\\d{4}-\\d\\d-\\d\\d\\.key$`));
    const secret = readFileSync(keyFile);
    assert.equal(secret.length, 32, 'the key file is 32 raw bytes, as `cli.js export-key` writes it');
    secretHex = secret.toString('hex');
    const { publicKey } = readExportKey(keyFile);
    assert.match(await s.getByTestId('export-key').innerText(), new RegExp(`Export public key ${publicKey.toString('hex').slice(0, 16)}…`));

    // (b) The preview: what will be sent, the first read's dry run, the totals; nothing signed.
    const auditBefore = await c.medrec.auditHead(patient.address);
    const signedBefore = b.signed.length;
    await review.click();
    const preview = s.getByRole('region', { name: 'Export preview' });
    await preview.getByTestId('export-dry-run').waitFor({ timeout: LONG });
    assert.match(
      await preview.getByTestId('export-plan').innerText(),
      /^2 records \(3 versions\)\. 2 get_record transactions will be sent, one per live record, each signed by you in your wallet/,
    );
    assert.equal(await preview.getByTestId('export-dry-run').innerText(), `record-management.get_record of record ${recordIds[0]}: would succeed`);
    assert.match(await preview.getByTestId('export-gas').innerText(), /^[\d,]+ \/ [\d,]+$/);
    assert.match(await preview.getByTestId('export-fee').innerText(), /\d/);
    assert.match(await preview.getByTestId('export-total').innerText(), /^estimated fee .*\d.*; storage deposit /);
    assert.equal(b.signed.length, signedBefore, 'nothing signed by the preview');
    assert.deepEqual(await c.medrec.auditHead(patient.address), auditBefore, 'nothing recorded by the preview');

    // (c) The export: one read per record, each signed in the wallet; progress on the page.
    await preview.getByRole('button', { name: 'Sign 2 reads and export' }).click();
    const summary = s.getByRole('region', { name: 'Export summary' });
    await summary.waitFor({ timeout: 5 * LONG });
    const steps = await s.getByRole('list', { name: 'Export steps' }).getByRole('listitem').allInnerTexts();
    for (const [k, id] of recordIds.entries()) {
      assert.ok(steps.some((l) => l.startsWith(`Record ${k + 1} of 2 (record ${id}): read signed and in block`)), `progress of record ${id}: ${steps.join(' | ')}`);
    }
    assert.ok(steps.some((l) => /^audit trail: \d+ entries, hash chain verified/.test(l)), steps.join(' | '));
    const reads = b.signed.slice(signedBefore).filter((x) => x.kind === 'payload');
    assert.equal(reads.length, 2, 'one wallet-signed transaction per record');
    assert.ok(b.signed.slice(signedBefore).every((x) => x.address === patient.address));

    // The chain: one new PatientRequest read by the patient per record, at the end of the trail.
    const auditAfter = await c.medrec.auditHead(patient.address);
    assert.equal(BigInt(auditAfter.len), BigInt(auditBefore.len) + 2n);
    const newEntries = [];
    for (let i = BigInt(auditBefore.len); i < BigInt(auditAfter.len); i++) newEntries.push(await c.medrec.auditEntry(patient.address, i.toString()));
    for (const e of newEntries) {
      assert.equal(e.actor, patient.address);
      assert.equal(e.action, 'Read');
      assert.equal(e.purpose, 'PatientRequest');
    }
    assert.deepEqual(newEntries.map((e) => String(e.record_id)).sort(), [...recordIds].sort());

    // (d) The summary, and the archive downloaded.
    const text = await summary.getByTestId('export-summary').innerText();
    assert.match(text, /Records\s+2 \(3 versions; 3 encrypted files with their sealed keys\)/);
    assert.match(text, /Reads sent\s+2 get_record transactions/);
    assert.match(text, new RegExp(`Audit head\\s+entry #${BigInt(auditAfter.len) - 1n} of ${auditAfter.len}, hash ${auditAfter.head.slice(2, 18)}…`));
    assert.match(text, new RegExp(`Sealed to export key\\s+${publicKey.toString('hex').slice(0, 16)}…`));
    await page.getByTestId('audit-verdict').getByText(new RegExp(`^Hash chain verified in this browser: ${auditAfter.len} entries`)).waitFor({ timeout: LONG });
    await screenshot(page, 'patient-export');
    const archive = join(dir, 'export.tar');
    const [download] = await Promise.all([page.waitForEvent('download'), summary.getByRole('link', { name: /^Download the archive/ }).click()]);
    assert.match(download.suggestedFilename(), new RegExp(`^medrec-export-${patient.address.slice(0, 8)}-\\d{4}-\\d\\d-\\d\\d\\.tar$`));
    await download.saveAs(archive);

    // The CLI verifies it with the downloaded key (the signer's secret from $MEDREC_SIGNER: --as takes only //Name).
    const v = await cli(['import', archive, '--verify-only', '--export-key', keyFile], { MEDREC_SIGNER: patientUri });
    assert.equal(v.status, 0, `${v.stdout}\n${v.stderr}`);
    assert.match(v.stdout, new RegExp(`verified for ${patient.address}: manifest signed by the patient, \\d+ files hashed, 2 record\\(s\\), every ciphertext decrypts with its key, audit trail of ${auditAfter.len} entries chained to head ${auditAfter.head.slice(2)}; nothing sent`));
    console.log(`    ${v.stdout.trim()}`);

    // Byte for byte the tar client/lib/archive.js writes for the same files, order and time.
    const t = openTar(archive);
    const raw = readFileSync(archive);
    const mtime = parseInt(raw.toString('ascii', 136, 147), 8) * 1000;
    const manifest = JSON.parse(Buffer.from(await t.read('manifest.json')));
    assert.deepEqual(t.paths.slice(0, 4), ['manifest.json', 'manifest.sig', 'bundle.json', 'audit/trail.json']);
    assert.equal(t.paths.length, manifest.files.length + 2);
    assert.equal(mtime, Math.floor(Date.parse(manifest.exportedAt) / 1000) * 1000);
    assert.equal(manifest.auditHead.hash, auditAfter.head.slice(2));
    assert.equal(manifest.exportPublicKey, publicKey.toString('hex'));
    const entries = [];
    for (const p of t.paths) {
      const f = join(dir, 'files', p);
      mkdirSync(dirname(f), { recursive: true });
      writeFileSync(f, await t.read(p));
      entries.push({ path: p, file: f });
    }
    t.close();
    const again = join(dir, 'node.tar');
    await writeTar(again, entries, { mtime });
    assert.ok(readFileSync(again).equals(raw), 'the browser\'s tar equals archive.js\'s');

    // The secret key never left the browser but as the downloaded file.
    assert.ok(sent.length > 0);
    assert.equal(sent.filter((x) => x.toLowerCase().includes(secretHex)).length, 0, 'the secret key is in no request or frame the page sent');
  });

  test('an export key file from the CLI is taken; an unreachable gateway is named in plain words in the preview, before anything is signed', async () => {
    await page.goto(`${WEB_URL}?gateway=${encodeURIComponent('http://127.0.0.1:9')}`);
    await page.getByRole('heading', { name: 'Connect to a chain' }).waitFor();
    await page.locator('form').getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('heading', { name: 'Choose an account' }).waitFor({ timeout: LONG });
    await page.getByRole('button', { name: 'Use a browser wallet' }).click();
    await page.getByText(/2 account\(s\) from polkadot-js/).waitFor();
    await asAccount(page, 'Export patient \\(wallet\\)', 'Patient');
    // This time an export key file the CLI wrote (`cli.js export-key`), chosen on the page; a file of the wrong size is refused.
    const bad = join(dir, 'bad.key');
    writeFileSync(bad, Buffer.alloc(10));
    const input = section().getByLabel('Or use an export key file you already have');
    await input.setInputFiles(bad);
    await section().getByText('bad.key is 10 bytes; an export key file is 32 bytes').waitFor();
    const keyFile = join(dir, 'cli.key');
    const k = await cli(['export-key', '--out', keyFile]);
    assert.equal(k.status, 0, k.stderr);
    const pub = /export public key: ([0-9a-f]{64})/.exec(k.stdout)[1];
    await input.setInputFiles(keyFile);
    assert.equal(await section().getByTestId('export-key').innerText(), `Export public key ${pub.slice(0, 16)}… from cli.key.`);
    const auditBefore = await c.medrec.auditHead(patient.address);
    const signedBefore = b.signed.length;
    await section().getByRole('button', { name: 'Review the export' }).click();
    const refusal = section().getByTestId('export-refusal');
    await refusal.waitFor({ timeout: LONG });
    assert.equal(
      await refusal.innerText(),
      'The gateway at http://127.0.0.1:9 does not answer (is it running, and does it allow this page\'s origin?). Only the gateway releases the keys, so nothing can be exported without it.',
    );
    await section().getByText('Cannot export: GatewayUnreachable.').waitFor();
    assert.equal(await section().getByRole('region', { name: 'Export preview' }).count(), 0);
    assert.equal(b.signed.length, signedBefore, 'nothing signed');
    assert.deepEqual(await c.medrec.auditHead(patient.address), auditBefore, 'nothing recorded');
  });

  test('no uncaught error in the page', () => {
    assert.deepEqual(b.consoleErrors, []);
  });
});
