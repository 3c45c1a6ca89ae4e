// The three contracts: names, ABIs from their metadata JSON, event decoding.
// Browser-safe: the metadata comes in as an argument (JSON), never from a file.

import { Abi } from '@polkadot/api-contract';

import { pubkeyHex } from './accounts.js';
import { toPlain } from './codec.js';

/** The system's contracts in deployment order. */
export const CONTRACTS = [
  { key: 'accessControl', crate: 'access-control', snake: 'access_control' },
  { key: 'patientConsent', crate: 'patient-consent', snake: 'patient_consent' },
  { key: 'recordManagement', crate: 'record-management', snake: 'record_management' },
];

const ALIASES = new Map();
for (const c of CONTRACTS) {
  for (const a of [c.key, c.crate, c.snake, c.key.toLowerCase()]) ALIASES.set(a, c);
}
ALIASES.set('ac', CONTRACTS[0]);
ALIASES.set('pc', CONTRACTS[1]);
ALIASES.set('rm', CONTRACTS[2]);

/** The CONTRACTS entry of a name, or undefined. */
export function findContract(name) {
  return ALIASES.get(String(name)) || ALIASES.get(String(name).toLowerCase());
}

/** `access-control`, `access_control`, `accessControl` or `ac` -> its entry in CONTRACTS. */
export function contractInfo(name) {
  const c = findContract(name);
  if (!c) {
    throw new Error(`unknown contract ${JSON.stringify(name)} (one of ${CONTRACTS.map((x) => x.crate).join(', ')})`);
  }
  return c;
}

/**
 * A contract's ABI and what comes with it, from its metadata JSON (a
 * `.contract` bundle, with the wasm, or the `.json` metadata alone).
 * Returns {name, json, abi, codeHash, wasm (null without source.wasm)}.
 */
export function bundleFromJson(name, json, chainProperties) {
  const abi = new Abi(json, chainProperties);
  return {
    name: findContract(name)?.crate ?? name,
    json,
    abi,
    codeHash: json.source?.hash ?? null,
    wasm: json.source?.wasm ?? null,
    // The contract's hot shell (see medrec_types::split in the contracts):
    // the code a deployed contract runs, forwarding what it does not run
    // itself to the full code above. `wasm` only in a .contract bundle.
    hotShell: json.hot_shell?.hash ? { codeHash: json.hot_shell.hash, wasm: json.hot_shell.wasm ?? null } : null,
  };
}

/**
 * Decodes the `contracts.ContractEmitted` records among `records` with the ABI
 * of the contract that emitted each (`abis`: Map pubkey-hex -> {name, abi}).
 * Returns [{contract, name, args}] (args keyed by the event's field labels);
 * an event of an unknown contract or signature comes back with name null and
 * its raw data.
 */
export function decodeContractEvents(api, records, abis) {
  const out = [];
  for (const record of records) {
    const { event } = record;
    if (!(api ? api.events.contracts.ContractEmitted.is(event) : event.section === 'contracts' && event.method === 'ContractEmitted')) {
      continue;
    }
    out.push(decodeContractEvent(record, abis));
  }
  return out;
}

/** Decodes one ContractEmitted EventRecord (see decodeContractEvents). */
export function decodeContractEvent(record, abis) {
  const [emitter, data] = record.event.data;
  const address = emitter.toString();
  const known = abis.get(pubkeyHex(address));
  if (!known) {
    return { contract: address, name: null, args: null, data: data.toHex() };
  }
  try {
    const decoded = known.abi.decodeEvent(record);
    const spec = known.abi.metadata.spec.events[decoded.event.index];
    const args = {};
    decoded.args.forEach((value, i) => {
      const label = spec?.args?.[i]?.label?.toString() ?? decoded.event.args[i].name;
      args[label] = toPlain(value);
    });
    return { contract: known.name, name: decoded.event.identifier.split('::').pop(), args };
  } catch (e) {
    return { contract: known.name, name: null, args: null, data: data.toHex(), error: e.message };
  }
}
