// The patient's records, clicked through in chromium against a real node
// and a real key-release gateway: the patient opens a record Dr Charlie
// created (get_record for PatientRequest, previewed and signed; the key
// released against that audit entry, the bytes checked against the chain's
// hash, decrypted in the browser), opens version 1 of a record with two
// versions from the same read, locks a record so that Dr Charlie's read is
// refused before signing and unlocks it, archives a record it created
// itself and sees its deletion refused before the retention time (with the
// warning that deleting destroys the keys); a guardian acting for the
// patient opens a record for her. Each step is checked on the page and on
// the chain. A fresh patient and guardian per run (derived dev keys funded
// by Alice) keep the file repeatable on a chain it already ran on; the
// records are created with the Node client through the gateway.
//
//   scripts/web-test.sh     starts node + gateway, deploys, builds, serves, runs this

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { Gateway } from '../../client/lib/gateway.js';
import { signer, submit } from '../../client/lib/medrec.js';

import { CREDENTIALS, GATEWAY, LONG, asAccount, chain, connectWallet, missing, openBrowser, previewed, screenshot, signAndWait } from './setup.js';

const why = missing() ?? (GATEWAY ? null : 'no gateway (MEDREC_GATEWAY)');
const DAY = 86_400_000;

describe('the patient\'s records in chromium', { skip: why ?? false, concurrency: 1, timeout: 15 * 60_000 }, () => {
  let c;
  let b;
  let page;
  let gw;
  let alice;
  let bob;
  let charlie;
  let diagnosis; // Dr Charlie's record, one version
  let amended; // Dr Charlie's record, two versions
  let allergies; // the patient's own record
  const run = Date.now();
  const patient = signer(`//WebRecords//patient-${run}`);
  const guardian = signer(`//WebRecords//guardian-${run}`);
  const many = signer(`//WebRecords//many-${run}`); // a patient with more records than one page (50)
  const text = {
    diagnosis: Buffer.from(`Diagnosis (run ${run}): community-acquired pneumonia, right lower lobe. Amoxicillin 1 g three times daily for 5 days.\n`),
    v1: Buffer.from(`Discharge summary (run ${run}), first draft: admitted with chest pain; troponin negative.\n`),
    v2: Buffer.from(`Discharge summary (run ${run}), amended: admitted with chest pain; troponin negative; stress test normal. Follow-up in 6 weeks.\n`),
    allergies: Buffer.from(`My allergies (run ${run}): penicillin (rash), peanuts.\n`),
  };

  const rm = (message, ...args) => c.medrec.query('recordManagement', message, null, ...args);
  const trailLength = async () => Number((await c.medrec.auditHead(patient.address)).len);


  async function create(author, recordType, bytes, purpose) {
    const content = await gw.store(author, bytes);
    const created = await c.medrec.createRecord(author, patient.address, recordType, { ...content, confidentiality: 'Restricted', purpose });
    const id = String(created.value);
    await gw.bind(author, patient.address, id);
    return id;
  }

  before(async () => {
    c = await chain();
    ({ alice, bob, charlie } = c.accounts);
    gw = new Gateway(GATEWAY, { finalityWaitMs: 60_000 });
    for (const who of [patient, guardian, many]) {
      await submit(c.api, c.api.tx.balances.transferKeepAlive(who.address, 10n ** 16n), alice, { label: 'fund a test account' });
    }
    if (!(await c.medrec.getProvider(charlie.address))) await c.medrec.registerProvider(alice, charlie.address, 'Doctor', CREDENTIALS);
    if (!(await c.medrec.getProvider(charlie.address)).verified) await c.medrec.verifyProvider(bob, charlie.address);
    // The patient consents to Dr Charlie, lets him write diagnoses and names a guardian.
    await c.medrec.registerPatient(patient);
    await c.medrec.grantConsent(patient, patient.address, charlie.address, 'MedicalRecords', 30 * DAY, ['Treatment']);
    await c.medrec.grantPermission(patient, patient.address, charlie.address, 'Diagnosis', 'Write', 30 * DAY);
    await c.medrec.addDelegate(patient, guardian.address, 'Guardian', 30 * DAY);
    // Dr Charlie's two records, the second in two versions; the patient's own.
    diagnosis = await create(charlie, 'Diagnosis', text.diagnosis, 'Treatment');
    amended = await create(charlie, 'Diagnosis', text.v1, 'Treatment');
    await c.medrec.updateRecord(charlie, patient.address, amended, { ...(await gw.store(charlie, text.v2)), purpose: 'Treatment' });
    await gw.bind(charlie, patient.address, amended);
    allergies = await create(patient, 'Allergies', text.allergies, 'PatientRequest');
    assert.equal((await rm('record_metadata', amended)).version, 2);
    assert.equal((await rm('record_metadata', allergies)).patient_authored, true);

    b = await openBrowser(c.api, [
      { name: 'Patient (wallet)', pair: patient },
      { name: 'Dr Charlie (wallet)', pair: charlie },
      { name: 'Guardian (wallet)', pair: guardian },
      { name: 'Many records (wallet)', pair: many },
    ]);
    page = b.page;
    await connectWallet(page, 4);
  });

  after(async () => {
    await b?.close();
    await c?.api.disconnect();
  });

  const records = () => page.getByRole('region', { name: 'My records' });
  const row = (id) => records().locator(`tr[data-record="${id}"]`);

  /** The audit entry a decrypted record's hash check names, checked: a PatientRequest Read of `id` by `actor`. */
  async function assertRead(opened, id, actor) {
    const index = /audit entry #(\d+)/.exec(await opened.getByTestId('hash-check').innerText())[1];
    const entry = await c.medrec.auditEntry(patient.address, index);
    assert.equal(entry.actor, actor);
    assert.equal(entry.action, 'Read');
    assert.equal(entry.purpose, 'PatientRequest');
    assert.equal(String(entry.record_id), id);
    return index;
  }

  test('patient: every record listed; opens one Dr Charlie created, decrypted in the browser, the read in the chain\'s trail', async () => {
    await asAccount(page, 'Patient \\(wallet\\)', 'Patient');
    await row(allergies).waitFor({ timeout: LONG });
    const count = Number((await c.medrec.query('recordManagement', 'patient_state', null, patient.address)).record_count);
    assert.equal(count, 3);
    assert.equal(await records().getByTestId('record-row').count(), count);
    assert.match(await records().getByTestId('records-count').innerText(), /^3 records\./);

    const before = await trailLength();
    await records().getByRole('button', { name: `Open record ${diagnosis}` }).click();
    const tx = await previewed(page, new RegExp(`^Transaction: Open your record ${diagnosis} at your request`));
    assert.match(await tx.innerText(), /recordManagement\.get_record/);
    const events = await signAndWait(tx);
    assert.match(events, /record-management\.AuditAppended .*action=Read/);
    const opened = records().getByRole('region', { name: `Record ${diagnosis}, decrypted` });
    await opened.waitFor({ timeout: LONG });
    assert.equal((await opened.getByTestId('plaintext').innerText()).trimEnd(), text.diagnosis.toString('utf8').trimEnd());
    assert.match(await opened.getByRole('link', { name: 'Download the decrypted record' }).getAttribute('href'), /^blob:/);
    const index = await assertRead(opened, diagnosis, patient.address);
    assert.equal(Number(index), before, 'the read is the trail\'s next entry');
    assert.equal(await trailLength(), before + 1);
    // One version: no versions to open.
    assert.equal(await records().getByRole('region', { name: `Versions of record ${diagnosis}` }).count(), 0);
  });

  test('patient: opens a record with two versions, then version 1 from the same read (no second transaction)', async () => {
    await records().getByRole('button', { name: `Open record ${amended}` }).click();
    await signAndWait(await previewed(page, new RegExp(`^Transaction: Open your record ${amended} `)));
    const current = records().getByRole('region', { name: `Record ${amended}, decrypted` });
    await current.waitFor({ timeout: LONG });
    assert.equal((await current.getByTestId('plaintext').innerText()).trimEnd(), text.v2.toString('utf8').trimEnd());
    await assertRead(current, amended, patient.address);

    const versions = await rm('record_versions', amended, 1, 50);
    assert.equal(versions.length, 2);
    const list = records().getByRole('region', { name: `Versions of record ${amended}` });
    await list.getByTestId('version-row').nth(1).waitFor({ timeout: LONG });
    assert.equal(await list.getByTestId('version-row').count(), 2);
    assert.match(await list.getByTestId('version-row').nth(0).innerText(), new RegExp(`^1\\s+${versions[0].data_hash.slice(0, 18)}`));

    const trail = await trailLength();
    const signed = b.signed.length;
    await list.getByRole('button', { name: `Open version 1 of record ${amended}` }).click();
    const v1 = records().getByRole('region', { name: `Record ${amended}, version 1, decrypted` });
    await v1.waitFor({ timeout: LONG });
    assert.equal((await v1.getByTestId('plaintext').innerText()).trimEnd(), text.v1.toString('utf8').trimEnd());
    const check = await v1.getByTestId('hash-check').innerText();
    assert.ok(check.includes(versions[0].data_hash.slice(0, 18)), `version 1's hash on the chain: ${check}`);
    assert.match(check, /matches the chain's version 1/);
    assert.equal(await trailLength(), trail, 'no new audit entry');
    assert.ok(b.signed.length - signed >= 2, 'the release and the fetch were signed requests');
    assert.ok(b.signed.slice(signed).every((s) => s.kind === 'raw'), 'no transaction signed, only gateway requests');
    await list.getByText('opened below').waitFor();
    await screenshot(page, 'patient-records');
  });

  test('patient locks a record: Dr Charlie\'s read is refused before signing (RecordLocked); unlocked, it would pass', async () => {
    await row(diagnosis).getByRole('button', { name: `Lock record ${diagnosis}` }).click();
    let events = await signAndWait(await previewed(page, new RegExp(`^Transaction: Lock record ${diagnosis}`)));
    assert.match(events, /record-management\.AuditAppended .*action=Locked/);
    assert.equal((await rm('record_metadata', diagnosis)).status, 'Locked');
    await row(diagnosis).getByTestId('record-status').getByText('Locked').waitFor({ timeout: LONG });
    // The patient side still reads a locked record: Open stays.
    assert.equal(await row(diagnosis).getByRole('button', { name: `Open record ${diagnosis}` }).count(), 1);

    await asAccount(page, 'Dr Charlie \\(wallet\\)', 'Provider');
    const read = page.getByRole('form', { name: 'Read a record' });
    await read.getByLabel('Patient (address)').fill(patient.address);
    await read.getByLabel('Record id').fill(diagnosis);
    await read.getByLabel('Purpose').selectOption('Treatment');
    const trail = await trailLength();
    const signed = b.signed.length;
    await read.getByRole('button', { name: 'Review the read' }).click();
    let tx = page.getByRole('region', { name: /^Transaction: Read record/ }).last();
    await tx.getByText('Refused: RecordLocked.').waitFor({ timeout: LONG });
    assert.equal(await tx.getByTestId('refusal').innerText(), 'The record is locked: only the patient and its delegates read it, and nobody changes it until it is unlocked.');
    assert.equal(await tx.getByRole('button', { name: 'Sign and send' }).count(), 0, 'no Sign button on a refused dry run');
    assert.equal(await trailLength(), trail, 'nothing recorded');
    assert.equal(b.signed.length, signed, 'nothing signed');

    await asAccount(page, 'Patient \\(wallet\\)', 'Patient');
    await row(diagnosis).getByRole('button', { name: `Unlock record ${diagnosis}` }).click();
    events = await signAndWait(await previewed(page, new RegExp(`^Transaction: Unlock record ${diagnosis} \\(back to Active\\)`)));
    assert.match(events, /record-management\.AuditAppended .*action=Unlocked/);
    assert.equal((await rm('record_metadata', diagnosis)).status, 'Active');
    await row(diagnosis).getByTestId('record-status').getByText('Active').waitFor({ timeout: LONG });

    await asAccount(page, 'Dr Charlie \\(wallet\\)', 'Provider');
    const again = page.getByRole('form', { name: 'Read a record' });
    await again.getByLabel('Patient (address)').fill(patient.address);
    await again.getByLabel('Record id').fill(diagnosis);
    await again.getByLabel('Purpose').selectOption('Treatment');
    await again.getByRole('button', { name: 'Review the read' }).click();
    tx = await previewed(page, /^Transaction: Read record/);
    assert.equal(await tx.getByRole('button', { name: 'Sign and send' }).count(), 1, 'unlocked: the read would pass');
  });

  test('patient archives a record it created; its deletion, with the warning, is refused before the retention time', async () => {
    await asAccount(page, 'Patient \\(wallet\\)', 'Patient');
    await row(allergies).waitFor({ timeout: LONG });
    // A provider's record: lock only; archiving and deleting are its author's side.
    for (const what of ['Archive', 'Delete']) assert.equal(await row(diagnosis).getByRole('button', { name: `${what} record ${diagnosis}` }).count(), 0);

    await row(allergies).getByRole('button', { name: `Archive record ${allergies}` }).click();
    const events = await signAndWait(await previewed(page, new RegExp(`^Transaction: Archive record ${allergies}`)));
    assert.match(events, /record-management\.AuditAppended .*action=StatusChanged/);
    assert.equal((await rm('record_metadata', allergies)).status, 'Archived');
    await row(allergies).getByTestId('record-status').getByText('Archived (read-only)').waitFor({ timeout: LONG });

    await row(allergies).getByRole('button', { name: `Delete record ${allergies}` }).click();
    const warning = records().getByRole('region', { name: `Delete record ${allergies}` });
    const words = await warning.getByTestId('delete-warning').innerText();
    assert.match(words, /cannot be undone/);
    assert.match(words, /the key-release gateway destroys the record's keys/);
    assert.match(words, /Nobody can decrypt the record after that/);
    const review = warning.getByRole('button', { name: 'Review the deletion' });
    assert.equal(await review.isDisabled(), true, 'not before the warning is acknowledged');
    await warning.getByLabel(/I understand that deleting destroys the record's keys/).check();
    const signed = b.signed.length;
    await review.click();
    const tx = page.getByRole('region', { name: new RegExp(`^Transaction: Delete record ${allergies} and destroy its keys`) }).last();
    await tx.getByText('Refused: RetentionPeriodActive.').waitFor({ timeout: LONG });
    assert.equal(await tx.getByTestId('refusal').innerText(), 'Deletion before the record\'s retention-until time.');
    assert.equal(await tx.getByRole('button', { name: 'Sign and send' }).count(), 0, 'no Sign button on a refused dry run');
    const meta = await rm('record_metadata', allergies);
    assert.equal(meta.status, 'Archived', 'not deleted');
    assert.ok(Number(meta.retention_until) > Date.now());
    assert.equal(b.signed.length, signed, 'nothing signed');
  });

  test('delegate: the guardian opens the patient\'s record for her; the earlier version stays the patient\'s', async () => {
    await asAccount(page, 'Guardian \\(wallet\\)', 'Patient');
    const actFor = page.getByLabel('Act for');
    await actFor.locator(`option[value="${patient.address}"]`).waitFor({ state: 'attached', timeout: LONG });
    await actFor.selectOption(patient.address);
    await row(amended).getByRole('button', { name: `Open record ${amended}` }).click();
    const tx = await previewed(page, new RegExp(`^Transaction: Open record ${amended} of Patient \\(wallet\\) at the patient's request`));
    assert.match(await tx.getByTestId('on-behalf').innerText(), /on behalf of Patient \(wallet\) .*, as delegate/);
    const signed = b.signed.length;
    await signAndWait(tx);
    assert.ok(b.signed.slice(signed).every((s) => s.address === guardian.address), 'signed by the guardian');
    const current = records().getByRole('region', { name: `Record ${amended}, decrypted` });
    await current.waitFor({ timeout: LONG });
    assert.equal((await current.getByTestId('plaintext').innerText()).trimEnd(), text.v2.toString('utf8').trimEnd());
    await assertRead(current, amended, guardian.address);
    const list = records().getByRole('region', { name: `Versions of record ${amended}` });
    await list.getByTestId('version-row').nth(1).waitFor({ timeout: LONG });
    assert.equal(await list.getByRole('button', { name: /^Open version/ }).count(), 0, 'no earlier version offered to a delegate');
    await list.getByTestId('version-row').nth(0).getByText('the patient\'s only').waitFor();
  });

  test('a patient with more records than one page of patient_records (50) sees them all', async () => {
    // 51 records of her own (metadata only: never opened), created in one
    // utility.batchAll of create_record calls, each built from its dry run.
    await c.medrec.registerPatient(many);
    const calls = [];
    for (let i = 0; i < 51; i++) {
      const p = await c.medrec.preview({
        contract: 'recordManagement',
        message: 'create_record',
        signer: many,
        args: [many.address, 'Vitals', `0x${randomBytes(32).toString('hex')}`, `0x${randomBytes(32).toString('hex')}`, 100 + i, 0, 'Normal', 'PatientRequest'],
        fee: false,
      });
      assert.ok(p.ok, `create ${i}: ${p.error?.message}`);
      const [dest, value, gas, , data] = p.extrinsic.method.args;
      // Room for the state the earlier calls of the batch leave behind.
      const limit = { refTime: gas.refTime.toBigInt() * 2n, proofSize: gas.proofSize.toBigInt() * 2n };
      calls.push(c.api.tx.contracts.call(dest, value, limit, null, data));
    }
    await submit(c.api, c.api.tx.utility.batchAll(calls), many, { label: 'create 51 records' });
    const state = await c.medrec.query('recordManagement', 'patient_state', null, many.address);
    assert.equal(Number(state.record_count), 51);
    const last = (await rm('patient_records', many.address, 50, 50))[0];
    assert.ok(last, 'the 51st record is on the second page');

    await asAccount(page, 'Many records \\(wallet\\)', 'Patient');
    await row(String(last.record_id)).waitFor({ timeout: LONG });
    assert.equal(await records().getByTestId('record-row').count(), 51);
    assert.match(await records().getByTestId('records-count').innerText(), /^51 records\./);
  });

  test('no uncaught error in the page', () => {
    assert.deepEqual(b.consoleErrors, []);
  });
});
