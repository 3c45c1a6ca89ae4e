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

options:
  --ws URL           node endpoint (default $MEDREC_WS, else ws://127.0.0.1:\${NODE_PORT:-9944})
  --as //NAME        a development account as signer / caller (default //Alice)
  --yes              sign and send without asking (call)
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
  const valued = new Set(['out', 'ws', 'as', 'deployment', 'from', 'limit', 'first-admin', 'gateway', 'signer-file']);
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
      } else if (k === 'json' || k === 'help' || k === 'yes') {
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
        if (r.wired) console.log(`  wire ${r.contract} -> ${r.wired}`);
        else console.log(`  instantiate ${r.contract.padEnd(18)} ${r.address}`);
        console.log(`    ${costLine(r)}${r.codeHash ? `   code ${r.codeHash}` : ''}`);
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
