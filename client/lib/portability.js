// Data portability from Node: the browser-safe core (core/portability.js,
// core/fhir.js) with the file system: the archive as a tar file, the export
// key as a file, the import's state beside the archive.
//
//   const { publicKey, secretKey } = readExportKey('ferdie-export.key');
//   const r = await exportToFile({ medrec, gateway, signer, exportPublicKey: publicKey, out });
//   const v = await verifyFile(out, { importer, exportSecretKey: secretKey });      // sends nothing
//   const report = await importFromFile(out, { medrec, gateway, signer, exportSecretKey: secretKey, withConsents });

import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

import { openTar, writeTar } from './archive.js';
import { exportPatient, importPatient, verifyArchive } from './core/portability.js';
import * as vault from './vault.js';

export { PortabilityError, describe as describeImport, verifyTrail } from './core/portability.js';

/** The vault operations the core takes, from the Node build of medvault. */
export const nodeVault = {
  generateKeyPair: vault.generateKeyPair,
  wrapKey: vault.wrapKey,
  unwrapKey: vault.unwrapKey,
  keyId: vault.keyId,
  openBytes: vault.openBytes,
  sealBytes: (b) => vault.sealBytes(b),
  publicKeyOf: (secret) => Buffer.from(vault.core.publicKey(secret)),
};

/** An export key pair: the secret from its file (32 raw bytes, as `medvault keygen` writes), the public derived. */
export function readExportKey(file) {
  const secretKey = vault.readSecretKey(resolve(file));
  return { secretKey, publicKey: nodeVault.publicKeyOf(secretKey) };
}

/** Writes a new export secret key to `file` (which must not exist, mode 0600); returns the public key. */
export function newExportKey(file) {
  mkdirSync(dirname(resolve(file)), { recursive: true });
  return vault.keygen(resolve(file));
}

/** The order files go into the tar: the manifest first, so `tar -tvf | head` shows what it is. */
function tarOrder(paths) {
  const rank = (p) => ['manifest.json', 'manifest.sig', 'bundle.json', 'audit/trail.json'].indexOf(p);
  return [...paths].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    if (ra !== -1 || rb !== -1) return (ra === -1 ? 99 : ra) - (rb === -1 ? 99 : rb);
    return a < b ? -1 : 1;
  });
}

/**
 * Exports the signer's record to the tar `out` (which must not exist):
 * files are staged in a private folder beside it and the tar is renamed into
 * place only when complete. Returns exportPatient's result with `out`.
 */
export async function exportToFile({ medrec, gateway, signer, caller, exportPublicKey, out, log, genesisHash }) {
  const target = resolve(out);
  if (existsSync(target)) throw new Error(`${target} exists; name a new file`);
  mkdirSync(dirname(target), { recursive: true });
  const stage = mkdtempSync(join(dirname(target), `.${basename(target)}.`));
  try {
    const sink = async (path, bytes) => {
      const f = join(stage, 'files', path);
      mkdirSync(dirname(f), { recursive: true });
      writeFileSync(f, bytes, { mode: 0o600, flag: 'wx' });
    };
    const result = await exportPatient({ medrec, gateway, signer, caller, vault: nodeVault, exportPublicKey, genesisHash, sink, log });
    const paths = tarOrder(result.manifest.files.map((f) => f.path).concat(['manifest.json', 'manifest.sig']));
    const tmp = join(stage, 'archive.tar');
    await writeTar(tmp, paths.map((p) => ({ path: p, file: join(stage, 'files', p) })));
    renameSync(tmp, target);
    return { ...result, out: target };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** Opens and verifies the archive at `file` for `importer`; sends nothing. Returns verifyArchive's result with the open archive. */
export async function verifyFile(file, { importer, exportSecretKey }) {
  const archive = openTar(resolve(file));
  try {
    const verified = await verifyArchive(archive, { importer, exportSecretKey, vault: nodeVault });
    return { archive, verified };
  } catch (e) {
    archive.close();
    throw e;
  }
}

/** Where an import keeps its state for `deploymentKey` (the sealed historical document): beside the archive. */
export function stateDir(file, deploymentKey) {
  return `${resolve(file)}.import-state/${deploymentKey}`;
}

function fileState(dir) {
  return {
    async get(name) {
      const f = join(dir, name);
      return existsSync(f) ? new Uint8Array(readFileSync(f)) : null;
    },
    async set(name, bytes) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const f = join(dir, name);
      writeFileSync(`${f}.tmp`, bytes, { mode: 0o600 });
      renameSync(`${f}.tmp`, f);
    },
  };
}

/**
 * Verifies the archive, then imports it (see core importPatient). Nothing
 * is sent unless every check passed. `confirm(plan)` (optional) is asked
 * after verification with what will be sent; false stops before sending.
 */
export async function importFromFile(file, { medrec, gateway, signer, caller, exportSecretKey, withConsents = false, log, confirm, state }) {
  const { archive, verified } = await verifyFile(file, { importer: signer.address ?? signer, exportSecretKey });
  try {
    if (confirm && !(await confirm(verified))) return null;
    return await importPatient({
      medrec,
      gateway,
      signer,
      caller,
      vault: nodeVault,
      exportSecretKey,
      archive,
      verified,
      withConsents,
      state: fileState(state ?? stateDir(file, medrec.addresses.recordManagement)),
      log,
    });
  } finally {
    archive.close();
  }
}
