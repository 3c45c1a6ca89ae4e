// Plain words for a refusal: the contract's error by name, with the doc
// comment its Rust source gives it (error-texts.js, generated), or what a
// runtime or transaction error means.

import { ERROR_TEXTS } from './error-texts.js';
import { findContract } from './contracts.js';

const DISPATCH_TEXTS = {
  'contracts.OutOfGas': 'The call ran out of gas.',
  'contracts.ContractTrapped': 'The contract trapped (a bug or a failed cross-contract call).',
  'contracts.ContractReverted': 'The contract refused the call and reverted it.',
  'contracts.StorageDepositLimitExhausted': 'The storage deposit limit was too low for what the call stores.',
  'contracts.StorageDepositNotEnoughFunds': 'The account cannot pay the storage deposit.',
  'contracts.ContractNotFound': 'No contract at that address on this chain (deploy again).',
  'balances.InsufficientBalance': 'The account cannot pay for this.',
  Timeout: 'The transaction was not included in time.',
  Invalid: 'The node refused the transaction as invalid (for instance, the account cannot pay the fee).',
  Dropped: 'The node dropped the transaction.',
  Rejected: 'The transaction was not signed or not sent (the wallet refused, or the node is unreachable).',
};

/**
 * {name, text}: `name` the error as the chain names it (`ConsentRequired`,
 * `contracts.OutOfGas`), `text` what it means in plain words.
 */
export function explainError(error) {
  if (!error) return { name: 'Unknown', text: 'Unknown error.' };
  const name = error.variant ?? error.code ?? error.name ?? 'Error';
  if (error.kind === 'ContractError') {
    const c = findContract(error.contract);
    const text = (c && ERROR_TEXTS[c.crate]?.[name]) ?? `The contract refused the call (${name}).`;
    return { name, text };
  }
  if (error.kind === 'LangError') return { name, text: `The contract could not decode the call (ink! ${name}): the app and the deployed contract disagree.` };
  if (error.kind === 'Reverted') return { name, text: 'The contract reverted the call without a readable error.' };
  if (error.kind === 'DispatchError' || error.kind === 'Transaction') {
    return { name, text: DISPATCH_TEXTS[name] ?? `The chain refused the call (${name}).` };
  }
  if (error.name === 'GatewayError') return { name: error.code, text: `The gateway refused: ${error.plain}.` };
  return { name, text: String(error.message ?? error).split('\n')[0] };
}
