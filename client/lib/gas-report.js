// The gas of each call of the patient journey as a real node reports it, and
// how many `create_record` calls fit in one block. Writes a Markdown report
// (docs/node-gas.md by default): `node client/cli.js gas-report`.
//
// Every figure comes from the node: `gasRequired` and `gasConsumed` of each
// call's dry run (the gas limit the transaction is then sent with), the
// storage deposit, the chain's block weight limits (`system.blockWeights`),
// and the dispatch weight of a `contracts.call` extrinsic as
// `TransactionPaymentApi::query_info` reports it. The block capacity is then checked by
// sending that many `create_record` calls in one `utility.batchAll` (one
// extrinsic, one block), and one more.

import { u8aToHex } from '@polkadot/util';

import { DAY, runJourney } from './journey.js';
import { Medrec, deploy, group, sha256 } from './medrec.js';

function pct(a, b) {
  return `${((Number(a) / Number(b)) * 100).toFixed(2)} %`;
}

/** Runs the journey and the capacity check on fresh contracts; returns {markdown, data}. */
export async function gasReport(api, accounts, { log = () => {} } = {}) {
  const { alice, charlie, ferdie } = accounts;
  const d = await deploy(api, alice, { log: () => {} });
  const medrec = new Medrec(api, d.addresses);
  const journey = await runJourney(medrec, { accounts, log });

  // create_record on a fresh record, as Dr Charlie (who holds Write on
  // Ferdie's diagnoses again for the capacity check).
  await medrec.registerPatient(ferdie).catch(() => {});
  await medrec.grantConsent(ferdie, ferdie.address, charlie.address, 'MedicalRecords', 30 * DAY, ['Treatment']);
  await medrec.grantPermission(ferdie, ferdie.address, charlie.address, 'Diagnosis', 'Write', null, null);
  let n = 0;
  const recordArgs = () => {
    n += 1;
    const hash = u8aToHex(sha256(Buffer.from(`capacity check ciphertext ${n} ${Date.now()}`)));
    return [ferdie.address, 'Diagnosis', hash, hash, 4096, 0, 'Restricted', 'Treatment'];
  };
  const rm = medrec.contracts.recordManagement;
  const probe = recordArgs();
  const dry = await medrec.dryRun('recordManagement', 'create_record', charlie, ...probe);
  if (!dry.ok) throw dry.error;
  const gasLimit = dry.raw.gasRequired;
  const storageDepositLimit = dry.raw.storageDeposit.isCharge ? dry.raw.storageDeposit.asCharge : null;
  const oneCall = rm.tx.createRecord({ gasLimit, storageDepositLimit }, ...probe);
  const info = await oneCall.paymentInfo(charlie);
  const dispatch = { refTime: info.weight.refTime.toBigInt(), proofSize: info.weight.proofSize.toBigInt() };

  const bw = api.consts.system.blockWeights;
  const normal = bw.perClass.normal;
  const maxTotal = normal.maxTotal.unwrap();
  const maxBlock = { refTime: bw.maxBlock.refTime.toBigInt(), proofSize: bw.maxBlock.proofSize.toBigInt() };
  const limit = { refTime: maxTotal.refTime.toBigInt(), proofSize: maxTotal.proofSize.toBigInt() };
  const maxExtrinsic = normal.maxExtrinsic.unwrap();
  const maxExt = { refTime: maxExtrinsic.refTime.toBigInt(), proofSize: maxExtrinsic.proofSize.toBigInt() };
  const base = { refTime: normal.baseExtrinsic.refTime.toBigInt(), proofSize: normal.baseExtrinsic.proofSize.toBigInt() };
  const blockBase = { refTime: bw.baseBlock.refTime.toBigInt(), proofSize: bw.baseBlock.proofSize.toBigInt() };
  // Each extrinsic costs its dispatch weight plus the base extrinsic weight;
  // the block's own base weight counts against the same limit.
  const per = { refTime: dispatch.refTime + base.refTime, proofSize: dispatch.proofSize + base.proofSize };
  const byRef = (limit.refTime - blockBase.refTime) / per.refTime;
  const byProof = (limit.proofSize - blockBase.proofSize) / per.proofSize;
  const fit = byRef < byProof ? byRef : byProof;

  // Check with one batch (utility pallet) if the runtime has it: the batch's
  // weight is the sum of its calls' (plus the batch's own overhead), so this
  // is a lower bound of what fits as separate extrinsics.
  let batch = null;
  if (api.tx.utility?.batchAll) {
    // Each call of the batch gets the probe's gas plus 5 %: later records
    // differ in their hashes and the audit trail's length, so the exact
    // figure of one dry run can run short (OutOfGas) for some of them.
    const batchGas = api.registry.createType('WeightV2', {
      refTime: (gasLimit.refTime.toBigInt() * 105n) / 100n,
      proofSize: (gasLimit.proofSize.toBigInt() * 105n) / 100n,
    });
    const calls = [];
    for (let i = 0; i < Number(fit); i++) calls.push(rm.tx.createRecord({ gasLimit: batchGas, storageDepositLimit: null }, ...recordArgs()).method);
    const tryBatch = async (k) => {
      const xt = api.tx.utility.batchAll(calls.slice(0, k));
      const w = (await xt.paymentInfo(charlie)).weight;
      return { k, refTime: w.refTime.toBigInt(), proofSize: w.proofSize.toBigInt(), xt };
    };
    // The largest batch whose declared weight fits the normal-class limit.
    let lo = 1;
    let hi = calls.length;
    let best = null;
    while (lo <= hi) {
      const mid = Math.floor((lo + hi) / 2);
      const t = await tryBatch(mid);
      // One extrinsic may use at most `maxExtrinsic` (below the block's
      // normal-class total).
      const fits = t.refTime + base.refTime <= maxExt.refTime && t.proofSize + base.proofSize <= maxExt.proofSize;
      if (fits) {
        best = t;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (best) {
      const before = (await medrec.auditHead(ferdie.address)).len;
      const res = await new Promise((resolve, reject) => {
        best.xt.signAndSend(charlie, (r) => {
          if (r.dispatchError) reject(new Error(`batch of ${best.k} failed: ${r.dispatchError.toString()}`));
          else if (r.status.isInBlock || r.status.isFinalized) resolve(r);
        }).catch(reject);
      });
      const after = (await medrec.auditHead(ferdie.address)).len;
      const header = await api.rpc.chain.getHeader(res.status.isInBlock ? res.status.asInBlock : res.status.asFinalized);
      batch = { calls: best.k, created: Number(BigInt(after) - BigInt(before)), block: header.number.toNumber(), refTime: best.refTime, proofSize: best.proofSize };
    }
  }

  const [chain, nodeName, nodeVersion] = await Promise.all([api.rpc.system.chain(), api.rpc.system.name(), api.rpc.system.version()]);
  const lines = [];
  lines.push('# Gas on a substrate-contracts-node');
  lines.push('');
  lines.push(`Generated by \`node client/cli.js gas-report\` against ${nodeName} ${nodeVersion} (${chain}), on fresh`);
  lines.push('deployments of the release builds. `gasRequired` is what the dry run asks for and the');
  lines.push('transaction is sent with; `gasConsumed` is what the call used. Deposits are in the');
  lines.push("chain's smallest unit. Refused calls are dry runs only (nothing is sent).");
  lines.push('');
  lines.push('| step | ref_time required | proof_size required | ref_time consumed | storage deposit |');
  lines.push('|---|---:|---:|---:|---:|');
  for (const s of journey.steps) {
    if (s.skipped) continue;
    if (!s.ok) {
      lines.push(`| ${s.label} → Err(${s.error.variant}) | ${group(s.gasRequired?.refTime ?? 0)} | ${group(s.gasRequired?.proofSize ?? 0)} | | (refused) |`);
      continue;
    }
    lines.push(`| ${s.label} | ${group(s.gasRequired.refTime)} | ${group(s.gasRequired.proofSize)} | ${group(s.gasConsumed.refTime)} | ${group(s.storageDeposit)} |`);
  }
  lines.push('');
  lines.push('## How many `create_record` calls fit in one block');
  lines.push('');
  lines.push('| figure | ref_time | proof_size |');
  lines.push('|---|---:|---:|');
  lines.push(`| block limit (\`maxBlock\`) | ${group(maxBlock.refTime)} | ${group(maxBlock.proofSize)} |`);
  lines.push(`| normal-class limit (\`perClass.normal.maxTotal\`) | ${group(limit.refTime)} | ${group(limit.proofSize)} |`);
  lines.push(`| largest single extrinsic (\`perClass.normal.maxExtrinsic\`) | ${group(maxExt.refTime)} | ${group(maxExt.proofSize)} |`);
  lines.push(`| block base weight | ${group(blockBase.refTime)} | ${group(blockBase.proofSize)} |`);
  lines.push(`| \`create_record\` gas required (dry run) | ${group(dry.gasRequired.refTime)} | ${group(dry.gasRequired.proofSize)} |`);
  lines.push(`| its \`contracts.call\` dispatch weight (\`TransactionPaymentApi::query_info\`) | ${group(dispatch.refTime)} | ${group(dispatch.proofSize)} |`);
  lines.push(`| plus the base extrinsic weight | ${group(per.refTime)} | ${group(per.proofSize)} |`);
  lines.push(`| calls that fit, by this resource | ${group(byRef)} | ${group(byProof)} |`);
  lines.push('');
  lines.push(`**${group(fit)} \`create_record\` calls fit in one block** as separate extrinsics (the smaller of the two;`);
  lines.push(`${byRef < byProof ? 'ref_time' : 'proof_size'} is the limit; one call uses ${pct(per.refTime, limit.refTime)} of the normal-class ref_time and ${pct(per.proofSize, limit.proofSize)} of its proof_size).`);
  if (batch) {
    lines.push(`Checked on the node: one \`utility.batchAll\` of ${batch.calls} \`create_record\` calls, each with the dry run's gas + 5 % (declared weight`);
    lines.push(`${group(batch.refTime)} ref_time, ${group(batch.proofSize)} proof_size: the largest batch a single extrinsic may carry, \`maxExtrinsic\`) was included in block #${batch.block}`);
    lines.push(`and created ${batch.created} records; one extrinsic is capped below the block's normal-class total, so a batch holds fewer calls than separate extrinsics can.`);
  } else {
    lines.push('(The runtime has no utility pallet, so the figure was not checked with a batch.)');
  }
  lines.push('');
  return {
    markdown: lines.join('\n'),
    data: { steps: journey.steps, dispatch, per, limit, maxBlock, blockBase, fit, byRef, byProof, batch, createRecordGas: dry.gasRequired },
  };
}
