// The browser-safe client core shared by the web app (web/) and the Node
// client (client/lib/medrec.js adds the file system, the environment and
// the CLI's defaults). Nothing here imports node:*, reads process.env or a
// file: metadata JSON, addresses and endpoints come in as arguments.

export * from './accounts.js';
export * from './chain.js';
export * from './codec.js';
export * from './contracts.js';
export * from './explain.js';
export * from './gateway.js';
export * from './hash.js';
export * from './medrec.js';
export { ERROR_TEXTS } from './error-texts.js';
