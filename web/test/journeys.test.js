// The web app in a real browser (Debian's chromium) against a real node and,
// for the record journey, a real key-release gateway: a patient and
// providers click through with a mock injected wallet backed by dev keys,
// and every step is checked twice: on the page, and on the chain.
//
//   scripts/web-test.sh     starts node + gateway, deploys, builds, serves, runs this

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { CREDENTIALS, GATEWAY, LONG, REPO, WEB_URL, asAccount, chain, missing, openBrowser, screenshot } from './setup.js';

const why = missing();
const FIXTURE = join(REPO, 'e2e-tests', 'fixtures', 'discharge-summary.txt');

describe('the web app in chromium', { skip: why ?? false, concurrency: 1, timeout: 15 * 60_000 }, () => {
  let c;
  let b;
  let page;
  let ferdie;
  let charlie;
  let dave;
  let recordId = null;

  before(async () => {
    c = await chain();
    ({ ferdie, charlie, dave } = c.accounts);
    // The providers, as the owner (Alice) and the first admin (Bob) set them up, with the Node client.
    for (const [who, role] of [[charlie, 'Doctor'], [dave, 'Nurse']]) {
      if (!(await c.medrec.getProvider(who.address))) await c.medrec.registerProvider(c.accounts.alice, who.address, role, CREDENTIALS);
      if (!(await c.medrec.getProvider(who.address)).verified) await c.medrec.verifyProvider(c.accounts.bob, who.address);
    }
    b = await openBrowser(c.api, [
      { name: 'Ferdie (wallet)', pair: ferdie },
      { name: 'Dr Charlie (wallet)', pair: charlie },
      { name: 'Nurse Dave (wallet)', pair: dave },
    ]);
    page = b.page;
  });

  after(async () => {
    await b?.close();
    await c?.api.disconnect();
  });

  /** Signs the transaction on show and waits for it to be final; returns the events' text. */
  async function signAndWait() {
    const tx = page.getByRole('region', { name: /^Transaction:/ }).last();
    await tx.getByRole('button', { name: 'Sign and send' }).click();
    await tx.getByText('Finalized ✓').waitFor({ timeout: LONG });
    await tx.getByText(/^Done/).waitFor({ timeout: LONG });
    return tx.getByRole('list', { name: 'Contract events' }).innerText().catch(() => '');
  }


  test('connect: endpoint, deployment, wallet and development accounts', async () => {
    await page.goto(WEB_URL);
    await page.getByRole('heading', { name: 'Connect to a chain' }).waitFor();
    await page.getByRole('button', { name: 'Connect', exact: true }).first().click(); // the nav tab is disabled until then
    await page.locator('form').getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('heading', { name: 'Choose an account' }).waitFor({ timeout: LONG });
    // A --dev chain: the development accounts, clearly labelled.
    const devNote = page.getByRole('note', { name: 'Development mode' });
    await devNote.getByText(/secret keys are public/).waitFor();
    for (const n of ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie']) {
      assert.equal(await devNote.getByRole('radio', { name: new RegExp(`^${n} `) }).count(), 1, n);
    }
    await page.getByRole('button', { name: 'Use a browser wallet' }).click();
    await page.getByText(/3 account\(s\) from polkadot-js/).waitFor();
    const wallet = page.getByRole('group', { name: 'Wallet accounts' });
    assert.equal(await wallet.getByRole('radio').count(), 3);
    const facts = await page.getByRole('definition').allInnerTexts();
    assert.ok(facts.some((t) => t.includes('(development)')), `connection facts: ${facts}`);
    await screenshot(page, 'connect');
  });

  test('patient: registers, grants a consent, and the chain holds both', async () => {
    await page.getByRole('radio', { name: /Ferdie \(wallet\)/ }).check();
    await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Patient' }).click();
    if (!(await c.medrec.getPatient(ferdie.address))) {
      await page.getByText('You are not registered as a patient').waitFor();
      await page.getByRole('button', { name: 'Register as a patient' }).click();
      const tx = page.getByRole('region', { name: 'Transaction: Register as a patient' });
      await tx.getByTestId('dry-run').getByText('would succeed').waitFor({ timeout: LONG });
      assert.match(await tx.getByTestId('gas').innerText(), /^[\d,]+ \/ [\d,]+$/);
      assert.match(await tx.getByTestId('fee').innerText(), /\d/);
      const events = await signAndWait();
      assert.match(events, /patient-consent\.PatientRegistered/);
      assert.ok(await c.medrec.getPatient(ferdie.address), 'the chain has Ferdie registered');
    }
    await page.getByText(/^Registered since/).waitFor({ timeout: LONG });
    await page.getByText('You have given no consent yet.').or(page.getByRole('table')).first().waitFor();

    const form = page.getByRole('form', { name: 'Grant a consent' });
    await form.getByLabel('Provider (address)').fill(charlie.address);
    await form.getByLabel('Data type').selectOption('MedicalRecords');
    await form.getByRole('checkbox', { name: /^Treatment/ }).check();
    await form.getByLabel('Expires after (days)').fill('30');
    await form.getByRole('button', { name: 'Review the consent' }).click();
    const tx = page.getByRole('region', { name: /^Transaction: Consent:/ });
    await tx.getByTestId('dry-run').getByText('would succeed').waitFor({ timeout: LONG });
    assert.match(await tx.getByTestId('deposit').innerText(), /\d/);
    const events = await signAndWait();
    assert.match(events, /patient-consent\.ConsentGranted/);
    const consent = await c.medrec.getConsent(ferdie.address, charlie.address, 'MedicalRecords');
    assert.ok(consent?.active, `the chain holds the consent: ${JSON.stringify(consent)}`);
    assert.equal(consent.purposes, 1, 'Treatment only');
    await page.getByRole('button', { name: /^Revoke the consent of/ }).first().waitFor({ timeout: LONG });
    await screenshot(page, 'patient');
    // Every signature came from the wallet, by Ferdie.
    assert.ok(b.signed.length >= 1 && b.signed.every((s) => s.address === ferdie.address && s.kind === 'payload'));
  });

  test('refused: a nurse without consent sees why, and no Sign button', async () => {
    // Write permission for Dr Charlie on Diagnosis, set up with the Node client (the permissions view is tested in access.test.js).
    if (!(await c.medrec.query('recordManagement', 'get_permission', null, ferdie.address, charlie.address, 'Diagnosis'))) {
      await c.medrec.grantPermission(ferdie, ferdie.address, charlie.address, 'Diagnosis', 'Write', 30 * 86_400_000);
    }
    await asAccount(page, 'Nurse Dave \\(wallet\\)', 'Provider');
    const form = page.getByRole('form', { name: 'Create a record' });
    await form.getByLabel('Patient (address)').fill(ferdie.address);
    await form.getByLabel('Record type').selectOption('Diagnosis');
    await form.getByLabel('File').setInputFiles(FIXTURE);
    const before = await c.medrec.patientRecords(ferdie.address);
    const signedBefore = b.signed.length;
    await form.getByRole('button', { name: 'Encrypt and review' }).click();
    const tx = page.getByRole('region', { name: /^Transaction: Create a Diagnosis record/ });
    await tx.getByText('Refused: ConsentRequired.').waitFor({ timeout: LONG });
    assert.equal(await tx.getByTestId('refusal').innerText(), 'The patient has no active consent for the caller and the data type.');
    assert.equal(await tx.getByRole('button', { name: 'Sign and send' }).count(), 0, 'no Sign button on a refused dry run');
    await screenshot(page, 'refused');
    assert.deepEqual(await c.medrec.patientRecords(ferdie.address), before, 'nothing written');
    assert.equal(b.signed.length, signedBefore, 'nothing signed');
  });

  test('provider: creates a record (encrypted in the browser, stored at the gateway) and reads it back', { skip: GATEWAY ? false : 'no gateway (MEDREC_GATEWAY)' }, async () => {
    await asAccount(page, 'Dr Charlie \\(wallet\\)', 'Provider');
    const create = page.getByRole('form', { name: 'Create a record' });
    await create.getByLabel('Patient (address)').fill(ferdie.address);
    await create.getByLabel('Record type').selectOption('Diagnosis');
    await create.getByLabel('Purpose').selectOption('Treatment');
    await create.getByLabel('File').setInputFiles(FIXTURE);
    await create.getByRole('button', { name: 'Encrypt and review' }).click();
    const tx = page.getByRole('region', { name: /^Transaction: Create a Diagnosis record/ });
    await tx.getByTestId('dry-run').getByText('would succeed').waitFor({ timeout: LONG });
    const sealedText = await page.getByTestId('sealed').innerText();
    const plain = readFileSync(FIXTURE);
    assert.match(sealedText, new RegExp(`^Encrypted in this browser: ${plain.length} bytes`));
    const events = await signAndWait();
    await tx.getByText(/The gateway bound the key to record \d+/).waitFor({ timeout: LONG });
    assert.match(events, /record-management\.AuditAppended .*action=Created/);
    recordId = /record_id=(\d+)/.exec(events)[1];
    const meta = await c.medrec.recordMetadata(recordId);
    assert.equal(meta.created_by, charlie.address);
    assert.equal(meta.record_type, 'Diagnosis');
    assert.match(sealedText, new RegExp(`→ ${meta.size} bytes, SHA-256 (?:0x)?${meta.data_hash.slice(2, 18)}`));
    assert.ok(b.signed.filter((s) => s.kind === 'raw').length >= 3, 'upload, deposit and bind signed by the wallet (signRaw)');
    assert.ok(b.signed.filter((s) => s.kind === 'raw').every((s) => !Buffer.from(s.data.slice(2), 'hex').toString().startsWith('<Bytes>')), 'the wallet is handed the bare payload and wraps it itself');
    await screenshot(page, 'provider-create');

    const read = page.getByRole('form', { name: 'Read a record' });
    await read.getByLabel('Patient (address)').fill(ferdie.address);
    await read.getByLabel('Record id').fill(recordId);
    await read.getByLabel('Purpose').selectOption('Treatment');
    await read.getByRole('button', { name: 'Review the read' }).click();
    const rtx = page.getByRole('region', { name: /^Transaction: Read record/ });
    await rtx.getByTestId('dry-run').getByText('would succeed').waitFor({ timeout: LONG });
    await signAndWait();
    const opened = page.getByRole('region', { name: `Record ${recordId}, decrypted` });
    await opened.waitFor({ timeout: LONG });
    assert.equal((await opened.getByTestId('plaintext').innerText()).trimEnd(), plain.toString('utf8').slice(0, 20000).trimEnd());
    const index = /audit entry #(\d+)/.exec(await opened.getByTestId('hash-check').innerText())[1];
    const entry = await c.medrec.auditEntry(ferdie.address, index);
    assert.equal(entry.actor, charlie.address);
    assert.equal(entry.action, 'Read');
    assert.equal(String(entry.record_id), recordId);
    await screenshot(page, 'provider-read');
  });

  test('patient: the audit trail, verified in the browser, ends at the chain\'s head; revoking shows on the chain', async () => {
    await asAccount(page, 'Ferdie \\(wallet\\)', 'Patient');
    const verdict = page.getByTestId('audit-verdict');
    await verdict.waitFor({ timeout: LONG });
    const chainView = await c.medrec.verifyAuditChain(ferdie.address);
    assert.ok(chainView.verified);
    if (chainView.entries.length === 0) {
      assert.equal(await verdict.innerText(), 'The trail is empty (its head is all zeroes).');
    } else {
      assert.equal(
        await verdict.innerText(),
        `Hash chain verified in this browser: ${chainView.entries.length} entries, and the last entry's hash equals the chain's head ${chainView.head.slice(0, 14)}….`,
      );
      assert.equal(await page.getByRole('list', { name: 'Audit entries, oldest first' }).getByRole('listitem').count(), Math.min(50, chainView.entries.length));
    }
    if (recordId) await page.getByRole('cell', { name: 'Diagnosis' }).first().waitFor();
    await screenshot(page, 'patient-audit');

    await page.getByRole('button', { name: /^Revoke the consent of .*Medical records/ }).first().click();
    const tx = page.getByRole('region', { name: /^Transaction: Revoke/ });
    await tx.getByTestId('dry-run').getByText('would succeed').waitFor({ timeout: LONG });
    const events = await signAndWait();
    assert.match(events, /patient-consent\.ConsentRevoked/);
    const consent = await c.medrec.getConsent(ferdie.address, charlie.address, 'MedicalRecords');
    assert.equal(consent.active, false, 'the chain holds the revocation');
  });

  test('no uncaught error in the page', () => {
    assert.deepEqual(b.consoleErrors, []);
  });
});
