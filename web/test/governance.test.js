// Each contract's administration in the admin view, clicked through in
// chromium against a real node: the owner pauses record-management and a
// patient's write is refused in plain words until it unpauses; ownership of
// patient-consent moves to Bob in two steps (proposed, accepted by him) and
// back; a code upgrade and a link repoint are announced, shown pending with
// the time each becomes due (apply not offered before), and cancelled; the
// retention period is changed and shown; a non-owner's pause is refused
// before signing. Each step is checked on the page and on the chain; the
// file leaves every contract as it found it (owner, pause, announcements,
// retention), even when a step fails.
//
//   scripts/web-test.sh     starts node + gateway, deploys, builds, serves, runs this

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { CREDENTIALS, LONG, SHOTS, asAccount, chain, connectWallet, missing, openBrowser, previewed, signAndWait } from './setup.js';

const why = missing();
const DAY = 86_400_000;
const KEYS = ['accessControl', 'patientConsent', 'recordManagement'];
/** Spaces as spaces (ICU puts a narrow no-break space before AM/PM). */
const norm = (t) => t.replace(/\s+/g, ' ');
const LINKS = { patientConsent: ['AccessControl', 'RecordManagement'], recordManagement: ['PatientConsent', 'AccessControl'] };

describe('contract administration in chromium', { skip: why ?? false, concurrency: 1, timeout: 15 * 60_000 }, () => {
  let c;
  let b;
  let page;
  let alice;
  let bob;
  let charlie;
  let eve;
  let ferdie;
  let retention;

  const q = (key, message, ...args) => c.medrec.query(key, message, null, ...args);
  const section = (crate) => page.getByRole('region', { name: `Administration of ${crate}` });

  before(async () => {
    c = await chain();
    ({ alice, bob, charlie, eve, ferdie } = c.accounts);
    for (const k of KEYS) assert.equal((await q(k, 'admin')).owner, alice.address, `Alice owns ${k} (the deployment's owner)`);
    if (!(await c.medrec.getProvider(charlie.address))) await c.medrec.registerProvider(alice, charlie.address, 'Doctor', CREDENTIALS);
    if (!(await c.medrec.getPatient(eve.address))) await c.medrec.registerPatient(eve);
    retention = (await q('recordManagement', 'stats')).retention_period;
    b = await openBrowser(c.api, [
      { name: 'Alice (wallet)', pair: alice },
      { name: 'Bob (wallet)', pair: bob },
      { name: 'Dr Charlie (wallet)', pair: charlie },
      { name: 'Eve (wallet)', pair: eve },
    ]);
    page = b.page;
    await connectWallet(page, 4);
  });

  after(async () => {
    await b?.close();
    if (c) {
      // Whatever a failed step left: every contract back to Alice, running, nothing announced.
      const pairs = { [alice.address]: alice, [bob.address]: bob };
      for (const k of KEYS) {
        let a = await q(k, 'admin');
        if (a.owner !== alice.address && pairs[a.owner]) {
          if (a.pending_owner !== alice.address) await c.medrec.tx(k, 'propose_owner', pairs[a.owner], alice.address);
          await c.medrec.tx(k, 'accept_ownership', alice);
          a = await q(k, 'admin');
        }
        if (a.pending_owner) await c.medrec.tx(k, 'cancel_ownership_proposal', alice);
        if (a.paused) await c.medrec.tx(k, 'unpause', alice);
        if (a.pending_code) await c.medrec.tx(k, 'cancel_code_upgrade', alice);
        for (const l of LINKS[k] ?? []) if (await q(k, 'pending_link', l)) await c.medrec.tx(k, 'cancel_link', alice, l);
      }
      if (retention && (await q('recordManagement', 'stats')).retention_period !== retention) {
        await c.medrec.tx('recordManagement', 'set_retention_period', alice, retention);
      }
      await c.api.disconnect();
    }
  });

  async function refused(title, name, text) {
    const tx = page.getByRole('region', { name: title }).last();
    await tx.getByText(`Refused: ${name}.`).waitFor({ timeout: LONG });
    assert.equal(await tx.getByTestId('refusal').innerText(), text);
    assert.equal(await tx.getByRole('button', { name: 'Sign and send' }).count(), 0, 'no Sign button on a refused dry run');
  }

  test('owner pauses record-management: a patient\'s write is refused in plain words; unpaused, the chain runs again', async () => {
    await asAccount(page, 'Alice \\(wallet\\)', 'Admin');
    const rm = section('record-management');
    await rm.getByTestId('paused').getByText('no', { exact: true }).waitFor({ timeout: LONG });
    await rm.getByRole('button', { name: 'Pause record-management' }).click();
    let events = await signAndWait(await previewed(page, /^Transaction: record-management: pause/));
    assert.match(events, /record-management\.Paused/);
    assert.equal((await q('recordManagement', 'admin')).paused, true, 'the chain has it paused');
    await rm.getByTestId('paused').getByText('yes: writes are refused').waitFor({ timeout: LONG });

    const permBefore = await q('recordManagement', 'get_permission', eve.address, ferdie.address, 'Vitals');
    const signedBefore = b.signed.length;
    await asAccount(page, 'Eve \\(wallet\\)', 'Patient');
    const form = page.getByRole('form', { name: 'Grant a permission' });
    await form.getByLabel('Provider (address)').fill(ferdie.address);
    await form.getByLabel('Record type').selectOption('Vitals');
    await form.getByRole('button', { name: 'Review the permission' }).click();
    await refused(/^Transaction: Permission: /, 'ContractPaused', 'The contract is paused.');
    assert.deepEqual(await q('recordManagement', 'get_permission', eve.address, ferdie.address, 'Vitals'), permBefore, 'nothing written');
    assert.equal(b.signed.length, signedBefore, 'nothing signed');

    await asAccount(page, 'Alice \\(wallet\\)', 'Admin');
    await rm.getByRole('button', { name: 'Unpause record-management' }).click();
    events = await signAndWait(await previewed(page, /^Transaction: record-management: unpause/));
    assert.match(events, /record-management\.Unpaused/);
    assert.equal((await q('recordManagement', 'admin')).paused, false);
    await rm.getByTestId('paused').getByText('no', { exact: true }).waitFor({ timeout: LONG });
  });

  test('refused: a provider who is not the owner tries to pause access-control; plain words, no Sign button, the chain unchanged', async () => {
    const signedBefore = b.signed.length;
    await asAccount(page, 'Dr Charlie \\(wallet\\)', 'Admin');
    const ac = section('access-control');
    await ac.getByText(/^You are not the owner/).waitFor({ timeout: LONG });
    await ac.getByRole('button', { name: 'Pause access-control' }).click();
    await refused(/^Transaction: access-control: pause/, 'NotOwner', 'Only the contract owner may do this.');
    assert.equal((await q('accessControl', 'admin')).paused, false);
    assert.equal(b.signed.length, signedBefore, 'nothing signed');
  });

  test('two-step ownership: patient-consent moves to Bob when he accepts, and back to Alice', async () => {
    const pc = section('patient-consent');
    for (const [from, to] of [[['Alice', alice], ['Bob', bob]], [['Bob', bob], ['Alice', alice]]]) {
      await asAccount(page, `${from[0]} \\(wallet\\)`, 'Admin');
      await pc.getByTestId('owner').getByText('(you)').waitFor({ timeout: LONG });
      const form = pc.getByRole('form', { name: 'patient-consent: propose a new owner' });
      await form.getByLabel('New owner (address)').fill(to[1].address);
      await form.getByRole('button', { name: 'Review the proposal' }).click();
      let events = await signAndWait(await previewed(page, /^Transaction: patient-consent: propose /));
      assert.match(events, /patient-consent\.OwnershipProposed/);
      let a = await q('patientConsent', 'admin');
      assert.equal(a.owner, from[1].address, 'not moved yet');
      assert.equal(a.pending_owner, to[1].address);
      await pc.getByTestId('pending-owner').getByText(new RegExp(`^${to[0]}\\b`)).waitFor({ timeout: LONG });

      await asAccount(page, `${to[0]} \\(wallet\\)`, 'Admin');
      await pc.getByTestId('pending-owner').getByText('(you: accept below)').waitFor({ timeout: LONG });
      await pc.getByRole('button', { name: 'Accept ownership of patient-consent' }).click();
      events = await signAndWait(await previewed(page, /^Transaction: patient-consent: accept the ownership/));
      assert.match(events, /patient-consent\.OwnershipTransferred/);
      a = await q('patientConsent', 'admin');
      assert.equal(a.owner, to[1].address, `the chain has ${to[0]} as owner`);
      assert.equal(a.pending_owner, null);
      await pc.getByTestId('owner').getByText('(you)').waitFor({ timeout: LONG });
      await pc.getByTestId('pending-owner').getByText('none', { exact: true }).waitFor();
    }
  });

  test('announcements: a code upgrade and a link repoint shown pending with their due time (apply not offered yet), then cancelled', async () => {
    await asAccount(page, 'Alice \\(wallet\\)', 'Admin');
    const ac = section('access-control');
    const code = `0x${'5a'.repeat(32)}`;
    const delay = Number((await q('accessControl', 'admin')).upgrade_delay);
    await ac.getByTestId('upgrade-delay').getByText(delay === 2 * DAY ? '2 d' : /\d/).waitFor({ timeout: LONG });
    const form = ac.getByRole('form', { name: 'access-control: code upgrade' });
    await form.getByLabel('New code hash').fill(code);
    await form.getByRole('button', { name: 'Review the announcement' }).click();
    let events = await signAndWait(await previewed(page, /^Transaction: access-control: announce a code upgrade/));
    assert.match(events, /access-control\.CodeUpgradeAnnounced/);
    const pending = (await q('accessControl', 'admin')).pending_code;
    assert.equal(pending.value, code);
    const due = Number(pending.effective_at);
    assert.ok(Math.abs(due - Date.now() - delay) < 120_000, `due after the delay (${due})`);
    const shown = ac.getByTestId('pending-code');
    await shown.getByTestId('countdown').waitFor({ timeout: LONG });
    assert.ok(norm(await shown.innerText()).includes(norm(new Date(due).toLocaleString('en-US'))), await shown.innerText());
    assert.match(await shown.getByTestId('countdown').innerText(), /^\(due in (1 d 23 h|2 d)/);
    assert.ok(await form.getByRole('button', { name: /^Apply the code upgrade \(in / }).isDisabled(), 'apply not offered before it is due');

    const rm = section('record-management');
    const link = rm.getByRole('form', { name: 'record-management: repoint a link' });
    await link.getByLabel('Link').selectOption('AccessControl');
    await link.getByLabel('New target contract (address)').fill(ferdie.address);
    await link.getByRole('button', { name: 'Review the repoint' }).click();
    events = await signAndWait(await previewed(page, /^Transaction: record-management: announce repointing its access-control link/));
    assert.match(events, /record-management\.LinkAnnounced/);
    const pl = await q('recordManagement', 'pending_link', 'AccessControl');
    assert.equal(pl.value, ferdie.address);
    const linkShown = rm.getByTestId('pending-link-AccessControl');
    await linkShown.getByTestId('countdown').waitFor({ timeout: LONG });
    assert.ok(norm(await linkShown.innerText()).includes(norm(new Date(Number(pl.effective_at)).toLocaleString('en-US'))), await linkShown.innerText());
    assert.match(await linkShown.getByTestId('countdown').innerText(), /^\(due in (1 d 23 h|2 d)/);
    assert.ok(await link.getByRole('button', { name: /^Apply the access-control repoint \(in / }).isDisabled());
    mkdirSync(SHOTS, { recursive: true });
    await ac.screenshot({ path: join(SHOTS, 'admin-contract.png') });

    await ac.getByRole('button', { name: 'Cancel the code upgrade' }).click();
    events = await signAndWait(await previewed(page, /^Transaction: access-control: cancel the announced code upgrade/));
    assert.match(events, /access-control\.CodeUpgradeCancelled/);
    assert.equal((await q('accessControl', 'admin')).pending_code, null);
    await shown.getByText('none', { exact: true }).waitFor({ timeout: LONG });

    await rm.getByRole('button', { name: 'Cancel the access-control repoint' }).click();
    events = await signAndWait(await previewed(page, /^Transaction: record-management: cancel the announced repoint/));
    assert.match(events, /record-management\.LinkAnnouncementCancelled/);
    assert.equal(await q('recordManagement', 'pending_link', 'AccessControl'), null);
    await rm.getByTestId('link-AccessControl').getByText(/no repoint announced/).waitFor({ timeout: LONG });
  });

  test('settings: the retention period changed and shown; the emergency settings shown as the chain has them', async () => {
    const rm = section('record-management');
    const now = Number((await q('recordManagement', 'stats')).retention_period);
    const days = Math.round(now / DAY) === 3650 ? 3651 : 3650;
    const form = rm.getByRole('form', { name: 'record-management: retention period' });
    await form.getByLabel('Retention period (days)').fill(String(days));
    await form.getByRole('button', { name: 'Review the retention period' }).click();
    const events = await signAndWait(await previewed(page, new RegExp(`^Transaction: record-management: retention period ${days} days`)));
    assert.match(events, /record-management\.RetentionPeriodChanged/);
    assert.equal(Number((await q('recordManagement', 'stats')).retention_period), days * DAY);
    await rm.getByTestId('retention-period').getByText(`(${days} days)`).waitFor({ timeout: LONG });

    const s = await q('accessControl', 'emergency_settings');
    const text = await section('access-control').getByTestId('emergency-settings').innerText();
    const hours = (ms) => Number(ms) / 3_600_000;
    assert.ok(hours(s.window_duration) % 24 === 0 && hours(s.cooldown) % 24 === 0
      ? text === `last ${hours(s.window_duration) / 24} d; one provider re-opens on one patient after ${hours(s.cooldown) / 24} d`
      : text.startsWith('last '), text);
  });

  test('no uncaught error in the page', () => {
    assert.deepEqual(b.consoleErrors, []);
  });
});
