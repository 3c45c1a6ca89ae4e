// Decoding what the chain answers: dry runs, contract errors, values.
// Browser-safe: no node:* module, no process, no file system.

import { Bool, Enum, GenericAccountId, Null, Option, Raw, Result, Struct, Text } from '@polkadot/types';

/**
 * A refused or failed call, named. `kind` is one of:
 * - `ContractError`: the message returned `Err(variant)` (the contract's Error enum);
 * - `LangError`: ink!'s LangError (e.g. `CouldNotReadInput`: wrong selector or args);
 * - `Reverted`: the revert flag was set and no error could be decoded;
 * - `DispatchError`: the runtime refused (e.g. `contracts.ContractTrapped`,
 *   `contracts.OutOfGas`, or `contracts.ContractReverted` for a forced submission);
 * - `Transaction`: the transaction was invalid, dropped or not included.
 * The message is one line: `<contract>.<message>: <variant>`.
 */
export class MedrecError extends Error {
  constructor(message, { contract = null, call = null, kind, variant, dispatchError = null, gasRequired = null, details = null } = {}) {
    super(message);
    this.name = 'MedrecError';
    this.contract = contract;
    this.call = call;
    this.kind = kind;
    this.variant = variant;
    this.dispatchError = dispatchError;
    this.gasRequired = gasRequired;
    this.details = details;
  }
}

/** Name of an enum value: `ConsentRequired`, or `Variant(<json>)` when it carries data. */
export function variantName(value) {
  if (value instanceof Enum) {
    return value.isBasic || value.value instanceof Null ? value.type : `${value.type}(${JSON.stringify(toPlain(value.value))})`;
  }
  return value?.toString?.() ?? String(value);
}

/**
 * Splits a message's decoded output (`Result<R, LangError>`, where R is
 * `Result<T, Error>` for fallible messages) into {ok, value, codec} or
 * {ok: false, kind, variant}.
 * In JSON terms (polkadot.js toJSON, lower-case keys):
 *   {ok: {ok: T}}         success of a fallible message
 *   {ok: {err: "Name"}}   the contract's Err(Name)
 *   {ok: T}               success of an infallible message
 *   {err: "Name"}         LangError::Name
 */
export function splitOutput(output) {
  if (!(output instanceof Result)) {
    return { ok: true, value: output == null ? null : toPlain(output), codec: output };
  }
  if (output.isErr) {
    return { ok: false, kind: 'LangError', variant: variantName(output.asErr) };
  }
  const inner = output.asOk;
  if (inner instanceof Result) {
    if (inner.isErr) {
      return { ok: false, kind: 'ContractError', variant: variantName(inner.asErr) };
    }
    return { ok: true, value: toPlain(inner.asOk), codec: inner.asOk };
  }
  return { ok: true, value: toPlain(inner), codec: inner };
}

/** `section.Name` of a DispatchError (module errors looked up in the chain's metadata). */
export function dispatchErrorName(registry, dispatchError) {
  if (dispatchError.isModule) {
    try {
      const { section, name } = registry.findMetaError(dispatchError.asModule);
      return `${section}.${name}`;
    } catch {
      return `Module(${JSON.stringify(dispatchError.asModule.toJSON())})`;
    }
  }
  if (dispatchError instanceof Enum && !dispatchError.isBasic && !(dispatchError.value instanceof Null)) {
    return `${dispatchError.type}.${variantName(dispatchError.value)}`;
  }
  return dispatchError.type ?? dispatchError.toString();
}

/**
 * Whether ExecReturnValue.flags has REVERT (bit 0). polkadot.js types it as a
 * Set with `isRevert` (its static ContractReturnFlags) or, when the runtime
 * APIs come from the chain's metadata v15 (contracts-node 0.42 does), as the
 * struct `pallet_contracts_uapi::flags::ReturnFlags { bits: u32 }`.
 */
export function isRevert(flags) {
  if (flags == null) return false;
  if (typeof flags.isRevert === 'boolean') return flags.isRevert;
  const bits = flags instanceof Struct ? flags.get('bits') : undefined;
  if (bits != null) return (BigInt(bits.toString()) & 1n) === 1n;
  if (typeof flags.toBigInt === 'function') return (flags.toBigInt() & 1n) === 1n;
  if (typeof flags.toNumber === 'function') return (flags.toNumber() & 1) === 1;
  return false;
}

/**
 * Interprets a dry run (`contract.query[...]` result: {result, output,
 * gasRequired, storageDeposit}). Returns {ok: true, value, codec} or
 * {ok: false, error: MedrecError}.
 */
export function interpretDryRun({ contract, message, dryRun, registry }) {
  const call = `${contract}.${message}`;
  const gasRequired = weightOf(dryRun.gasRequired);
  if (dryRun.result.isErr) {
    const name = dispatchErrorName(registry, dryRun.result.asErr);
    return {
      ok: false,
      error: new MedrecError(`${call}: ${name}`, { contract, call: message, kind: 'DispatchError', variant: name, dispatchError: name, gasRequired }),
    };
  }
  const split = splitOutput(dryRun.output);
  if (!split.ok) {
    return {
      ok: false,
      error: new MedrecError(`${call}: ${split.variant}`, { contract, call: message, kind: split.kind, variant: split.variant, gasRequired }),
    };
  }
  if (isRevert(dryRun.result.asOk.flags)) {
    const data = dryRun.result.asOk.data.toHex();
    return {
      ok: false,
      error: new MedrecError(`${call}: Reverted (output ${data})`, { contract, call: message, kind: 'Reverted', variant: 'Reverted', gasRequired, details: data }),
    };
  }
  return { ok: true, value: split.value, codec: split.codec };
}

function snakeKey(k) {
  return k.replace(/_+$/, '').replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * A codec as plain JSON-safe data: integers up to 32 bits as numbers, wider
 * ones (u64, u128, timestamps, balances) as decimal strings; byte arrays and
 * Vec<u8> as 0x-hex; AccountId as SS58; unit enum variants as their name,
 * others as {Name: value}; Option as value or null; Result as {Ok}/{Err};
 * struct fields in snake_case as in the contracts' Rust code.
 */
export function toPlain(codec) {
  if (codec == null) return null;
  if (codec instanceof GenericAccountId) return codec.toString();
  if (codec instanceof Option) return codec.isSome ? toPlain(codec.unwrap()) : null;
  if (codec instanceof Result) return codec.isOk ? { Ok: toPlain(codec.asOk) } : { Err: toPlain(codec.asErr) };
  if (codec instanceof Enum) {
    return codec.isBasic || codec.value instanceof Null ? codec.type : { [codec.type]: toPlain(codec.value) };
  }
  if (codec instanceof Raw) return codec.toHex();
  if (codec instanceof Bool) return codec.isTrue;
  if (codec instanceof Text) return codec.toString();
  if (codec instanceof Null) return null;
  if (codec instanceof Struct) {
    const out = {};
    for (const [k, v] of codec.entries()) out[snakeKey(k)] = toPlain(v);
    return out;
  }
  if (Array.isArray(codec)) return codec.map(toPlain);
  if (typeof codec.toBigInt === 'function' && typeof codec.bitLength === 'function') {
    return codec.bitLength() <= 32 ? codec.toNumber() : codec.toBigInt().toString();
  }
  if (typeof codec.unwrap === 'function') return toPlain(codec.unwrap()); // Compact
  return codec.toJSON();
}

/** {refTime, proofSize} of a Weight(V2) codec, as decimal strings. */
export function weightOf(w) {
  if (!w) return null;
  return { refTime: w.refTime.toBigInt().toString(), proofSize: w.proofSize.toBigInt().toString() };
}

/** A StorageDeposit as a signed decimal string in plancks: charge "123", refund "-123". */
export function depositOf(sd) {
  if (!sd) return null;
  if (sd.isCharge) return sd.asCharge.toBigInt().toString();
  if (sd.isRefund) {
    const v = sd.asRefund.toBigInt();
    return v === 0n ? '0' : `-${v}`;
  }
  return sd.toString();
}

/** 1234567 or "1234567" -> "1,234,567" (for printing only). */
export function group(n) {
  const s = BigInt(n).toString();
  const neg = s.startsWith('-');
  const digits = neg ? s.slice(1) : s;
  return (neg ? '-' : '') + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
