// A delegate acting for a patient, clicked through in chromium against a
// real node: a guardian the patient named picks "act for" that patient
// (represented_by), approves a provider's request with a permission and
// sets the patient's break-glass preference, each transaction saying whom
// it acts for; once the patient removes the guardian, the same page's
// revocation is refused before signing, in plain words. Fresh accounts per
// run (derived dev keys funded by Alice) keep the file repeatable.
//
//   scripts/web-test.sh     starts node + gateway, deploys, builds, serves, runs this

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { signer, submit } from '../../client/lib/medrec.js';

import { CREDENTIALS, LONG, asAccount, chain, connectWallet, missing, openBrowser, previewed, screenshot, signAndWait } from './setup.js';

const why = missing();
const DAY = 86_400_000;

describe('a delegate acting for a patient in chromium', { skip: why ?? false, concurrency: 1, timeout: 15 * 60_000 }, () => {
  let c;
  let b;
  let page;
  let alice;
  let bob;
  let charlie;
  let requestId;
  const run = Date.now();
  const patient = signer(`//WebDelegate//patient-${run}`);
  const guardian = signer(`//WebDelegate//guardian-${run}`);

  const pc = (message, ...args) => c.medrec.query('patientConsent', message, null, ...args);
  const rm = (message, ...args) => c.medrec.query('recordManagement', message, null, ...args);

  before(async () => {
    c = await chain();
    ({ alice, bob, charlie } = c.accounts);
    for (const who of [patient, guardian]) {
      await submit(c.api, c.api.tx.balances.transferKeepAlive(who.address, 10n ** 16n), alice, { label: 'fund a test account' });
    }
    if (!(await c.medrec.getProvider(charlie.address))) await c.medrec.registerProvider(alice, charlie.address, 'Doctor', CREDENTIALS);
    if (!(await c.medrec.getProvider(charlie.address)).verified) await c.medrec.verifyProvider(bob, charlie.address);
    // The patient registers and names the guardian; Dr Charlie asks the patient for access.
    await c.medrec.registerPatient(patient);
    await c.medrec.addDelegate(patient, guardian.address, 'Guardian', 30 * DAY);
    requestId = String((await c.medrec.requestAccess(charlie, patient.address, 'MedicalRecords', 'Treatment')).value);
    b = await openBrowser(c.api, [
      { name: 'Guardian (wallet)', pair: guardian },
      { name: 'Patient (wallet)', pair: patient },
      { name: 'Dr Charlie (wallet)', pair: charlie },
    ]);
    page = b.page;
    await connectWallet(page, 3);
  });

  after(async () => {
    await b?.close();
    await c?.api.disconnect();
  });

  test('delegate: acts for the patient; approves a request with a permission and sets the break-glass preference, each transaction on her behalf', async () => {
    await asAccount(page, 'Guardian \\(wallet\\)', 'Patient');
    // The guardian is no patient itself; the patients it represents are offered.
    await page.getByText('You are not registered as a patient.').waitFor({ timeout: LONG });
    const actFor = page.getByLabel('Act for');
    await actFor.locator(`option[value="${patient.address}"]`).waitFor({ state: 'attached', timeout: LONG });
    assert.match(await actFor.locator(`option[value="${patient.address}"]`).innerText(), /^Patient \(wallet\) \(Guardian, until /);
    await actFor.selectOption(patient.address);
    const status = page.getByTestId('acting-for');
    await status.waitFor();
    assert.match(await status.innerText(), /^You act for Patient \(wallet\) .* as Guardian, until /s);
    await page.getByText(/^Patient \(wallet\) registered since/).waitFor({ timeout: LONG });
    // Naming delegates is the patient's alone: not offered.
    await page.getByTestId('patient-only').waitFor();
    assert.equal(await page.getByRole('form', { name: 'Name a delegate' }).count(), 0);

    const pending = page.getByRole('region', { name: 'Access requests awaiting your decision' });
    await pending.getByRole('button', { name: new RegExp(`^Approve request ${requestId} from (Dr )?Charlie`) }).click();
    const form = page.getByRole('form', { name: `Approve request ${requestId}` });
    await form.getByLabel('Expires after (days)').fill('30');
    await form.getByRole('checkbox', { name: 'Diagnosis' }).check();
    await form.getByLabel('Access level on those record types').selectOption('Read');
    await form.getByRole('button', { name: 'Review the approval' }).click();
    let tx = await previewed(page, new RegExp(`^Transaction: Approve request #${requestId}: `));
    assert.match(await tx.getByTestId('on-behalf').innerText(), /on behalf of Patient \(wallet\) .*, as delegate/);
    const signedBefore = b.signed.length;
    let events = await signAndWait(tx);
    assert.match(events, /patient-consent\.AccessRequestApproved/);
    assert.ok(b.signed.slice(signedBefore).every((s) => s.address === guardian.address), 'signed by the guardian');
    const req = await pc('get_access_request', requestId);
    assert.equal(req.status, 'Approved');
    assert.equal(req.decided_by, guardian.address, 'decided by the delegate');
    const consent = await c.medrec.getConsent(patient.address, charlie.address, 'MedicalRecords');
    assert.ok(consent?.active, `the patient's consent: ${JSON.stringify(consent)}`);
    assert.equal((await rm('get_permission', patient.address, charlie.address, 'Diagnosis')).level, 'Read');
    await pending.getByText('No provider is waiting for your decision.').waitFor({ timeout: LONG });
    await screenshot(page, 'patient-delegate');

    const want = (await pc('emergency_preference', patient.address)) === 'IncludeSensitive' ? ['NonSensitive', /^Non-sensitive types only/] : ['IncludeSensitive', /^Every type, including the sensitive ones/];
    const pref = page.getByRole('form', { name: 'Emergency preference' });
    await pref.getByRole('radio', { name: want[1] }).check();
    await pref.getByRole('button', { name: 'Review the change' }).click();
    tx = await previewed(page, /^Transaction: Break-glass preference: /);
    assert.match(await tx.getByTestId('on-behalf').innerText(), /on behalf of Patient \(wallet\)/);
    events = await signAndWait(tx);
    assert.match(events, new RegExp(`patient-consent\\.EmergencyPreferenceChanged .*${want[0]}`));
    assert.equal(await pc('emergency_preference', patient.address), want[0]);
    await page.getByTestId('emergency-preference').getByText(want[1]).waitFor({ timeout: LONG });
  });

  test('refused: once the patient removes the guardian, its revocation for her is refused in plain words, with no Sign button', async () => {
    await c.medrec.removeDelegate(patient, patient.address, guardian.address);
    assert.equal((await pc('delegates_of', patient.address, 0, 50)).find((v) => v.delegate === guardian.address)?.active, false);
    // Opening the view again: the delegation is still listed, marked ended.
    await asAccount(page, 'Patient \\(wallet\\)', 'Patient');
    await asAccount(page, 'Guardian \\(wallet\\)', 'Patient');
    const actFor = page.getByLabel('Act for');
    await actFor.locator(`option[value="${patient.address}"]`).waitFor({ state: 'attached', timeout: LONG });
    assert.match(await actFor.locator(`option[value="${patient.address}"]`).innerText(), /expired or removed/);
    await actFor.selectOption(patient.address);
    assert.match(await page.getByTestId('acting-for').innerText(), /has expired or was removed/);

    const signedBefore = b.signed.length;
    await page.getByRole('button', { name: /^Revoke the consent of (Dr )?Charlie.* for Medical records/ }).click();
    const tx = page.getByRole('region', { name: /^Transaction: Revoke/ }).last();
    await tx.getByText('Refused: NotAuthorized.').waitFor({ timeout: LONG });
    assert.equal(await tx.getByTestId('refusal').innerText(), 'The caller is neither the patient nor an unexpired delegate.');
    assert.equal(await tx.getByRole('button', { name: 'Sign and send' }).count(), 0, 'no Sign button on a refused dry run');
    assert.match(await tx.getByTestId('on-behalf').innerText(), /on behalf of Patient \(wallet\)/);
    assert.ok((await c.medrec.getConsent(patient.address, charlie.address, 'MedicalRecords')).active, 'the consent stands');
    assert.equal(b.signed.length, signedBefore, 'nothing signed');
    await screenshot(page, 'delegate-refused');
  });

  test('no uncaught error in the page', () => {
    assert.deepEqual(b.consoleErrors, []);
  });
});
