// Access requests, permissions, delegates, break-glass and the accounting of
// disclosures, clicked through in chromium against a real node: a provider
// asks, the patient approves with a record type and a level (one
// transaction), another request is refused before signing and one is
// denied; each step is checked on the page and on the chain. Eve is the
// patient here (journeys.test.js uses Ferdie), so the two files do not
// share a patient's state.
//
//   scripts/web-test.sh     starts node + gateway, deploys, builds, serves, runs this

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { signer, submit } from '../../client/lib/medrec.js';

import { CREDENTIALS, LONG, SHOTS, asAccount, chain, connectWallet, missing, openBrowser, previewed, screenshot, signAndWait } from './setup.js';

const why = missing();

describe('access requests, permissions and disclosures in chromium', { skip: why ?? false, concurrency: 1, timeout: 15 * 60_000 }, () => {
  let c;
  let b;
  let page;
  let eve;
  let charlie;
  let dave;
  let ferdie;
  let requestId = null;

  const pc = (message, ...args) => c.medrec.query('patientConsent', message, null, ...args);
  const rm = (message, ...args) => c.medrec.query('recordManagement', message, null, ...args);

  before(async () => {
    c = await chain();
    ({ eve, charlie, dave, ferdie } = c.accounts);
    for (const [who, role] of [[charlie, 'Doctor'], [dave, 'Nurse']]) {
      if (!(await c.medrec.getProvider(who.address))) await c.medrec.registerProvider(c.accounts.alice, who.address, role, CREDENTIALS);
      if (!(await c.medrec.getProvider(who.address)).verified) await c.medrec.verifyProvider(c.accounts.bob, who.address);
    }
    if (!(await c.medrec.getPatient(eve.address))) await c.medrec.registerPatient(eve);
    b = await openBrowser(c.api, [
      { name: 'Eve (wallet)', pair: eve },
      { name: 'Dr Charlie (wallet)', pair: charlie },
      { name: 'Nurse Dave (wallet)', pair: dave },
    ]);
    page = b.page;
    await connectWallet(page, 3);
  });

  after(async () => {
    await b?.close();
    await c?.api.disconnect();
  });

  /** Waits for the dry run of the transaction region matching `title` to pass; returns the region. */

  /** Signs the transaction on show and waits for it to be final; returns the events' text. */

  test('provider: requests access with a purpose; the chain holds the pending request', async () => {
    await asAccount(page, 'Dr Charlie \\(wallet\\)', 'Provider');
    const form = page.getByRole('form', { name: 'Request access' });
    await form.getByLabel('Patient (address)').fill(eve.address);
    await form.getByLabel('Data type').selectOption('MedicalRecords');
    await form.getByLabel('Purpose').selectOption('Treatment');
    await form.getByRole('button', { name: 'Review the request' }).click();
    const tx = await previewed(page, /^Transaction: Ask .* for Medical records for Treatment/);
    const events = await signAndWait(tx);
    assert.match(events, /patient-consent\.AccessRequested/);
    requestId = /request_id=(\d+)/.exec(events)?.[1] ?? String(await pc('request_count'));
    const req = await pc('get_access_request', requestId);
    assert.equal(req.provider, charlie.address);
    assert.equal(req.patient, eve.address);
    assert.equal(req.data_type, 'MedicalRecords');
    assert.equal(req.purpose, 'Treatment');
    assert.equal(req.status, 'Pending');
    // The provider's own list shows it, pending.
    const row = page.getByRole('table', { name: 'Your access requests, newest first' }).getByRole('row').filter({ hasText: `#${requestId}` });
    await row.getByText('Pending').waitFor({ timeout: LONG });
  });

  test('refused: a nurse asking for imaging sees why in plain words, no Sign button, and the chain is unchanged', async () => {
    await asAccount(page, 'Nurse Dave \\(wallet\\)', 'Provider');
    const countBefore = await pc('request_count');
    const mineBefore = await pc('provider_request_count', dave.address);
    const signedBefore = b.signed.length;
    const form = page.getByRole('form', { name: 'Request access' });
    await form.getByLabel('Patient (address)').fill(eve.address);
    await form.getByLabel('Data type').selectOption('Imaging');
    await form.getByLabel('Purpose').selectOption('Treatment');
    await form.getByRole('button', { name: 'Review the request' }).click();
    const tx = page.getByRole('region', { name: /^Transaction: Ask .* for Imaging/ });
    await tx.getByText('Refused: RoleNotAllowed.').waitFor({ timeout: LONG });
    assert.equal(await tx.getByTestId('refusal').innerText(), 'The requesting provider\'s role does not allow the data type.');
    assert.equal(await tx.getByRole('button', { name: 'Sign and send' }).count(), 0, 'no Sign button on a refused dry run');
    await screenshot(page, 'request-refused');
    assert.equal(await pc('request_count'), countBefore, 'no request was recorded');
    assert.equal(await pc('provider_request_count', dave.address), mineBefore);
    assert.equal(b.signed.length, signedBefore, 'nothing signed');
  });

  test('patient: approves the request with Write on Diagnosis in one transaction; the chain holds the consent and the permission', async () => {
    assert.ok(requestId, 'the request test ran');
    await asAccount(page, 'Eve \\(wallet\\)', 'Patient');
    const pending = page.getByRole('region', { name: 'Access requests awaiting your decision' });
    await pending.getByRole('button', { name: new RegExp(`^Approve request ${requestId} from (Dr )?Charlie`) }).click();
    const form = page.getByRole('form', { name: `Approve request ${requestId}` });
    // Only the record types of the requested data type are offered.
    assert.equal(await form.getByRole('checkbox', { name: 'Medications' }).count(), 0, 'Medications is Prescriptions, not requested');
    await form.getByLabel('Expires after (days)').fill('30');
    await form.getByRole('checkbox', { name: 'Diagnosis' }).check();
    await form.getByLabel('Access level on those record types').selectOption('Write');
    await screenshot(page, 'patient-requests');
    await form.getByRole('button', { name: 'Review the approval' }).click();
    const tx = await previewed(page, new RegExp(`^Transaction: Approve request #${requestId}: .* with Write on Diagnosis`));
    const events = await signAndWait(tx);
    assert.match(events, /patient-consent\.AccessRequestApproved/);
    assert.match(events, /record-management\.AuditAppended .*action=PermissionGranted .*subject=/);

    assert.equal((await pc('get_access_request', requestId)).status, 'Approved');
    const consent = await c.medrec.getConsent(eve.address, charlie.address, 'MedicalRecords');
    assert.ok(consent?.active, `the chain holds the consent: ${JSON.stringify(consent)}`);
    assert.equal(consent.purposes & 1, 1, 'for Treatment');
    const perm = await rm('get_permission', eve.address, charlie.address, 'Diagnosis');
    assert.equal(perm.level, 'Write');
    assert.equal(String(perm.request_id), String(requestId));
    assert.equal(perm.revoked_at, null);
    const days = (Number(perm.expires_at) - Number(perm.granted_at)) / 86_400_000;
    assert.ok(Math.abs(days - 30) < 0.01, `expires 30 days after the grant (${days})`);

    // The page: the request is gone from the pending list, the permission is listed.
    await pending.getByText('No provider is waiting for your decision.').waitFor({ timeout: LONG });
    const perms = page.getByRole('region', { name: 'Permissions on my record types' });
    const row = perms.getByRole('row').filter({ hasText: 'Diagnosis' });
    assert.match(await row.innerText(), /Write\s.*Active/s);
    await screenshot(page, 'patient-permissions');
  });

  test('patient: denies a request; the chain records the denial and no consent', async () => {
    // Nurse Dave asks for lab results (with the Node client; the browser request was tested above).
    const asked = await c.medrec.requestAccess(dave, eve.address, 'LabResults', 'Treatment');
    const id = String(asked.value);
    await asAccount(page, 'Eve \\(wallet\\)', 'Patient');
    const pending = page.getByRole('region', { name: 'Access requests awaiting your decision' });
    await pending.getByRole('button', { name: new RegExp(`^Deny request ${id} from (Nurse )?Dave`) }).click();
    const tx = await previewed(page, new RegExp(`^Transaction: Deny request #${id}`));
    const events = await signAndWait(tx);
    assert.match(events, /patient-consent\.AccessRequestDenied/);
    const req = await pc('get_access_request', id);
    assert.equal(req.status, 'Denied');
    assert.equal(req.decided_by, eve.address);
    assert.equal(await c.medrec.getConsent(eve.address, dave.address, 'LabResults'), null, 'no consent for Dave');
    await pending.getByText('No provider is waiting for your decision.').waitFor({ timeout: LONG });
  });

  test('patient: revokes the permission, names and removes a delegate, and opts out of break-glass', async () => {
    const perms = page.getByRole('region', { name: 'Permissions on my record types' });
    await perms.getByRole('button', { name: /^Revoke the permission of (Dr )?Charlie.* on Diagnosis/ }).click();
    let events = await signAndWait(await previewed(page, /^Transaction: Revoke .*permission on Diagnosis/));
    assert.match(events, /record-management\.AuditAppended .*action=PermissionRevoked/);
    assert.notEqual((await rm('get_permission', eve.address, charlie.address, 'Diagnosis')).revoked_at, null);
    await perms.getByRole('row').filter({ hasText: 'Diagnosis' }).getByText('Revoked').waitFor({ timeout: LONG });

    const delegates = page.getByRole('region', { name: 'Delegates', exact: true });
    const form = page.getByRole('form', { name: 'Name a delegate' });
    await form.getByLabel('Delegate (address)').fill(ferdie.address);
    await form.getByLabel('As').selectOption('Guardian');
    await form.getByLabel('Expires after (days)').fill('10');
    await form.getByRole('button', { name: 'Review the delegation' }).click();
    events = await signAndWait(await previewed(page, /^Transaction: Delegate: /));
    assert.match(events, /patient-consent\.DelegateAdded/);
    const d = await pc('get_delegate', eve.address, ferdie.address);
    assert.equal(d.kind, 'Guardian');
    assert.ok(Number(d.expires_at) > Date.now() + 9 * 86_400_000);
    await delegates.getByRole('button', { name: /^Remove delegate / }).click();
    events = await signAndWait(await previewed(page, /^Transaction: Remove delegate /));
    assert.match(events, /patient-consent\.DelegateRemoved/);
    const views = await pc('delegates_of', eve.address, 0, 50);
    const ended = views.find((v) => v.delegate === ferdie.address);
    assert.equal(ended?.active, false, `the delegation ended: ${JSON.stringify(views)}`);
    await delegates.getByRole('cell', { name: 'no', exact: true }).waitFor({ timeout: LONG });

    // Opt out (or, on a chain where an earlier run opted out already, include the sensitive types).
    const [want, text] = (await pc('emergency_preference', eve.address)) === 'OptOut'
      ? ['IncludeSensitive', /^Every type, including the sensitive ones/]
      : ['OptOut', /^Nothing: opt out/];
    const pref = page.getByRole('form', { name: 'Emergency preference' });
    await pref.getByRole('radio', { name: text }).check();
    await pref.getByRole('button', { name: 'Review the change' }).click();
    events = await signAndWait(await previewed(page, /^Transaction: Break-glass preference: /));
    assert.match(events, new RegExp(`patient-consent\\.EmergencyPreferenceChanged .*${want}`));
    assert.equal(await pc('emergency_preference', eve.address), want);
    await page.getByTestId('emergency-preference').getByText(text).waitFor({ timeout: LONG });
    // No window on Eve yet (the next tests open one): the empty state.
    if ((await c.medrec.patientEmergencyWindows(eve.address)).length === 0) {
      await page.getByRole('region', { name: 'Emergency windows on me' }).getByText('Nobody has opened an emergency window on you.').waitFor();
    }
  });

  test('patient: the accounting of disclosures for a date range, downloaded as CSV, is the verified trail in that range', async () => {
    const trail = await c.medrec.verifyAuditChain(eve.address);
    assert.ok(trail.verified && trail.entries.length >= 2, `Eve's trail: ${trail.entries.length} entries`);
    const disc = page.getByRole('form', { name: 'Accounting of disclosures' });
    await disc.waitFor({ timeout: LONG });
    // A range before any entry: nothing to download.
    await disc.getByLabel('From').fill('2001-01-01');
    await disc.getByLabel('To').fill('2001-12-31');
    assert.equal(await disc.getByTestId('disclosures-count').innerText(), 'No entries in this range.');
    assert.equal(await disc.getByRole('link', { name: 'Download CSV' }).count(), 0);
    // A range that holds every entry.
    await disc.getByLabel('From').fill('2001-01-01');
    await disc.getByLabel('To').fill('2099-12-31');
    const n = trail.entries.length;
    assert.equal(await disc.getByTestId('disclosures-count').innerText(), `${n} entries in this range.`);
    await screenshot(page, 'patient-disclosures');
    const [download] = await Promise.all([page.waitForEvent('download'), disc.getByRole('link', { name: 'Download CSV' }).click()]);
    assert.match(download.suggestedFilename(), /^disclosures-.*-2001-01-01-2099-12-31\.csv$/);
    const csv = readFileSync(await download.path(), 'utf8');
    const expected = [
      'entry,time,actor,action,record,purpose',
      ...trail.entries.map((e, i) => [i, new Date(Number(e.at)).toISOString(), e.actor, e.action, e.record_id ?? '', e.purpose ?? ''].join(',')),
    ];
    assert.deepEqual(csv.split('\r\n'), [...expected, '']);
    // What the approval and the revocation wrote is in it, by the patient.
    assert.ok(csv.includes(`,${eve.address},PermissionGranted,`), csv);
    assert.ok(csv.includes(`,${eve.address},PermissionRevoked,`), csv);
  });

  test('patient: an emergency window opened on her, and its review, are on her page', async () => {
    // An emergency-role clinician (a derived dev key, funded by Alice) opens a
    // window on Eve and ends it; Bob (admin) reviews it. With the Node client:
    // the provider's break-glass view is not in the app yet.
    const medic = signer('//Eve//medic');
    const note = `0x${'ab'.repeat(32)}`;
    if ((await c.api.query.system.account(medic.address)).data.free.toBigInt() === 0n) {
      await submit(c.api, c.api.tx.balances.transferKeepAlive(medic.address, 10n ** 18n), c.accounts.alice, { label: 'fund the medic' });
    }
    if (!(await c.medrec.getProvider(medic.address))) await c.medrec.registerProvider(c.accounts.alice, medic.address, 'Emergency', CREDENTIALS);
    if (!(await c.medrec.getProvider(medic.address)).verified) await c.medrec.verifyProvider(c.accounts.bob, medic.address);
    let windows = await c.medrec.patientEmergencyWindows(eve.address);
    if (!windows.some((v) => v.window.provider === medic.address && v.window.review)) {
      const opened = await c.medrec.activateEmergencyAccess(medic, eve.address, 'PatientUnconscious', note);
      const id = opened.value[0];
      await c.medrec.endEmergencyAccess(medic, eve.address);
      await c.medrec.reviewEmergencyAccess(c.accounts.bob, id, 'Justified', note);
      windows = await c.medrec.patientEmergencyWindows(eve.address);
    }
    const w = windows.find((v) => v.window.provider === medic.address && v.window.review);
    assert.equal(w.state, 'Ended');
    assert.equal(w.window.review.outcome, 'Justified');

    // The page reads them when the view opens.
    await asAccount(page, 'Eve \\(wallet\\)', 'Patient');
    const region = page.getByRole('region', { name: 'Emergency windows on me' });
    const row = region.getByRole('row').filter({ hasText: `#${w.id}` });
    await row.waitFor({ timeout: LONG });
    const text = await row.innerText();
    assert.match(text, /Patient unconscious/);
    assert.match(text, /Ended/);
    assert.match(text, new RegExp(`Justified by .*${c.accounts.bob.address.slice(0, 6)}`));
    assert.match(text, new RegExp(medic.address.slice(0, 6)));
    mkdirSync(SHOTS, { recursive: true });
    await region.screenshot({ path: join(SHOTS, 'patient-emergency.png') });
  });

  test('no uncaught error in the page', () => {
    assert.deepEqual(b.consoleErrors, []);
  });
});
