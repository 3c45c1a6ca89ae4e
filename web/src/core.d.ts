// Types for the shared client core (client/lib/core, plain JavaScript),
// as far as the web app uses it.
import type { ApiPromise } from '@polkadot/api';
import type { KeyringPair } from '@polkadot/keyring/types';

export interface Weight { refTime: string; proofSize: string }
export interface ContractEvent { contract: string; name: string | null; args: Record<string, any> | null; data?: string }

export declare class MedrecError extends Error {
  contract: string | null;
  call: string | null;
  kind: string;
  variant: string;
  gasRequired: Weight | null;
}

export interface Bundle { name: string; json: any; abi: any; codeHash: string | null; wasm: string | null; hotShell: { codeHash: string; wasm: string | null } | null }
export interface ContractInfo { key: 'accessControl' | 'patientConsent' | 'recordManagement'; crate: string; snake: string }
export declare const CONTRACTS: ContractInfo[];
export declare const DEV_NAMES: string[];
export declare function bundleFromJson(name: string, json: any, chainProperties?: any): Bundle;
export declare function connect(ws: string, opts?: { timeoutMs?: number; hint?: string }): Promise<ApiPromise>;
export declare function cryptoReady(): Promise<boolean>;
export declare function signer(uri: string): KeyringPair;
export declare function sameAccount(a: string | null | undefined, b: string | null | undefined): boolean;
export declare function pubkeyHex(address: string): string;
export declare function group(n: string | number | bigint): string;
export declare function dataHash(bytes: Uint8Array): string;
export declare function sha256(bytes: Uint8Array): Uint8Array;
export declare function chainHashes(contract: string, patient: string, entries: any[], opts?: { start?: bigint; prev?: Uint8Array }): { hashes: string[]; brokenAt: bigint | null; last: string };
export declare function toPlain(codec: any): any;
export declare function explainError(error: any): { name: string; text: string };

/** A keyring pair, or an extension account with its injected signer. */
export type TxSigner = KeyringPair | { address: string; signer: any };

export interface Preview {
  ok: boolean;
  value: any;
  error?: MedrecError;
  label: string;
  contract: string;
  message: string;
  gasRequired: Weight | null;
  gasConsumed: Weight | null;
  storageDeposit: string | null;
  fee: string | null;
}

export interface TxResult {
  contract: string;
  message: string;
  value: any;
  gasRequired: Weight | null;
  storageDeposit: string | null;
  events: ContractEvent[];
  blockHash: string;
  finalized: boolean;
  txHash: string;
}

export type Stage = 'signing' | 'broadcast' | 'inBlock' | 'finalized';

export declare class Medrec {
  constructor(api: ApiPromise, addresses: Record<string, string>, opts: { bundles: Record<string, Bundle> });
  api: ApiPromise;
  addresses: Record<string, string>;
  checkDeployed(): Promise<Record<string, string>>;
  query(contract: string, message: string, caller: string | null, ...args: any[]): Promise<any>;
  queryCodec(contract: string, message: string, caller: string | null, ...args: any[]): Promise<any>;
  preview(opts: { contract: string; message: string; signer: TxSigner | string; args: any[]; fee?: boolean }): Promise<Preview>;
  sendPrepared(p: Preview, who: TxSigner, opts?: { onStatus?: (s: Stage, res?: any) => void; waitFor?: 'inBlock' | 'finalized' }): Promise<TxResult>;
  auditHead(patient: string): Promise<{ len: string; head: string }>;
}

export interface GatewayCaller { address: string; sign: (bytes: Uint8Array) => Promise<Uint8Array> }
export declare function pairSigner(pair: KeyringPair): GatewayCaller;
export declare function extensionSigner(address: string, injectedSigner: any): GatewayCaller;
export declare class GatewayError extends Error {
  status: number;
  code: string;
  plain: string;
}
/** What each refusal code of the gateway means, in plain words. */
export declare const GATEWAY_CODES: Record<string, string>;
export interface LogEntry { seq: number; at: number; event: string; fields: Record<string, string>; prev: string; hash: string }
export declare function logEntryHash(entry: LogEntry, prevHex?: string): string;
export declare function verifyLogEntries(entries: LogEntry[], prevHex?: string | null): { ok: boolean; checked: number; brokenAt: number | null; reason: string | null };
export declare class Gateway {
  constructor(url: string, opts?: { finalityWaitMs?: number; pollMs?: number });
  url: string;
  info(): Promise<{ service: string; version: string; x25519_public_key: string; publicKey: Uint8Array; [k: string]: any }>;
  upload(caller: GatewayCaller, ciphertext: Uint8Array): Promise<{ data_hash: string; new: boolean }>;
  deposit(caller: GatewayCaller, dataHash: string | Uint8Array, sealedKey: Uint8Array): Promise<{ key_id: string; [k: string]: any }>;
  bind(caller: GatewayCaller, patient: string, recordId: string | number): Promise<{ record_id: string | number; [k: string]: any }>;
  /** `version`: an earlier version of the record (the patient's own reads only, each once per read). */
  release(caller: GatewayCaller, proof: { patient: string; recordId: string | number; auditIndex: string | number; wrapTo: Uint8Array; version?: number }): Promise<{ wrapped: Uint8Array; block?: any; [k: string]: any }>;
  fetchCiphertext(caller: GatewayCaller, proof: { patient: string; recordId: string | number; auditIndex: string | number; version?: number }): Promise<Uint8Array>;
  log(caller: GatewayCaller, page?: { from?: number; limit?: number }): Promise<{ entries: LogEntry[]; total: number; next: number | null }>;
}
