// Break-glass and record versions, clicked through in chromium against a
// real node and a real key-release gateway: an emergency clinician opens a
// window on a patient, reads a record under it (the key released against
// the emergency read, decrypted in the browser) and ends it; opening again
// within the cooldown is refused before signing; the patient sees the
// window. Then Dr Charlie writes a new version of the record (encrypted in
// the browser, uploaded, its key deposited, update_record, bound) and reads
// the new content back. Each step is checked on the page and on the chain.
// A fresh patient and clinician per run (derived dev keys funded by Alice)
// keep the file repeatable on a chain it already ran on (the cooldown is a
// day).
//
//   scripts/web-test.sh     starts node + gateway, deploys, builds, serves, runs this

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Gateway } from '../../client/lib/gateway.js';
import { signer, submit } from '../../client/lib/medrec.js';

import { CREDENTIALS, GATEWAY, LONG, REPO, asAccount, chain, connectWallet, missing, openBrowser, previewed, screenshot, signAndWait } from './setup.js';

const why = missing() ?? (GATEWAY ? null : 'no gateway (MEDREC_GATEWAY)');
const FIXTURE = join(REPO, 'e2e-tests', 'fixtures', 'discharge-summary.txt');
const DAY = 86_400_000;

describe('break-glass and record versions in chromium', { skip: why ?? false, concurrency: 1, timeout: 15 * 60_000 }, () => {
  let c;
  let b;
  let page;
  let alice;
  let bob;
  let charlie;
  let recordId;
  let windowId;
  const run = Date.now();
  const medic = signer(`//WebEmergency//medic-${run}`);
  const patient = signer(`//WebEmergency//patient-${run}`);
  const plain = readFileSync(FIXTURE);

  const ac = (message, ...args) => c.medrec.query('accessControl', message, null, ...args);
  const rm = (message, ...args) => c.medrec.query('recordManagement', message, null, ...args);

  before(async () => {
    c = await chain();
    ({ alice, bob, charlie } = c.accounts);
    for (const who of [medic, patient]) {
      await submit(c.api, c.api.tx.balances.transferKeepAlive(who.address, 10n ** 16n), alice, { label: 'fund a test account' });
    }
    // The clinician: registered by the owner with the Emergency role, verified by the first admin.
    await c.medrec.registerProvider(alice, medic.address, 'Emergency', CREDENTIALS);
    await c.medrec.verifyProvider(bob, medic.address);
    if (!(await c.medrec.getProvider(charlie.address))) await c.medrec.registerProvider(alice, charlie.address, 'Doctor', CREDENTIALS);
    if (!(await c.medrec.getProvider(charlie.address)).verified) await c.medrec.verifyProvider(bob, charlie.address);
    // The patient consents to Dr Charlie and lets him write diagnoses; he
    // creates one through the gateway (with the Node client: the browser's
    // create is tested in journeys.test.js).
    await c.medrec.registerPatient(patient);
    await c.medrec.grantConsent(patient, patient.address, charlie.address, 'MedicalRecords', 30 * DAY, ['Treatment']);
    await c.medrec.grantPermission(patient, patient.address, charlie.address, 'Diagnosis', 'Write', 30 * DAY);
    const gw = new Gateway(GATEWAY, { finalityWaitMs: 60_000 });
    const created = await c.medrec.createRecord(charlie, patient.address, 'Diagnosis', {
      ...(await gw.store(charlie, plain)), confidentiality: 'Restricted', purpose: 'Treatment',
    });
    recordId = String(created.value);
    await gw.bind(charlie, patient.address, recordId);

    b = await openBrowser(c.api, [
      { name: 'Medic (wallet)', pair: medic },
      { name: 'Dr Charlie (wallet)', pair: charlie },
      { name: 'Patient (wallet)', pair: patient },
    ]);
    page = b.page;
    await connectWallet(page, 3);
  });

  after(async () => {
    await b?.close();
    await c?.api.disconnect();
  });

  test('emergency-clinician journey: open a window with a reason, read a record under it, end it; reopening within the cooldown is refused', async () => {
    await asAccount(page, 'Medic \\(wallet\\)', 'Provider');
    await page.getByText(/^Registered as Emergency, verified,/).waitFor({ timeout: LONG });
    const section = page.getByRole('region', { name: 'Emergency access (break-glass)' });
    const form = section.getByRole('form', { name: 'Open an emergency window' });
    await form.getByLabel('Patient (address)').fill(patient.address);
    await section.getByText('You have opened no window on this patient.').waitFor({ timeout: LONG });
    await form.getByLabel('Reason').selectOption('PatientUnconscious');
    await form.getByLabel('Justification (kept off-chain)').fill('Brought in unconscious after a road accident; allergies unknown.');
    const noteHash = await form.getByTestId('emergency-note-hash').innerText();
    assert.match(noteHash, /^0x[0-9a-f]{64}$/);
    await form.getByRole('button', { name: 'Review the opening' }).click();
    let events = await signAndWait(await previewed(page, /^Transaction: Open an emergency window on .*: Patient unconscious/));
    assert.match(events, /access-control\.EmergencyAccessActivated/);

    const latest = await ac('latest_emergency_window', medic.address, patient.address);
    windowId = String(latest.id);
    assert.equal(latest.state, 'Open');
    assert.equal(latest.window.reason, 'PatientUnconscious');
    assert.equal(latest.window.note_hash, noteHash);
    assert.equal(latest.window.provider, medic.address);
    const shown = section.getByTestId('emergency-window');
    await shown.getByText('Open').waitFor({ timeout: LONG });
    assert.match(await shown.innerText(), new RegExp(`^Window #${windowId}: Open, Patient unconscious`));

    // The emergency read: get_record for EmergencyTreatment, the key released against it, decrypted here.
    await section.getByRole('button', { name: `Emergency read of record ${recordId}` }).click();
    events = await signAndWait(await previewed(page, new RegExp(`^Transaction: Emergency read of record ${recordId} .*for Emergency treatment`)));
    assert.match(events, /record-management\.AuditAppended .*action=EmergencyRead/);
    const opened = section.getByRole('region', { name: `Record ${recordId}, decrypted` });
    await opened.waitFor({ timeout: LONG });
    assert.equal((await opened.getByTestId('plaintext').innerText()).trimEnd(), plain.toString('utf8').slice(0, 20000).trimEnd());
    const check = await opened.getByTestId('hash-check').innerText();
    assert.match(check, /an emergency read/);
    const index = /audit entry #(\d+)/.exec(check)[1];
    const entry = await c.medrec.auditEntry(patient.address, index);
    assert.equal(entry.actor, medic.address);
    assert.equal(entry.action, 'EmergencyRead');
    assert.equal(entry.purpose, 'EmergencyTreatment');
    assert.equal(String(entry.record_id), recordId);
    await screenshot(page, 'provider-emergency');

    await section.getByRole('button', { name: 'End the window' }).click();
    events = await signAndWait(await previewed(page, /^Transaction: End the emergency window on /));
    assert.match(events, /access-control\.EmergencyAccessEnded/);
    const ended = await ac('emergency_window', windowId);
    assert.equal(ended.state, 'Ended');
    assert.notEqual(ended.window.ended_at, null);
    await shown.getByText(/Ended/).waitFor({ timeout: LONG });
    assert.ok((await ac('unreviewed_emergency_windows', 0, 50)).some((v) => String(v.id) === windowId) || Number(await ac('unreviewed_count')) > 50, 'in the review queue');

    // Refused: a second window within the cooldown. Plain words, no Sign button, nothing on the chain.
    const countBefore = await ac('patient_window_count', patient.address);
    const signedBefore = b.signed.length;
    await form.getByRole('button', { name: 'Review the opening' }).click();
    const tx = page.getByRole('region', { name: /^Transaction: Open an emergency window/ }).last();
    await tx.getByText('Refused: EmergencyCooldown.').waitFor({ timeout: LONG });
    assert.equal(await tx.getByTestId('refusal').innerText(), 'The caller opened a window on this patient less than the cooldown ago.');
    assert.equal(await tx.getByRole('button', { name: 'Sign and send' }).count(), 0, 'no Sign button on a refused dry run');
    assert.equal(await ac('patient_window_count', patient.address), countBefore, 'no window opened');
    assert.equal(b.signed.length, signedBefore, 'nothing signed');
  });

  test('the patient\'s page shows the window, ended and awaiting review', async () => {
    assert.ok(windowId, 'the journey ran');
    await asAccount(page, 'Patient \\(wallet\\)', 'Patient');
    const region = page.getByRole('region', { name: 'Emergency windows on me' });
    const row = region.getByRole('row').filter({ hasText: `#${windowId}` });
    await row.waitFor({ timeout: LONG });
    const text = await row.innerText();
    assert.match(text, /Patient unconscious/);
    assert.match(text, /Ended/);
    assert.match(text, /awaiting review/);
    assert.match(text, new RegExp(medic.address.slice(0, 6)));
  });

  test('provider: a new version of the record, encrypted in the browser; the chain lists two versions and a read returns the new content', async () => {
    const amended = Buffer.from(`${plain.toString('utf8')}\nAddendum (run ${run}): penicillin allergy confirmed.\n`);
    const file = join(mkdtempSync(join(tmpdir(), 'medrec-update-')), 'discharge-summary-v2.txt');
    writeFileSync(file, amended);
    const v1 = await rm('record_metadata', recordId);
    assert.equal(v1.version, 1);

    await asAccount(page, 'Dr Charlie \\(wallet\\)', 'Provider');
    const form = page.getByRole('form', { name: 'Update a record' });
    await form.getByLabel('Patient (address)').fill(patient.address);
    await form.getByLabel('Record id').fill(recordId);
    await form.getByLabel('Purpose').selectOption('Treatment');
    await form.getByLabel('New content (file)').setInputFiles(file);
    await form.getByRole('button', { name: 'Encrypt and review the update' }).click();
    const tx = await previewed(page, new RegExp(`^Transaction: New version of record ${recordId} `));
    const events = await signAndWait(tx);
    assert.match(events, /record-management\.AuditAppended .*action=Updated/);
    await tx.getByText(/The gateway bound the new key to record \d+/).waitFor({ timeout: LONG });

    const meta = await rm('record_metadata', recordId);
    assert.equal(meta.version, 2);
    assert.equal(meta.updated_by, charlie.address);
    const versions = await rm('record_versions', recordId, 1, 50);
    assert.equal(versions.length, 2);
    assert.equal(versions[0].data_hash, v1.data_hash, 'version 1 is the original');
    assert.equal(versions[1].data_hash, meta.data_hash, 'version 2 is the current content');
    assert.notEqual(meta.data_hash, v1.data_hash);
    const list = page.getByRole('region', { name: `Versions of record ${recordId}` });
    await list.getByTestId('version-row').nth(1).waitFor({ timeout: LONG });
    assert.equal(await list.getByTestId('version-row').count(), 2);
    assert.match(await list.getByTestId('version-row').nth(1).innerText(), new RegExp(`^2 \\(current\\)\\s+${meta.data_hash.slice(0, 18)}`));
    await screenshot(page, 'provider-update');

    const read = page.getByRole('form', { name: 'Read a record' });
    await read.getByLabel('Patient (address)').fill(patient.address);
    await read.getByLabel('Record id').fill(recordId);
    await read.getByLabel('Purpose').selectOption('Treatment');
    await read.getByRole('button', { name: 'Review the read' }).click();
    await signAndWait(await previewed(page, /^Transaction: Read record/));
    const opened = page.getByRole('region', { name: 'Read a record' }).getByRole('region', { name: `Record ${recordId}, decrypted` });
    await opened.waitFor({ timeout: LONG });
    assert.equal((await opened.getByTestId('plaintext').innerText()).trimEnd(), amended.toString('utf8').trimEnd());
  });

  test('no uncaught error in the page', () => {
    assert.deepEqual(b.consoleErrors, []);
  });
});
