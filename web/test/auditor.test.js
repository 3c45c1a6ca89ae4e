// The auditor's view beyond the trail, in chromium against a real node and
// a real key-release gateway: the emergency windows opened on a patient
// with their reviews, the windows awaiting review, and the gateway's own
// log (GET /v1/log) with its refusals listed and its hash chain verified in
// the browser; a reader who is not an admin is refused in plain words.
// Each step is checked against what the chain and the gateway hold. Fresh
// derived accounts per run keep the file repeatable.
//
//   scripts/web-test.sh     starts node + gateway, deploys, builds, serves, runs this

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Gateway } from '../../client/lib/gateway.js';
import { signer, submit } from '../../client/lib/medrec.js';

import { CREDENTIALS, GATEWAY, LONG, asAccount, chain, connectWallet, missing, openBrowser, screenshot } from './setup.js';

const why = missing() ?? (GATEWAY ? null : 'no gateway (MEDREC_GATEWAY)');
const hexOf = (pair) => Buffer.from(pair.publicKey).toString('hex');

describe('the auditor view: emergency windows and the gateway log in chromium', { skip: why ?? false, concurrency: 1, timeout: 15 * 60_000 }, () => {
  let c;
  let b;
  let page;
  let gw;
  let alice;
  let bob;
  let dave;
  let reviewed;
  let waiting;
  const run = Date.now();
  const medic = signer(`//WebAuditor//medic-${run}`);
  const first = signer(`//WebAuditor//patient-a-${run}`);
  const second = signer(`//WebAuditor//patient-b-${run}`);
  const stranger = signer(`//WebAuditor//stranger-${run}`);

  const ac = (message, ...args) => c.medrec.query('accessControl', message, null, ...args);

  before(async () => {
    c = await chain();
    ({ alice, bob, dave } = c.accounts);
    await submit(c.api, c.api.tx.balances.transferKeepAlive(medic.address, 10n ** 16n), alice, { label: 'fund the medic' });
    await c.medrec.registerProvider(alice, medic.address, 'Emergency', CREDENTIALS);
    await c.medrec.verifyProvider(bob, medic.address);
    if (!(await c.medrec.getProvider(dave.address))) await c.medrec.registerProvider(alice, dave.address, 'Nurse', CREDENTIALS);
    // Two windows, ended: one reviewed by Bob, one left for review.
    const note = `0x${'cd'.repeat(32)}`;
    reviewed = String((await c.medrec.activateEmergencyAccess(medic, first.address, 'PatientUnconscious', note)).value[0]);
    await c.medrec.endEmergencyAccess(medic, first.address);
    await c.medrec.reviewEmergencyAccess(bob, reviewed, 'Justified', note);
    waiting = String((await c.medrec.activateEmergencyAccess(medic, second.address, 'MassCasualty', note)).value[0]);
    await c.medrec.endEmergencyAccess(medic, second.address);
    // A refusal at the gateway: an account that is neither provider nor patient uploads.
    gw = new Gateway(GATEWAY, { finalityWaitMs: 0 });
    await assert.rejects(gw.upload(stranger, Buffer.from(`not a record ${run}`)), (e) => e.code === 'unknown_uploader');
    b = await openBrowser(c.api, [
      { name: 'Bob (wallet)', pair: bob },
      { name: 'Dave (wallet)', pair: dave },
    ]);
    page = b.page;
    await connectWallet(page, 2);
  });

  after(async () => {
    await b?.close();
    await c?.api.disconnect();
  });

  test('auditor: the windows opened on a patient with their reviews, and the windows awaiting review, as the chain has them', async () => {
    const onFirst = await ac('patient_emergency_windows', first.address, 0, 50);
    assert.equal(onFirst.length, 1);
    assert.equal(onFirst[0].window.review.outcome, 'Justified');
    assert.equal(onFirst[0].window.review.reviewer, bob.address);
    const queue = await ac('unreviewed_emergency_windows', 0, 50);
    assert.ok(!queue.some((v) => String(v.id) === reviewed), 'the reviewed window left the queue');

    await asAccount(page, 'Dave \\(wallet\\)', 'Auditor');
    const form = page.getByRole('form', { name: 'Choose a patient' });
    await form.getByLabel('Patient (address)').fill(first.address);
    await form.getByRole('button', { name: 'Verify the trail' }).click();
    const windows = page.getByRole('region', { name: 'Emergency windows on the patient' });
    const row = windows.getByRole('row').filter({ hasText: `#${reviewed}` });
    await row.waitFor({ timeout: LONG });
    const text = await row.innerText();
    assert.match(text, /Patient unconscious/);
    assert.match(text, /Ended/);
    assert.match(text, /Justified by Bob/);
    assert.match(text, new RegExp(medic.address.slice(0, 6)));

    const pending = page.getByRole('region', { name: 'Emergency windows awaiting review' });
    const prow = pending.getByRole('row').filter({ hasText: `#${waiting}` });
    await prow.waitFor({ timeout: LONG });
    assert.match(await prow.innerText(), /Mass casualty/);
    assert.equal(await pending.getByRole('row').filter({ hasText: `#${reviewed}` }).count(), 0);
  });

  test('auditor (an admin): the gateway log\'s refusals, its hash chain verified in the browser, as the gateway holds it', async () => {
    const signedBefore = b.signed.length;
    await asAccount(page, 'Bob \\(wallet\\)', 'Auditor');
    const log = page.getByRole('region', { name: 'The key-release gateway\'s log' });
    await log.getByRole('button', { name: 'Read the newest entries' }).click();
    const verdict = log.getByTestId('log-verdict');
    await verdict.waitFor({ timeout: LONG });
    const text = await verdict.innerText();
    const m = /^Hash chain verified in this browser: entries #(\d+)–#(\d+) of (\d+), each entry's hash recomputed and linked to the one before it, (back to entry #\d+ before this page|from the log's first entry)\.$/.exec(text);
    assert.ok(m, text);
    const [lo, hi] = [Number(m[1]), Number(m[2])];

    // What the gateway holds for the same entries (read as Bob with the Node client).
    const held = (await gw.log(bob, { from: lo, limit: hi - lo + 1 })).entries;
    assert.equal(held.length, hi - lo + 1);
    const mine = held.filter((e) => e.event === 'refusal' && e.fields.caller === hexOf(stranger));
    assert.equal(mine.length, 1, 'the stranger\'s upload refusal is in the page');
    assert.equal(mine[0].fields.route, 'upload');
    assert.equal(mine[0].fields.code, 'unknown_uploader');
    const row = log.locator(`tr[data-seq="${mine[0].seq}"]`);
    const rowText = await row.innerText();
    assert.match(rowText, /upload/);
    assert.match(rowText, /unknown_uploader/);
    assert.match(rowText, /neither a verified, active provider nor a registered patient/);
    assert.match(rowText, new RegExp(stranger.address.slice(0, 6)));
    assert.equal(await log.getByRole('table').getByRole('row').count() - 1, held.filter((e) => e.event === 'refusal').length, 'every refusal of the page listed');
    assert.match(await log.getByText(/the newest entry's hash is/).innerText(), new RegExp(held[held.length - 1].hash.slice(0, 16)));
    // Signed requests only: nothing went on the chain.
    const signed = b.signed.slice(signedBefore);
    assert.ok(signed.length >= 2 && signed.every((s) => s.kind === 'raw' && s.address === bob.address), JSON.stringify(signed));
    await screenshot(page, 'auditor-log');

    // A short page: linked back to the entry before it; and the page before that.
    await log.getByLabel('Entries per page').fill('3');
    await log.getByRole('button', { name: 'Read the newest entries' }).click();
    await verdict.getByText(/, back to entry #\d+ before this page\.$/).waitFor({ timeout: LONG });
    const newest = /entries #(\d+)–#(\d+)/.exec(await verdict.innerText()).slice(1).map(Number);
    assert.equal(newest[1] - newest[0], 2);
    await log.getByRole('button', { name: 'Earlier entries' }).click();
    await verdict.getByText(new RegExp(`^Hash chain verified in this browser: entries #${Math.max(0, newest[0] - 3)}–#`)).waitFor({ timeout: LONG });
  });

  test('refused: a reader who is not an admin sees the gateway\'s refusal in plain words, and the gateway logs it', async () => {
    await asAccount(page, 'Dave \\(wallet\\)', 'Auditor');
    const log = page.getByRole('region', { name: 'The key-release gateway\'s log' });
    await log.getByRole('button', { name: 'Read the newest entries' }).click();
    await log.getByText('Refused: not_log_reader.').waitFor({ timeout: LONG });
    assert.equal(await log.getByTestId('log-refusal').innerText(), 'The gateway refused: only a verified, active provider with the Admin role may read the gateway\'s log.');
    assert.equal(await log.getByTestId('log-verdict').count(), 0, 'no entries shown');
    const { total } = await gw.log(bob, { from: 0, limit: 1 });
    const recent = (await gw.log(bob, { from: Math.max(0, total - 20), limit: 20 })).entries;
    const refusal = recent.filter((e) => e.event === 'refusal' && e.fields.code === 'not_log_reader').pop();
    assert.ok(refusal, 'the gateway logged the refusal');
    assert.equal(refusal.fields.caller, hexOf(dave));
    assert.equal(refusal.fields.route, 'log');
  });

  test('no uncaught error in the page', () => {
    assert.deepEqual(b.consoleErrors, []);
  });
});
