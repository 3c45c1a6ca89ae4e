// The admin and auditor views, clicked through in chromium against a real
// node: the owner (Alice) registers a provider and an admin (Bob) verifies,
// deactivates and reactivates it; a non-admin's verification is refused
// before signing, in plain words, and the chain is unchanged; Bob reviews a
// closed emergency window from the queue with a salted note hash; an
// auditor verifies a patient's trail in the browser. Each step is checked
// on the page and on the chain. Fresh derived accounts (per run) keep the
// file repeatable on a chain it already ran on.
//
//   scripts/web-test.sh     starts node + gateway, deploys, builds, serves, runs this

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { signer, submit } from '../../client/lib/medrec.js';

import { CREDENTIALS, LONG, asAccount, chain, connectWallet, missing, openBrowser, previewed, screenshot, signAndWait } from './setup.js';

const why = missing();
const DAY = 86_400_000;

describe('admin and auditor views in chromium', { skip: why ?? false, concurrency: 1, timeout: 15 * 60_000 }, () => {
  let c;
  let b;
  let page;
  let alice;
  let bob;
  let charlie;
  let dave;
  const run = Date.now();
  const fresh = signer(`//WebAdmin//provider-${run}`);
  const other = signer(`//WebAdmin//other-${run}`);

  before(async () => {
    c = await chain();
    ({ alice, bob, charlie, dave } = c.accounts);
    if (!(await c.medrec.getProvider(charlie.address))) await c.medrec.registerProvider(alice, charlie.address, 'Doctor', CREDENTIALS);
    if (!(await c.medrec.getProvider(charlie.address)).verified) await c.medrec.verifyProvider(bob, charlie.address);
    b = await openBrowser(c.api, [
      { name: 'Alice (wallet)', pair: alice },
      { name: 'Bob (wallet)', pair: bob },
      { name: 'Dr Charlie (wallet)', pair: charlie },
      { name: 'Dave (wallet)', pair: dave },
    ]);
    page = b.page;
    await connectWallet(page, 4);
  });

  after(async () => {
    await b?.close();
    await c?.api.disconnect();
  });

  const row = (address) => page.getByRole('region', { name: 'Providers' }).locator(`tr[data-account="${address}"]`);

  test('owner registers a provider; an admin verifies, deactivates and reactivates it; the chain follows', async () => {
    await asAccount(page, 'Alice \\(wallet\\)', 'Admin');
    await page.getByTestId('admin-standing').getByText('the owner', { exact: true }).waitFor({ timeout: LONG });
    const form = page.getByRole('form', { name: 'Register a provider' });
    await form.getByLabel('Provider (address)').fill(fresh.address);
    await form.getByLabel('Role').selectOption('Doctor');
    await form.getByLabel('Credentials hash').fill(CREDENTIALS);
    await form.getByRole('button', { name: 'Review the registration' }).click();
    let events = await signAndWait(await previewed(page, /^Transaction: Register .* as Doctor/));
    assert.match(events, /access-control\.ProviderRegistered/);
    let p = await c.medrec.getProvider(fresh.address);
    assert.equal(p.role, 'Doctor');
    assert.equal(p.verified, false);
    assert.equal(p.active, true);
    assert.equal(p.credentials_hash, CREDENTIALS);
    await row(fresh.address).getByRole('cell', { name: 'no', exact: true }).waitFor({ timeout: LONG });

    await asAccount(page, 'Bob \\(wallet\\)', 'Admin');
    await page.getByTestId('admin-standing').getByText('a verified, active admin').waitFor({ timeout: LONG });
    await row(fresh.address).getByRole('button', { name: /^Verify / }).click();
    events = await signAndWait(await previewed(page, /^Transaction: Verify /));
    assert.match(events, /access-control\.ProviderVerified/);
    p = await c.medrec.getProvider(fresh.address);
    assert.equal(p.verified, true, 'the chain shows it verified');
    assert.equal(p.verified_by, bob.address);
    await row(fresh.address).getByText(/^yes, by/).waitFor({ timeout: LONG });

    await row(fresh.address).getByRole('button', { name: /^Deactivate / }).click();
    events = await signAndWait(await previewed(page, /^Transaction: Deactivate /));
    assert.match(events, /access-control\.ProviderDeactivated/);
    assert.equal((await c.medrec.getProvider(fresh.address)).active, false);
    await row(fresh.address).getByRole('button', { name: /^Reactivate / }).click();
    events = await signAndWait(await previewed(page, /^Transaction: Reactivate /));
    assert.match(events, /access-control\.ProviderReactivated/);
    p = await c.medrec.getProvider(fresh.address);
    assert.equal(p.active, true);
    assert.equal(p.verified, true);
  });

  test('refused: a doctor who is not an admin tries to verify; plain words, no Sign button, the chain unchanged', async () => {
    await c.medrec.registerProvider(alice, other.address, 'Nurse', CREDENTIALS);
    const signedBefore = b.signed.length;
    await asAccount(page, 'Dr Charlie \\(wallet\\)', 'Admin');
    await page.getByTestId('admin-standing').getByText('neither the owner nor an admin').waitFor({ timeout: LONG });
    await row(other.address).getByRole('button', { name: /^Verify / }).click();
    const tx = page.getByRole('region', { name: /^Transaction: Verify / });
    await tx.getByText('Refused: NotAdmin.').waitFor({ timeout: LONG });
    assert.equal(await tx.getByTestId('refusal').innerText(), 'Only a verified, active admin provider may do this (for deactivation: or the owner).');
    assert.equal(await tx.getByRole('button', { name: 'Sign and send' }).count(), 0, 'no Sign button on a refused dry run');
    const p = await c.medrec.getProvider(other.address);
    assert.equal(p.verified, false, 'still unverified');
    assert.equal(p.verified_by, null);
    assert.equal(b.signed.length, signedBefore, 'nothing signed');
  });

  test('admin: reviews a closed emergency window from the queue as not justified, with a salted note hash', async () => {
    // An emergency clinician (a derived dev key funded by Alice) opens and
    // ends a window on a fresh patient account, with the Node client.
    const medic = signer('//WebAdmin//medic');
    const patient = signer(`//WebAdmin//patient-${run}`);
    if ((await c.api.query.system.account(medic.address)).data.free.toBigInt() === 0n) {
      await submit(c.api, c.api.tx.balances.transferKeepAlive(medic.address, 10n ** 16n), alice, { label: 'fund the medic' });
    }
    if (!(await c.medrec.getProvider(medic.address))) await c.medrec.registerProvider(alice, medic.address, 'Emergency', CREDENTIALS);
    if (!(await c.medrec.getProvider(medic.address)).verified) await c.medrec.verifyProvider(bob, medic.address);
    const opened = await c.medrec.activateEmergencyAccess(medic, patient.address, 'MassCasualty', `0x${'ab'.repeat(32)}`);
    const id = String(opened.value[0]);
    await c.medrec.endEmergencyAccess(medic, patient.address);
    assert.ok((await c.medrec.unreviewedWindows(0, 50)).some((v) => String(v.id) === id) || Number(await c.medrec.query('accessControl', 'unreviewed_count', null)) > 50);

    await asAccount(page, 'Bob \\(wallet\\)', 'Admin');
    const queue = page.getByRole('region', { name: 'Break-glass review queue' });
    const qrow = queue.getByRole('row').filter({ hasText: `#${id}` });
    await qrow.waitFor({ timeout: LONG });
    assert.match(await qrow.innerText(), /Mass casualty/);
    await qrow.getByRole('button', { name: `Review window ${id}` }).click();
    const form = page.getByRole('form', { name: `Review window ${id}` });
    await form.getByRole('radio', { name: 'Not justified' }).check();
    await form.getByLabel('Review note (kept off-chain)').fill('No emergency: the patient was conscious and reachable.');
    const noteHash = await form.getByTestId('review-note-hash').innerText();
    assert.match(noteHash, /^0x[0-9a-f]{64}$/);
    await form.getByRole('button', { name: 'Review the outcome' }).click();
    const events = await signAndWait(await previewed(page, new RegExp(`^Transaction: Review window #${id} .*: Not justified`)));
    assert.match(events, /access-control\.EmergencyAccessReviewed/);
    const w = await c.medrec.emergencyWindow(id);
    const review = (w.window ?? w).review;
    assert.equal(review.outcome, 'Unjustified');
    assert.equal(review.reviewer, bob.address);
    assert.equal(review.note_hash, noteHash);
    await queue.getByRole('row').filter({ hasText: `#${id}` }).waitFor({ state: 'detached', timeout: LONG });
    await row(fresh.address).waitFor({ timeout: LONG });
    await screenshot(page, 'admin');
  });

  test('auditor: any patient\'s trail verified in the browser, as the chain has it', async () => {
    const { eve } = c.accounts;
    if (!(await c.medrec.getPatient(eve.address))) await c.medrec.registerPatient(eve);
    if (BigInt((await c.medrec.auditHead(eve.address)).len) === 0n) {
      await c.medrec.grantPermission(eve, eve.address, charlie.address, 'Diagnosis', 'Read', DAY);
    }
    const trail = await c.medrec.verifyAuditChain(eve.address);
    assert.ok(trail.verified && trail.entries.length > 0);
    const head = await c.medrec.auditHead(eve.address);
    const signedBefore = b.signed.length;

    await asAccount(page, 'Dave \\(wallet\\)', 'Auditor');
    const form = page.getByRole('form', { name: 'Choose a patient' });
    await form.getByLabel('Patient (address)').fill('not an address');
    await form.getByRole('button', { name: 'Verify the trail' }).click();
    await form.getByText('That is not an account address.').waitFor();
    await form.getByLabel('Patient (address)').fill(eve.address);
    await form.getByRole('button', { name: 'Verify the trail' }).click();
    const verdict = page.getByTestId('audit-verdict');
    await verdict.waitFor({ timeout: LONG });
    const text = await verdict.innerText();
    const n = trail.entries.length;
    assert.equal(Number(head.len), n);
    assert.ok(text.startsWith(`Hash chain verified in this browser: ${n} entries`), text);
    assert.ok(text.includes(head.head.slice(0, 14)), `the chain's head ${head.head} in: ${text}`);
    assert.ok((await page.getByRole('list', { name: 'Audit entries, oldest first' }).getByRole('listitem').count()) >= Math.min(n, 50));
    assert.equal(b.signed.length, signedBefore, 'read-only: nothing signed');
    await screenshot(page, 'auditor');
  });

  test('no uncaught error in the page', () => {
    assert.deepEqual(b.consoleErrors, []);
  });
});
