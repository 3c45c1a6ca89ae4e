#!/usr/bin/env node
// Command line for the medical-record contracts on a substrate-contracts-node.
// Run `node client/cli.js help` for usage.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import {
  CONTRACTS,
  DEFAULT_WS,
  Medrec,
  MedrecError,
  REPO_ROOT,
  addressOf,
  connect,
  contractInfo,
  deploy,
  devAccounts,
  explainError,
  loadBundle,
  nodeAnswers,
  signer,
} from './lib/medrec.js';
import { castNames, costLine, namer, runJourney } from './lib/journey.js';
import { gasReport } from './lib/gas-report.js';
import { Gateway } from './lib/gateway.js';
import { describeImport, exportToFile, importFromFile, newExportKey, readExportKey, verifyFile } from './lib/portability.js';

const DEFAULT_DEPLOYMENT = process.env.MEDREC_DEPLOYMENT || join(REPO_ROOT, 'deployments', 'local.json');

const USAGE = `usage: node client/cli.js <command> [options]

commands:
  deploy [--out FILE] [--first-admin URI]
                                      upload, instantiate and wire the three contracts
                                      (owner: --as, default //Alice; first admin, who
                                      verifies providers: default //Bob); writes FILE
                                      (default deployments/local.json)
  journey [--gateway URL]             the whole patient journey on the deployed contracts;
                                      with a key-release gateway (default $MEDREC_GATEWAY):
                                      upload, deposit, bind, then release and fetch
                                      against the recorded read
  gas-report [--out FILE]             on fresh deployments: the gas of each journey step as
                                      the node reports it, and how many create_record calls
                                      fit in one block (default docs/node-gas.md)
  call <contract> <message> [args]    preview (dry run as the signer: its value or error in
                                      plain words, gas, storage deposit, estimated fee), then
                                      sign and send after a yes at the prompt, or with --yes
  query <contract> <message> [args]   dry-run only (nothing is written), as --as
  audit <patient> [--from N] [--limit N]
                                      a page of the patient's audit trail, and the
                                      hash chain verified off-chain
  messages <contract>                 the contract's messages and argument types

data portability (FHIR R4; see the README's "Data portability (FHIR)"):
  export-key --out FILE               a new X25519 export key (32 raw bytes, mode 0600); prints
                                      its public key. Keep it: it opens the exported data keys
  export --gateway URL --export-key FILE --out ARCHIVE.tar
                                      the signer's complete record: each live record read as a
                                      transaction (an audit entry) and its data key released by
                                      the gateway against it, sealed to the export key; a tar
                                      with the FHIR Bundle, the ciphertexts, the sealed keys, the
                                      audit trail and a signed manifest
  import ARCHIVE.tar --gateway URL --export-key FILE [--with-consents] [--verify-only]
                                      into the deployment of --deployment: verifies everything
                                      first (nothing is sent if any check fails), then registers
                                      the signer, re-creates each record as patient-authored
                                      (ciphertext and key to the gateway), stores the original
                                      audit trail as a historical document; --with-consents also
                                      re-grants the active consents, permissions and delegates.
                                      Run again to resume: records already there are skipped

options:
  --ws URL           node endpoint (default $MEDREC_WS, else ws://127.0.0.1:\${NODE_PORT:-9944})
  --as //NAME        a development account as signer / caller (default //Alice)
  --yes              sign and send without asking (call, export, import)
  signing secrets:   $MEDREC_SIGNER (a secret URI or mnemonic), or --signer-file FILE
                     (its first line); never on the command line, where other users
                     of the machine and the shell history would see them
  --deployment FILE  addresses to use (default deployments/local.json)
  --json             print results as JSON

contracts: ${CONTRACTS.map((c) => c.crate).join(', ')} (or ac, pc, rm)
args: one per message argument, each JSON (e.g. 1, "Treatment", null,
      {"max_reads":3,"max_bytes":null}); a bare word is taken as a string, and
      an AccountId may be given as a dev URI like //Ferdie.
      Hashes ([u8;32]) and bytes are 0x-hex.`;

function parseArgs(argv) {
  const opts = {};
  const positional = [];
  const valued = new Set(['out', 'ws', 'as', 'deployment', 'from', 'limit', 'first-admin', 'gateway', 'signer-file', 'export-key']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const [k, inline] = a.slice(2).split(/=(.*)/s, 2);
      if (valued.has(k)) {
        const v = inline ?? argv[++i];
        if (v === undefined) throw new UsageError(`--${k} needs a value`);
        opts[k] = v;
      } else if (['json', 'help', 'yes', 'with-consents', 'verify-only'].includes(k)) {
        opts[k] = true;
      } else {
        throw new UsageError(`unknown option --${k}`);
      }
    } else {
      positional.push(a);
    }
  }
  return { opts, positional };
}

class UsageError extends Error {}

/**
 * The signer's secret URI: --signer-file, else $MEDREC_SIGNER, else --as,
 * which takes only development accounts (//Name: their keys are public).
 */
function signerUri(opts) {
  if (opts['signer-file']) {
    const line = readFileSync(resolve(opts['signer-file']), 'utf8').split('\n')[0].trim();
    if (!line) throw new UsageError(`${opts['signer-file']}: empty (put the secret URI on its first line)`);
    return line;
  }
  if (process.env.MEDREC_SIGNER) return process.env.MEDREC_SIGNER.trim();
  const uri = opts.as ?? '//Alice';
  if (!/^\/\/[A-Za-z0-9]+$/.test(uri)) {
    throw new UsageError('--as takes a development account (//Alice ... //Ferdie); put a real secret in $MEDREC_SIGNER or a file named by --signer-file, never on the command line');
  }
  return uri;
}

/** The preview of a transaction, in plain words (stdout). */
function printPreview(p, whoLabel) {
  console.log(`preview: ${p.label} signed by ${whoLabel}`);
  if (!p.ok) {
    const { name, text } = explainError(p.error);
    console.log(`  dry run: refused: ${name}. ${text}`);
    return;
  }
  console.log(`  dry run: would succeed, returning ${JSON.stringify(p.value)}`);
  console.log(`  gas: ref_time ${p.gasRequired.refTime}, proof_size ${p.gasRequired.proofSize}`);
  const sd = BigInt(p.storageDeposit ?? 0);
  console.log(`  storage deposit: ${sd < 0n ? `refund ${-sd}` : `${sd}`} plancks; estimated fee: ${p.fee} plancks`);
}

/** Asks on the terminal; false without one. */
async function confirm(question) {
  if (!process.stdin.isTTY) return false;
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

function parseValue(s) {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

function readDeployment(file) {
  const path = resolve(file);
  if (!existsSync(path)) {
    throw new Error(`${path} not found: deploy first (scripts/deploy.sh or node client/cli.js deploy)`);
  }
  return { path, ...JSON.parse(readFileSync(path, 'utf8')) };
}

/** Where a deployment on the chain with `genesisHash` is also kept: beside `file`, in chains/. */
function perChainPath(file, genesisHash) {
  return join(dirname(resolve(file)), 'chains', `${genesisHash}.json`);
}

async function open(opts, deployment) {
  const ws = opts.ws || process.env.MEDREC_WS || deployment?.ws || DEFAULT_WS;
  if (!(await nodeAnswers(ws))) {
    throw new Error(`no node answers at ${ws} (start it with scripts/node.sh start)`);
  }
  const api = await connect(ws);
  return { api, ws };
}

async function withMedrec(opts, fn) {
  const file = opts.deployment ?? DEFAULT_DEPLOYMENT;
  let deployment = existsSync(resolve(file)) ? readDeployment(file) : null;
  const { api, ws } = await open(opts, deployment);
  try {
    const genesis = api.genesisHash.toHex();
    if (!deployment || (deployment.genesisHash && deployment.genesisHash !== genesis)) {
      // The deployment kept for this chain, if there is one
      const perChain = perChainPath(file, genesis);
      if (!existsSync(perChain)) {
        throw new Error(deployment
          ? `${deployment.path} was written for chain ${deployment.genesisHash}, but ${ws} is ${genesis}, and ${perChain} does not exist: deploy again`
          : `${resolve(file)} not found, nor ${perChain}: deploy first (scripts/deploy.sh or node client/cli.js deploy)`);
      }
      if (deployment) console.error(`note: ${deployment.path} is for another chain; using ${perChain}`);
      deployment = readDeployment(perChain);
    }
    const medrec = new Medrec(api, deployment.addresses);
    const onChain = await medrec.checkDeployed();
    for (const c of CONTRACTS) {
      if (deployment.codeHashes?.[c.key] && onChain[c.key] !== deployment.codeHashes[c.key]) {
        console.error(`warning: ${c.crate} on chain runs code ${onChain[c.key]}, the deployment file says ${deployment.codeHashes[c.key]}`);
      }
    }
    return await fn(medrec, { api, ws, deployment });
  } finally {
    await api.disconnect();
  }
}

async function cmdDeploy(opts) {
  const out = resolve(opts.out ?? DEFAULT_DEPLOYMENT);
  for (const c of CONTRACTS) loadBundle(c.snake); // fail early, before connecting, when a bundle is missing
  const { api, ws } = await open(opts);
  try {
    await devAccounts();
    const owner = signer(signerUri(opts));
    console.log(`deploying to ${ws} as ${owner.address}`);
    const d = await deploy(api, owner, {
      firstAdmin: opts['first-admin'] ?? '//Bob',
      log: (r) => {
        if (r.hotShell && !r.address) {
          console.log(`  upload ${r.contract.padEnd(23)} hot shell ${r.hotShell}`);
          return;
        }
        if (r.wired) console.log(`  wire ${r.contract} -> ${r.wired}`);
        else console.log(`  instantiate ${r.contract.padEnd(18)} ${r.address}`);
        console.log(`    ${costLine(r)}${r.codeHash ? `   code ${r.codeHash}` : ''}${r.hotShell ? `, running its hot shell ${r.hotShell}` : ''}`);
        for (const e of r.events) console.log(`      event ${e.contract}.${e.name} ${JSON.stringify(e.args)}`);
      },
    });
    const [chain, nodeName, nodeVersion, header] = await Promise.all([
      api.rpc.system.chain(), api.rpc.system.name(), api.rpc.system.version(), api.rpc.chain.getHeader(),
    ]);
    const record = {
      network: chain.toString(),
      ws,
      genesisHash: api.genesisHash.toHex(),
      // the best block when the deployment was written: every instantiation is at or before it
      block: header.number.toNumber(),
      node: `${nodeName} ${nodeVersion}`,
      codeHashes: d.codeHashes,
      addresses: d.addresses,
      deployedAt: new Date().toISOString(),
      deployer: d.deployer,
      firstAdmin: d.firstAdmin,
    };
    // Also per chain (deployments/chains/<genesis hash>.json), so the CLI
    // and the web app find the deployment of the chain they are connected to
    const perChain = perChainPath(out, record.genesisHash);
    for (const f of [out, perChain]) {
      mkdirSync(dirname(f), { recursive: true });
      writeFileSync(f, `${JSON.stringify(record, null, 2)}\n`);
    }
    console.log(`wrote ${perChain}`);
    console.log(`wired: patient-consent -> access-control, record-management; record-management -> patient-consent, access-control; first admin ${d.firstAdmin}`);
    console.log(`wrote ${out}`);
    if (opts.json) console.log(JSON.stringify({ ...record, instantiations: d.instantiations }, null, 2));
  } finally {
    await api.disconnect();
  }
}

async function cmdJourney(opts) {
  await withMedrec(opts, async (medrec) => {
    const accounts = await devAccounts();
    const gateway = opts.gateway ?? process.env.MEDREC_GATEWAY;
    const summary = await runJourney(medrec, { accounts, gateway });
    if (opts.json) console.log(JSON.stringify(summary, null, 2));
  });
}

async function cmdGasReport(opts) {
  const out = resolve(opts.out ?? join(REPO_ROOT, 'docs', 'node-gas.md'));
  const { api, ws } = await open(opts);
  try {
    const accounts = await devAccounts();
    console.log(`gas report on ${ws}: fresh deployment, the journey, then the block-capacity check`);
    const { markdown } = await gasReport(api, accounts, { log: console.log });
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, markdown);
    console.log(`wrote ${out}`);
  } finally {
    await api.disconnect();
  }
}

function encodeArgs(medrec, contract, message, raw) {
  const specs = medrec.messageArgs(contract, message);
  if (raw.length !== specs.length) {
    const sig = specs.map((a) => `${a.name}: ${a.type}`).join(', ');
    throw new UsageError(`${contractInfo(contract).crate}.${message} takes ${specs.length} argument(s) (${sig}), got ${raw.length}`);
  }
  return raw.map((s, i) => {
    const v = parseValue(s);
    return specs[i].raw === 'AccountId' && typeof v === 'string' && v.startsWith('//') ? addressOf(v) : v;
  });
}

async function cmdCall(opts, positional, { send }) {
  const [contract, message, ...raw] = positional;
  if (!contract || !message) throw new UsageError(`${send ? 'call' : 'query'} needs <contract> <message>`);
  await withMedrec(opts, async (medrec) => {
    const accounts = await devAccounts();
    const { pretty } = namer(castNames(accounts));
    const who = signer(signerUri(opts));
    const args = encodeArgs(medrec, contract, message, raw);
    const label = `${contractInfo(contract).crate}.${message}`;
    if (send) {
      const prepared = await medrec.preview({ contract, message, signer: who, args });
      if (!opts.json) printPreview(prepared, pretty(who.address));
      if (!prepared.ok) throw prepared.error;
      if (!opts.yes && !(await confirm('Sign and send? [y/N] '))) {
        console.error(`not sent: ${label} was previewed only (answer y at the prompt, or pass --yes)`);
        process.exitCode = 3;
        return;
      }
      const r = await medrec.sendPrepared(prepared, who);
      if (opts.json) {
        console.log(JSON.stringify(r, null, 2));
      } else {
        console.log(`${label} -> Ok(${JSON.stringify(r.value)})`);
        console.log(`  ${costLine(r)}  block ${r.blockHash}`);
        for (const e of r.events) console.log(`  event ${e.contract}.${e.name} ${JSON.stringify(pretty(e.args))}`);
      }
    } else {
      const r = await medrec.dryRun(contract, message, who, ...args);
      if (!r.ok) throw r.error;
      if (opts.json) {
        console.log(JSON.stringify({ value: r.value, gasRequired: r.gasRequired, storageDeposit: r.storageDeposit }, null, 2));
      } else {
        console.log(JSON.stringify(r.value, null, 2));
        console.error(`  (dry run) ${costLine(r)}`);
      }
    }
  });
}

async function cmdAudit(opts, positional) {
  const [patientArg] = positional;
  if (!patientArg) throw new UsageError('audit needs <patient> (an SS58 address or a dev URI like //Ferdie)');
  await withMedrec(opts, async (medrec) => {
    const accounts = await devAccounts();
    const { pretty } = namer(castNames(accounts));
    const patient = addressOf(patientArg);
    const from = opts.from ?? '0';
    const limit = Number(opts.limit ?? 50);
    const page = await medrec.auditTrail(patient, from, limit);
    const chain = await medrec.verifyAuditChain(patient);
    if (opts.json) {
      console.log(JSON.stringify({ patient, from, entries: page, head: chain.head, len: chain.len, verified: chain.verified }, null, 2));
    } else {
      console.log(`audit trail of ${pretty(patient)} (${patient}): ${chain.len} entries, showing ${page.length} from #${from}`);
      page.forEach((e, i) => {
        const at = new Date(Number(e.at)).toISOString();
        console.log(`  #${String(BigInt(from) + BigInt(i)).padEnd(4)} ${at}  ${String(pretty(e.actor)).padEnd(18)} ${String(e.action).padEnd(18)} record ${String(e.record_id ?? '-').padEnd(5)} type ${String(e.record_type ?? '-').padEnd(12)} subject ${pretty(e.subject) ?? '-'}  purpose ${e.purpose ?? '-'}`);
      });
      console.log(`  head ${chain.head}: ${chain.verified ? 'chain verified off-chain' : `CHAIN BROKEN at entry ${chain.brokenAt}`}`);
    }
    if (!chain.verified) process.exitCode = 1;
  });
}

async function cmdMessages(positional) {
  const [contract] = positional;
  if (!contract) throw new UsageError('messages needs <contract>');
  const { abi, name } = loadBundle(contractInfo(contract).snake);
  for (const m of abi.messages) {
    const args = m.args.map((a) => `${a.name}: ${a.type.displayName || a.type.type}`).join(', ');
    console.log(`${name}.${m.identifier}(${args})${m.isMutating ? '  [tx]' : ''}`);
  }
}

function exportKeyOf(opts) {
  if (!opts['export-key']) throw new UsageError('--export-key FILE is needed (a key file written by `export-key --out FILE`)');
  return readExportKey(opts['export-key']);
}

function gatewayOf(opts) {
  const url = opts.gateway ?? process.env.MEDREC_GATEWAY;
  if (!url) throw new UsageError('--gateway URL (or $MEDREC_GATEWAY) is needed');
  return new Gateway(url);
}

async function cmdExportKey(opts) {
  if (!opts.out) throw new UsageError('export-key needs --out FILE');
  const pub = newExportKey(opts.out);
  console.log(`wrote ${resolve(opts.out)} (secret, mode 0600; keep it to open the exported keys)`);
  console.log(`export public key: ${pub.toString('hex')}`);
}

async function cmdExport(opts) {
  if (!opts.out) throw new UsageError('export needs --out ARCHIVE.tar');
  const { publicKey } = exportKeyOf(opts);
  const gateway = gatewayOf(opts);
  await withMedrec(opts, async (medrec, { api }) => {
    await devAccounts();
    const who = signer(signerUri(opts));
    const records = await medrec.patientRecords(who.address, 0, 50);
    console.log(`export of ${who.address} from record-management ${medrec.addresses.recordManagement} through ${gateway.url}`);
    console.log(`  sends one get_record transaction per live record (at least ${records.filter((r) => r.meta.status !== 'Deleted').length}; each an audit entry of the trail), then asks the gateway for each key against its entry`);
    if (!opts.yes && !(await confirm('Sign and send? [y/N] '))) {
      console.error('not sent: export previewed only (answer y at the prompt, or pass --yes)');
      process.exitCode = 3;
      return;
    }
    const r = await exportToFile({ medrec, gateway, signer: who, exportPublicKey: publicKey, out: opts.out, genesisHash: api.genesisHash.toHex(), log: (l) => console.log(`  ${l}`) });
    const counts = {};
    for (const e of r.bundle.entry) counts[e.resource.resourceType] = (counts[e.resource.resourceType] ?? 0) + 1;
    console.log(`wrote ${r.out}: FHIR R4 Bundle (collection) with ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}; ${r.report.reads.length} ciphertext(s) and sealed key(s)`);
    console.log(`  audit head at export: entry #${r.manifest.auditHead.index}, ${r.manifest.auditHead.hash}`);
    if (opts.json) console.log(JSON.stringify({ out: r.out, manifest: r.manifest, report: r.report }, null, 2));
  });
}

async function cmdImport(opts, positional) {
  const [file] = positional;
  if (!file) throw new UsageError('import needs <ARCHIVE.tar>');
  const { secretKey } = exportKeyOf(opts);
  if (opts['verify-only']) {
    await devAccounts();
    const who = signer(signerUri(opts));
    const { archive, verified } = await verifyFile(file, { importer: who.address, exportSecretKey: secretKey });
    archive.close();
    console.log(`${file}: verified for ${who.address}: manifest signed by the patient, ${verified.manifest.files.length} files hashed, ${verified.records.length} record(s), every ciphertext decrypts with its key, audit trail of ${verified.trail.len} entries chained to head ${verified.trail.head}; nothing sent`);
    return;
  }
  const gateway = gatewayOf(opts);
  await withMedrec(opts, async (medrec) => {
    await devAccounts();
    const who = signer(signerUri(opts));
    const report = await importFromFile(file, {
      medrec,
      gateway,
      signer: who,
      exportSecretKey: secretKey,
      withConsents: !!opts['with-consents'],
      log: (l) => console.log(l),
      confirm: async (v) => {
        const n = v.records.filter((r) => r.blobVersions.length).length;
        console.log(`${file}: verified (manifest signature, every file's SHA-256, the bundle's subject ${v.model.patient}, each blob against its DocumentReference, each key and decryption, the audit chain of ${v.trail.len} entries to head ${v.trail.head.slice(0, 16)}...)`);
        console.log(`import into record-management ${medrec.addresses.recordManagement} through ${gateway.url}: up to ${n} record(s) and the historical document (records already there are skipped)${opts['with-consents'] ? `, ${v.model.consents.length} consent(s), ${v.model.permissions.length} permission(s), ${v.model.delegations.length} delegate(s) where still active` : '; grants not carried over (--with-consents)'}`);
        if (opts.yes || (await confirm('Sign and send? [y/N] '))) return true;
        console.error('not sent: import verified and previewed only (answer y at the prompt, or pass --yes)');
        process.exitCode = 3;
        return false;
      },
    });
    if (!report) return;
    console.log(`imported: ${describeImport(report)}`);
    for (const r of report.records) console.log(`  record ${r.from} -> ${r.to ?? '-'}${r.skipped ? ` (${r.skipped})` : r.versions.every((v) => v.existed) ? ' (already there)' : ''}`);
    console.log(`  historical document (the original audit trail, verified): record ${report.history.record}${report.history.existed ? ' (already there)' : ''}`);
    if (opts.json) console.log(JSON.stringify(report, null, 2));
  });
}

async function main(argv) {
  const [command, ...rest] = argv;
  const { opts, positional } = parseArgs(rest);
  if (!command || command === 'help' || opts.help) {
    console.log(USAGE);
    return;
  }
  switch (command) {
    case 'deploy':
      return cmdDeploy(opts);
    case 'journey':
      return cmdJourney(opts);
    case 'gas-report':
      return cmdGasReport(opts);
    case 'call':
      return cmdCall(opts, positional, { send: true });
    case 'query':
      return cmdCall(opts, positional, { send: false });
    case 'audit':
      return cmdAudit(opts, positional);
    case 'messages':
      return cmdMessages(positional);
    case 'export-key':
      return cmdExportKey(opts);
    case 'export':
      return cmdExport(opts);
    case 'import':
      return cmdImport(opts, positional);
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(process.exitCode ?? 0),
  (e) => {
    if (e instanceof UsageError) {
      console.error(`error: ${e.message}\n\n${USAGE}`);
      process.exit(2);
    }
    // One line, naming the error (MedrecError: <contract>.<message>: <Variant>).
    console.error(`error: ${e instanceof MedrecError ? e.message : (e?.message ?? String(e)).split('\n')[0]}`);
    process.exit(1);
  },
);
