// A patient's chain data as a FHIR R4 Bundle (type `collection`), and back.
// Browser-safe: plain objects in, plain objects out.
//
// The model (what export collects from the chain, what import acts on):
//
//   { patient: SS58,
//     deployment: {genesisHash, accessControl, patientConsent, recordManagement},
//     exportedAt: ms,
//     records: [{recordId, recordType, mimeCode, confidentiality, status,
//                patientAuthored, createdBy, createdAt, retentionUntil,
//                versions: [{version, dataHash, keyId, size, author, at}]}],
//     consents: [{provider, dataType, purposes, grantedAt, expiresAt,
//                 grantedBy, requestId, status}],
//     permissions: [{provider, recordType, level, grantedBy, grantedAt,
//                    expiresAt, quota, readsUsed, bytesUsed, requestId,
//                    revokedAt, status}],
//     delegations: [{delegate, kind, addedAt, expiresAt, active}],
//     audit: [{index, actor, action, recordId, subject, recordType, purpose,
//              status, at, prevHash, hash}] }
//
// Hashes and key ids are lower-case hex without 0x; times are decimal
// strings of milliseconds (u64 on the chain), as the chain's values are.
// modelToBundle and bundleToModel are inverse: bundleToModel(modelToBundle(m))
// equals m, so the FHIR bundle is the whole interchange format.
//
// Systems this project defines (documented in the README):
//   urn:medrec:account            Identifier: an account, SS58 (prefix 42)
//   urn:medrec:record             Identifier: <record-management SS58>/<record id>
//   urn:medrec:record-version     Identifier: <record-management SS58>/<record id>/<version>
//   urn:medrec:sha256             Identifier: SHA-256 of a ciphertext (hex), the
//                                 DocumentReference's masterIdentifier (FHIR's
//                                 Attachment.hash is SHA-1)
//   urn:medrec:key-id             Identifier: the data key's id (hex)
//   urn:medrec:contract           Identifier: a contract's SS58 address
//   urn:medrec:audit-entry        Identifier: <record-management SS58>/<patient SS58>/<index>
//   urn:medrec:record-type        CodeSystem: BasicInfo ... EmergencyContacts
//   urn:medrec:data-type          CodeSystem: medical-records ... all
//   urn:medrec:record-status      CodeSystem: Active, Archived, Deleted, Locked, UnderReview
//   urn:medrec:audit-action       CodeSystem: Created, Read, EmergencyRead, ...
//   urn:medrec:access-level       CodeSystem: Read, Write, Admin
//   urn:medrec:grant-kind         CodeSystem: consent, permission
//   urn:medrec:grant-status       CodeSystem: Active, Expired, Revoked, QuotaUsedUp
//   urn:medrec:mime-code          CodeSystem: the record's media type number (0 = unknown)
//   urn:medrec:fhir:<name>        Extensions (quota, retention-until, ...)

import { u8aToHex } from '@polkadot/util';
import { sha256AsU8a } from '@polkadot/util-crypto';

export const SYS = {
  account: 'urn:medrec:account',
  record: 'urn:medrec:record',
  recordVersion: 'urn:medrec:record-version',
  sha256: 'urn:medrec:sha256',
  keyId: 'urn:medrec:key-id',
  contract: 'urn:medrec:contract',
  auditEntry: 'urn:medrec:audit-entry',
  recordType: 'urn:medrec:record-type',
  dataType: 'urn:medrec:data-type',
  recordStatus: 'urn:medrec:record-status',
  auditAction: 'urn:medrec:audit-action',
  accessLevel: 'urn:medrec:access-level',
  grantKind: 'urn:medrec:grant-kind',
  grantStatus: 'urn:medrec:grant-status',
  mimeCode: 'urn:medrec:mime-code',
  actReason: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
  confidentiality: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality',
  consentScope: 'http://terminology.hl7.org/CodeSystem/consentscope',
  consentAction: 'http://terminology.hl7.org/CodeSystem/consentaction',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  roleCode: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode',
  participationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  dataOperation: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation',
  provenanceParticipant: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type',
  dicom: 'http://dicom.nema.org/resources/ontology/DCM',
  loinc: 'http://loinc.org',
};

const EXT = (name) => `urn:medrec:fhir:${name}`;

/** Purpose of use (contracts/types Purpose) -> HL7 v3 ActReason, as Purpose::hl7_code. */
export const PURPOSE_CODES = {
  Treatment: 'TREAT',
  EmergencyTreatment: 'ETREAT',
  Payment: 'HPAYMT',
  Operations: 'HOPERAT',
  Research: 'HRESCH',
  PatientRequest: 'PATRQT',
  PublicHealth: 'PUBHLTH',
};
const PURPOSE_DISPLAY = {
  TREAT: 'treatment',
  ETREAT: 'Emergency Treatment',
  HPAYMT: 'healthcare payment',
  HOPERAT: 'healthcare operations',
  HRESCH: 'healthcare research',
  PATRQT: 'patient requested',
  PUBHLTH: 'public health',
};
/** Break the glass (v3-ActReason BTG): every emergency read carries it. */
export const BTG = { system: SYS.actReason, code: 'BTG', display: 'break the glass' };

/** record-management's Confidentiality -> v3-Confidentiality. */
export const CONFIDENTIALITY_CODES = { Normal: 'N', Restricted: 'R', HighlyRestricted: 'V' };
const CONFIDENTIALITY_DISPLAY = { N: 'normal', R: 'restricted', V: 'very restricted' };

export const RECORD_TYPES = ['BasicInfo', 'Vitals', 'Diagnosis', 'Medications', 'LabResults', 'Imaging', 'Procedures', 'Allergies', 'Immunizations', 'MentalHealth', 'GeneticData', 'Insurance', 'EmergencyContacts'];
/** DataType -> its code (DataType::code). */
export const DATA_TYPE_CODES = {
  MedicalRecords: 'medical-records',
  LabResults: 'lab-results',
  Prescriptions: 'prescriptions',
  Imaging: 'imaging',
  EmergencyInfo: 'emergency-info',
  MentalHealth: 'mental-health',
  Genetic: 'genetic',
  Financial: 'financial',
  All: 'all',
};
export const RECORD_STATUSES = ['Active', 'Archived', 'Deleted', 'Locked', 'UnderReview'];
export const AUDIT_ACTIONS = ['Created', 'Read', 'EmergencyRead', 'Updated', 'StatusChanged', 'Locked', 'Unlocked', 'Deleted', 'PermissionGranted', 'PermissionRevoked', 'RecordShared', 'RecordUnshared'];
/** Audit action -> AuditEvent.action (C create, R read, U update, D delete, E execute). */
const AUDIT_EVENT_ACTION = {
  Created: 'C',
  Read: 'R',
  EmergencyRead: 'R',
  Updated: 'U',
  StatusChanged: 'U',
  Locked: 'U',
  Unlocked: 'U',
  Deleted: 'D',
  PermissionGranted: 'E',
  PermissionRevoked: 'E',
  RecordShared: 'E',
  RecordUnshared: 'E',
};
const ACCESS_LEVEL_ACTION = { Read: 'access', Write: 'correct', Admin: 'disclose' };
const DELEGATE_ROLE = { Guardian: ['GUARD', 'guardian'], PowerOfAttorney: ['POWATT', 'power of attorney'] };

const invert = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [Array.isArray(v) ? v[0] : v, k]));
const PURPOSE_OF = invert(PURPOSE_CODES);
const CONFIDENTIALITY_OF = invert(CONFIDENTIALITY_CODES);
const DATA_TYPE_OF = invert(DATA_TYPE_CODES);
const LEVEL_OF = invert(ACCESS_LEVEL_ACTION);
const DELEGATE_KIND_OF = invert(DELEGATE_ROLE);

/** An error in a bundle: what is wrong and where. */
export class FhirError extends Error {
  constructor(message) {
    super(message);
    this.name = 'FhirError';
    this.code = 'BundleInvalid';
  }
}

/** ms (decimal string or number) -> FHIR instant. */
export function instant(ms) {
  return new Date(Number(ms)).toISOString();
}

/** FHIR instant/dateTime -> ms as a decimal string. */
export function millis(iso, where) {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) throw new FhirError(`${where}: not a time: ${JSON.stringify(iso)}`);
  return String(t);
}

/** A stable urn:uuid for a resource: SHA-256 of its kind and key, laid out as a UUID (version 8, RFC 9562). */
export function stableUuid(...parts) {
  const h = u8aToHex(sha256AsU8a(new TextEncoder().encode(parts.join('\u0000')))).slice(2, 34).split('');
  h[12] = '8';
  h[16] = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

const coding = (system, code, display) => (display ? { system, code, display } : { system, code });
const purposeCoding = (p) => {
  const code = PURPOSE_CODES[p];
  if (!code) throw new FhirError(`unknown purpose ${JSON.stringify(p)}`);
  return coding(SYS.actReason, code, PURPOSE_DISPLAY[code]);
};
const ident = (system, value) => ({ system, value: String(value) });
const ext = (name, value) => ({ url: EXT(name), ...value });

/** A reference to an account by identifier; the patient by its resource. */
function accountRef(ctx, account, type = 'Practitioner') {
  if (account === ctx.patient) return { reference: ctx.patientUrl, type: 'Patient' };
  if (ctx.delegates.has(account)) return { type: 'RelatedPerson', identifier: ident(SYS.account, account) };
  return { type, identifier: ident(SYS.account, account) };
}

const recordKey = (model, id) => `${model.deployment.recordManagement}/${id}`;
const urlOf = (...parts) => `urn:uuid:${stableUuid(...parts)}`;

/** The Bundle for a model. */
export function modelToBundle(model) {
  const dep = model.deployment;
  const ctx = {
    patient: model.patient,
    patientUrl: urlOf('Patient', model.patient),
    delegates: new Set(model.delegations.map((d) => d.delegate)),
  };
  const entry = [];
  const add = (url, resource) => entry.push({ fullUrl: url, resource: { resourceType: resource.resourceType, id: url.slice(9), ...resource } });

  add(ctx.patientUrl, {
    resourceType: 'Patient',
    identifier: [ident(SYS.account, model.patient)],
    active: true,
  });

  for (const d of model.delegations) {
    const [code, display] = DELEGATE_ROLE[d.kind] ?? [];
    if (!code) throw new FhirError(`unknown delegate kind ${JSON.stringify(d.kind)}`);
    add(urlOf('RelatedPerson', model.patient, d.delegate), {
      resourceType: 'RelatedPerson',
      identifier: [ident(SYS.account, d.delegate)],
      active: d.active,
      patient: { reference: ctx.patientUrl },
      relationship: [{ coding: [coding(SYS.roleCode, code, display)] }],
      period: { start: instant(d.addedAt), end: instant(d.expiresAt) },
    });
  }

  for (const c of model.consents) {
    add(urlOf('Consent', dep.patientConsent, model.patient, c.provider, c.dataType), {
      resourceType: 'Consent',
      meta: { tag: [coding(SYS.grantStatus, c.status)] },
      status: c.status === 'Active' ? 'active' : 'inactive',
      scope: { coding: [coding(SYS.consentScope, 'patient-privacy', 'Privacy Consent')] },
      category: [
        { coding: [coding(SYS.loinc, '59284-0', 'Patient Consent')] },
        { coding: [coding(SYS.grantKind, 'consent')] },
      ],
      patient: { reference: ctx.patientUrl },
      dateTime: instant(c.grantedAt),
      performer: [accountRef(ctx, c.grantedBy)],
      ...(c.requestId != null ? { identifier: [ident('urn:medrec:access-request', `${dep.patientConsent}/${c.requestId}`)] } : {}),
      policyRule: { coding: [coding(SYS.actCode, 'OPTIN', 'opt-in')] },
      provision: {
        type: 'permit',
        period: { start: instant(c.grantedAt), end: instant(c.expiresAt) },
        actor: [{ role: { coding: [coding(SYS.participationType, 'IRCP', 'information recipient')] }, reference: accountRef(ctx, c.provider) }],
        purpose: c.purposes.map(purposeCoding),
        class: [coding(SYS.dataType, DATA_TYPE_CODES[c.dataType] ?? bad('data type', c.dataType))],
      },
    });
  }

  for (const p of model.permissions) {
    const extension = [ext('reads-used', { valueUnsignedInt: p.readsUsed }), ext('bytes-used', { valueString: String(p.bytesUsed) })];
    if (p.quota) {
      extension.push(ext('quota', {
        extension: [
          ...(p.quota.max_reads != null ? [ext('max-reads', { valueUnsignedInt: p.quota.max_reads })] : []),
          ...(p.quota.max_bytes != null ? [ext('max-bytes', { valueString: String(p.quota.max_bytes) })] : []),
        ],
      }));
    }
    if (p.revokedAt != null) extension.push(ext('revoked-at', { valueInstant: instant(p.revokedAt) }));
    add(urlOf('Permission', dep.recordManagement, model.patient, p.provider, p.recordType), {
      resourceType: 'Consent',
      meta: { tag: [coding(SYS.grantStatus, p.status)] },
      extension,
      status: p.status === 'Active' ? 'active' : 'inactive',
      scope: { coding: [coding(SYS.consentScope, 'patient-privacy', 'Privacy Consent')] },
      category: [
        { coding: [coding(SYS.loinc, '59284-0', 'Patient Consent')] },
        { coding: [coding(SYS.grantKind, 'permission')] },
      ],
      patient: { reference: ctx.patientUrl },
      dateTime: instant(p.grantedAt),
      performer: [accountRef(ctx, p.grantedBy)],
      ...(p.requestId != null ? { identifier: [ident('urn:medrec:access-request', `${dep.patientConsent}/${p.requestId}`)] } : {}),
      policyRule: { coding: [coding(SYS.actCode, 'OPTIN', 'opt-in')] },
      provision: {
        type: 'permit',
        period: { start: instant(p.grantedAt), ...(p.expiresAt != null ? { end: instant(p.expiresAt) } : {}) },
        actor: [{ role: { coding: [coding(SYS.participationType, 'IRCP', 'information recipient')] }, reference: accountRef(ctx, p.provider) }],
        action: [{ coding: [coding(SYS.consentAction, ACCESS_LEVEL_ACTION[p.level] ?? bad('access level', p.level)), coding(SYS.accessLevel, p.level)] }],
        class: [coding(SYS.recordType, p.recordType)],
      },
    });
  }

  for (const r of model.records) {
    if (!RECORD_TYPES.includes(r.recordType)) bad('record type', r.recordType);
    const conf = CONFIDENTIALITY_CODES[r.confidentiality] ?? bad('confidentiality', r.confidentiality);
    let previous = null;
    r.versions.forEach((v, i) => {
      const current = i === r.versions.length - 1;
      const url = urlOf('DocumentReference', dep.recordManagement, r.recordId, v.version);
      const extension = [
        ext('version', { valueUnsignedInt: v.version }),
        ext('patient-authored', { valueBoolean: r.patientAuthored }),
        ext('created', { valueInstant: instant(r.createdAt) }),
        ext('created-by', { valueIdentifier: ident(SYS.account, r.createdBy) }),
        ext('retention-until', { valueInstant: instant(r.retentionUntil) }),
      ];
      add(url, {
        resourceType: 'DocumentReference',
        meta: { tag: [coding(SYS.recordStatus, current ? r.status : 'Superseded')] },
        extension,
        masterIdentifier: ident(SYS.sha256, v.dataHash),
        identifier: [
          ident(SYS.record, recordKey(model, r.recordId)),
          ident(SYS.recordVersion, `${recordKey(model, r.recordId)}/${v.version}`),
          ident(SYS.keyId, v.keyId),
        ],
        status: !current ? 'superseded' : r.status === 'Deleted' ? 'entered-in-error' : 'current',
        type: { coding: [coding(SYS.recordType, r.recordType)] },
        subject: { reference: ctx.patientUrl },
        date: instant(v.at),
        author: [accountRef(ctx, v.author)],
        securityLabel: [{ coding: [coding(SYS.confidentiality, conf, CONFIDENTIALITY_DISPLAY[conf])] }],
        content: [{
          attachment: { contentType: 'application/octet-stream', url: `vault://sha256/${v.dataHash}`, size: v.size },
          format: coding(SYS.mimeCode, String(r.mimeCode)),
        }],
        ...(previous ? { relatesTo: [{ code: 'replaces', target: { reference: previous } }] } : {}),
      });
      add(urlOf('Provenance', dep.recordManagement, r.recordId, v.version), {
        resourceType: 'Provenance',
        target: [{ reference: url }],
        recorded: instant(v.at),
        activity: { coding: [i === 0 ? coding(SYS.dataOperation, 'CREATE', 'create') : coding(SYS.dataOperation, 'UPDATE', 'revise')] },
        agent: [{
          type: { coding: [coding(SYS.provenanceParticipant, 'author', 'Author')] },
          who: accountRef(ctx, v.author),
        }],
        ...(previous ? { entity: [{ role: 'revision', what: { reference: previous } }] } : {}),
      });
      previous = url;
    });
  }

  for (const a of model.audit) {
    const entities = [{
      what: { identifier: ident(SYS.auditEntry, `${dep.recordManagement}/${model.patient}/${a.index}`) },
      type: coding('http://terminology.hl7.org/CodeSystem/audit-entity-type', '4', 'Other'),
      detail: [
        { type: 'hash', valueBase64Binary: b64(a.hash) },
        { type: 'prev_hash', valueBase64Binary: b64(a.prevHash) },
      ],
    }];
    if (a.recordId != null) {
      entities.push({
        what: { identifier: ident(SYS.record, recordKey(model, a.recordId)) },
        type: coding('http://terminology.hl7.org/CodeSystem/audit-entity-type', '2', 'System Object'),
        ...(a.status != null ? { detail: [{ type: 'status', valueString: a.status }] } : {}),
      });
    }
    if (a.subject != null) {
      entities.push({
        what: accountRef(ctx, a.subject),
        type: coding('http://terminology.hl7.org/CodeSystem/audit-entity-type', '1', 'Person'),
        ...(a.recordType != null ? { detail: [{ type: 'record_type', valueString: a.recordType }] } : {}),
      });
    }
    const emergency = a.action === 'EmergencyRead';
    const purposeOfEvent = [];
    if (a.purpose != null) purposeOfEvent.push({ coding: [purposeCoding(a.purpose)] });
    if (emergency) purposeOfEvent.push({ coding: [BTG] });
    add(urlOf('AuditEvent', dep.recordManagement, model.patient, a.index), {
      resourceType: 'AuditEvent',
      ...(emergency ? { meta: { security: [BTG] } } : {}),
      type: coding(SYS.dicom, '110110', 'Patient Record'),
      subtype: [coding(SYS.auditAction, a.action)],
      action: AUDIT_EVENT_ACTION[a.action] ?? bad('audit action', a.action),
      recorded: instant(a.at),
      outcome: '0',
      ...(purposeOfEvent.length ? { purposeOfEvent } : {}),
      agent: [{ who: accountRef(ctx, a.actor), requestor: true }],
      source: { observer: { type: 'Device', identifier: ident(SYS.contract, dep.recordManagement), display: 'record-management' } },
      entity: entities,
    });
  }

  return {
    resourceType: 'Bundle',
    id: stableUuid('Bundle', dep.genesisHash, dep.recordManagement, model.patient, model.exportedAt),
    meta: { tag: [
      coding('urn:medrec:genesis-hash', dep.genesisHash),
      coding(SYS.contract, `accessControl=${dep.accessControl}`),
      coding(SYS.contract, `patientConsent=${dep.patientConsent}`),
      coding(SYS.contract, `recordManagement=${dep.recordManagement}`),
    ] },
    identifier: ident('urn:medrec:export', `${dep.recordManagement}/${model.patient}/${model.exportedAt}`),
    type: 'collection',
    timestamp: instant(model.exportedAt),
    entry,
  };
}

function bad(what, v) {
  throw new FhirError(`unknown ${what} ${JSON.stringify(v)}`);
}

const HEX = '0123456789abcdef';
function b64(hex) {
  const bytes = hex.match(/../g).map((x) => parseInt(x, 16));
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}
function unb64(s) {
  const bin = atob(s);
  let out = '';
  for (let i = 0; i < bin.length; i++) {
    const c = bin.charCodeAt(i);
    out += HEX[c >> 4] + HEX[c & 15];
  }
  return out;
}

// --- back: the bundle read as a model -------------------------------------

const one = (list, pred, where) => {
  const found = (list ?? []).filter(pred);
  if (found.length !== 1) throw new FhirError(`${where}: expected exactly one, found ${found.length}`);
  return found[0];
};
const identOf = (r, system, where) => one(r.identifier, (i) => i.system === system, `${where} identifier ${system}`).value;
const codeOf = (codings, system, where) => one(codings, (c) => c.system === system, `${where} coding ${system}`).code;
const extOf = (r, name) => (r.extension ?? []).find((e) => e.url === EXT(name));
const need = (v, where) => {
  if (v === undefined) throw new FhirError(`${where}: missing`);
  return v;
};

/** The account a reference names (the Patient resource or an identifier). */
function accountOf(ref, ctx, where) {
  if (!ref) throw new FhirError(`${where}: no reference`);
  if (ref.reference) {
    if (ref.reference !== ctx.patientUrl) throw new FhirError(`${where}: refers to ${ref.reference}, not the bundle's patient`);
    return ctx.patient;
  }
  if (ref.identifier?.system !== SYS.account || !ref.identifier.value) throw new FhirError(`${where}: no ${SYS.account} identifier`);
  return ref.identifier.value;
}

const tagOf = (r, system, where) => codeOf(r.meta?.tag, system, `${where} meta.tag`);
const recordIdOf = (value, dep, where) => {
  const m = /^(.+)\/(\d+)$/.exec(value);
  if (!m || m[1] !== dep.recordManagement) throw new FhirError(`${where}: record ${JSON.stringify(value)} is not of record-management ${dep.recordManagement}`);
  return m[2];
};

/**
 * The model a bundle holds (see the top of this file). Throws FhirError
 * naming the resource and field when the bundle is not one this module wrote.
 */
export function bundleToModel(bundle) {
  if (bundle?.resourceType !== 'Bundle' || bundle.type !== 'collection') throw new FhirError('not a FHIR Bundle of type collection');
  const tags = bundle.meta?.tag ?? [];
  const contract = (k) => {
    const t = tags.find((c) => c.system === SYS.contract && c.code.startsWith(`${k}=`));
    if (!t) throw new FhirError(`Bundle.meta.tag: no ${k} address`);
    return t.code.slice(k.length + 1);
  };
  const deployment = {
    genesisHash: codeOf(tags, 'urn:medrec:genesis-hash', 'Bundle.meta.tag'),
    accessControl: contract('accessControl'),
    patientConsent: contract('patientConsent'),
    recordManagement: contract('recordManagement'),
  };
  const resources = (bundle.entry ?? []).map((e, i) => {
    if (!e.resource || e.fullUrl !== `urn:uuid:${e.resource.id}`) throw new FhirError(`Bundle.entry[${i}]: fullUrl and resource id disagree`);
    return e;
  });
  const byType = (t) => resources.filter((e) => e.resource.resourceType === t);
  const patientEntry = one(resources, (e) => e.resource.resourceType === 'Patient', 'Bundle: Patient');
  const patient = identOf(patientEntry.resource, SYS.account, 'Patient');
  const ctx = { patient, patientUrl: patientEntry.fullUrl };
  const subjectIsPatient = (ref, where) => {
    if (ref?.reference !== ctx.patientUrl) throw new FhirError(`${where}: subject is not the bundle's patient`);
  };
  const exportedAt = millis(bundle.timestamp, 'Bundle.timestamp');

  const delegations = byType('RelatedPerson').map(({ resource: r }, i) => {
    const where = `RelatedPerson[${i}]`;
    subjectIsPatient(r.patient, where);
    return {
      delegate: identOf(r, SYS.account, where),
      kind: DELEGATE_KIND_OF[codeOf(r.relationship?.[0]?.coding, SYS.roleCode, where)] ?? bad('delegate role', r.relationship),
      addedAt: millis(r.period?.start, `${where}.period.start`),
      expiresAt: millis(r.period?.end, `${where}.period.end`),
      active: need(r.active, `${where}.active`),
    };
  });

  const consents = [];
  const permissions = [];
  byType('Consent').forEach(({ resource: r }, i) => {
    const where = `Consent[${i}]`;
    subjectIsPatient(r.patient, `${where}.patient`);
    const kind = codeOf(r.category?.flatMap((c) => c.coding ?? []), SYS.grantKind, where);
    const pv = r.provision ?? {};
    const provider = accountOf(pv.actor?.[0]?.reference, ctx, `${where}.provision.actor`);
    const grantedBy = accountOf(r.performer?.[0], ctx, `${where}.performer`);
    const requestIdent = (r.identifier ?? []).find((x) => x.system === 'urn:medrec:access-request');
    const requestId = requestIdent ? requestIdent.value.split('/').pop() : null;
    const status = tagOf(r, SYS.grantStatus, where);
    if (kind === 'consent') {
      consents.push({
        provider,
        dataType: DATA_TYPE_OF[codeOf(pv.class, SYS.dataType, `${where}.provision.class`)] ?? bad('data type', pv.class),
        purposes: (pv.purpose ?? []).map((c) => (c.system === SYS.actReason && PURPOSE_OF[c.code]) || bad('purpose', c)),
        grantedAt: millis(r.dateTime, `${where}.dateTime`),
        expiresAt: millis(pv.period?.end, `${where}.provision.period.end`),
        grantedBy,
        requestId,
        status,
      });
    } else if (kind === 'permission') {
      const quota = extOf(r, 'quota');
      const sub = (name) => quota?.extension?.find((e) => e.url === EXT(name));
      const revoked = extOf(r, 'revoked-at');
      const level = codeOf(pv.action?.[0]?.coding, SYS.accessLevel, `${where}.provision.action`);
      if (LEVEL_OF[codeOf(pv.action?.[0]?.coding, SYS.consentAction, `${where}.provision.action`)] !== level) throw new FhirError(`${where}.provision.action: the consent action does not match level ${level}`);
      const recordType = codeOf(pv.class, SYS.recordType, `${where}.provision.class`);
      if (!RECORD_TYPES.includes(recordType)) bad('record type', recordType);
      permissions.push({
        provider,
        recordType,
        level,
        grantedBy,
        grantedAt: millis(r.dateTime, `${where}.dateTime`),
        expiresAt: pv.period?.end ? millis(pv.period.end, `${where}.provision.period.end`) : null,
        quota: quota ? { max_reads: sub('max-reads')?.valueUnsignedInt ?? null, max_bytes: sub('max-bytes')?.valueString ?? null } : null,
        readsUsed: need(extOf(r, 'reads-used')?.valueUnsignedInt, `${where} reads-used`),
        bytesUsed: need(extOf(r, 'bytes-used')?.valueString, `${where} bytes-used`),
        requestId,
        revokedAt: revoked ? millis(revoked.valueInstant, `${where} revoked-at`) : null,
        status,
      });
    } else {
      throw new FhirError(`${where}: unknown grant kind ${JSON.stringify(kind)}`);
    }
  });

  const records = new Map();
  byType('DocumentReference').forEach(({ fullUrl, resource: r }, i) => {
    const where = `DocumentReference[${i}]`;
    subjectIsPatient(r.subject, `${where}.subject`);
    const recordId = recordIdOf(identOf(r, SYS.record, where), deployment, where);
    const version = need(extOf(r, 'version')?.valueUnsignedInt, `${where} version`);
    const vkey = identOf(r, SYS.recordVersion, where);
    if (vkey !== `${deployment.recordManagement}/${recordId}/${version}`) throw new FhirError(`${where}: version identifier ${vkey} does not match version ${version}`);
    if (r.masterIdentifier?.system !== SYS.sha256 || !/^[0-9a-f]{64}$/.test(r.masterIdentifier.value ?? '')) throw new FhirError(`${where}.masterIdentifier: not a ${SYS.sha256} hash`);
    const dataHash = r.masterIdentifier.value;
    const att = r.content?.[0]?.attachment ?? {};
    if (att.url !== `vault://sha256/${dataHash}`) throw new FhirError(`${where}: attachment url ${att.url} does not name its hash ${dataHash}`);
    const tag = tagOf(r, SYS.recordStatus, where);
    const conf = codeOf(r.securityLabel?.[0]?.coding, SYS.confidentiality, `${where}.securityLabel`);
    const createdBy = extOf(r, 'created-by')?.valueIdentifier;
    const rec = records.get(recordId) ?? {
      recordId,
      recordType: codeOf(r.type?.coding, SYS.recordType, `${where}.type`),
      mimeCode: Number(codeOf([r.content?.[0]?.format].filter(Boolean), SYS.mimeCode, `${where}.content.format`)),
      confidentiality: CONFIDENTIALITY_OF[conf] ?? bad('confidentiality', conf),
      status: null,
      patientAuthored: need(extOf(r, 'patient-authored')?.valueBoolean, `${where} patient-authored`),
      createdBy: createdBy?.system === SYS.account ? createdBy.value : bad('created-by', createdBy),
      createdAt: millis(extOf(r, 'created')?.valueInstant, `${where} created`),
      retentionUntil: millis(extOf(r, 'retention-until')?.valueInstant, `${where} retention-until`),
      versions: [],
      urls: [],
    };
    if (tag !== 'Superseded') {
      if (rec.status !== null) throw new FhirError(`${where}: record ${recordId} has two current versions`);
      rec.status = tag;
    }
    rec.versions.push({
      version,
      dataHash,
      keyId: identOf(r, SYS.keyId, where),
      size: need(att.size, `${where} attachment size`),
      author: accountOf(r.author?.[0], ctx, `${where}.author`),
      at: millis(r.date, `${where}.date`),
      url: fullUrl,
      replaces: r.relatesTo?.find((x) => x.code === 'replaces')?.target?.reference ?? null,
    });
    records.set(recordId, rec);
  });
  const out = [...records.values()].map((rec) => {
    rec.versions.sort((a, b) => a.version - b.version);
    rec.versions.forEach((v, i) => {
      if (v.version !== i + 1) throw new FhirError(`record ${rec.recordId}: versions are not 1..${rec.versions.length}`);
      if (v.replaces !== (i ? rec.versions[i - 1].url : null)) throw new FhirError(`record ${rec.recordId} version ${v.version}: relatesTo does not link the previous version`);
    });
    if (rec.status === null) throw new FhirError(`record ${rec.recordId}: no current version`);
    const { urls, ...rest } = rec;
    return { ...rest, versions: rest.versions.map(({ url, replaces, ...v }) => v) };
  });
  out.sort((a, b) => (BigInt(a.recordId) < BigInt(b.recordId) ? -1 : 1));

  const provenanced = new Set(byType('Provenance').map(({ resource: r }) => r.target?.[0]?.reference));
  for (const { fullUrl } of byType('DocumentReference')) {
    if (!provenanced.has(fullUrl)) throw new FhirError(`no Provenance for ${fullUrl}`);
  }

  const audit = byType('AuditEvent').map(({ resource: r }, i) => {
    const where = `AuditEvent[${i}]`;
    const [entry, ...rest] = r.entity ?? [];
    const key = entry?.what?.identifier;
    const m = key?.system === SYS.auditEntry ? /\/(\d+)$/.exec(key.value) : null;
    if (!m || key.value !== `${deployment.recordManagement}/${patient}/${m[1]}`) throw new FhirError(`${where}: no audit entry identifier of this patient's trail`);
    const detail = (name) => entry.detail?.find((d) => d.type === name)?.valueBase64Binary;
    const recordEntity = rest.find((e) => e.what?.identifier?.system === SYS.record);
    const subjectEntity = rest.find((e) => e !== recordEntity);
    const action = codeOf(r.subtype, SYS.auditAction, `${where}.subtype`);
    if (!AUDIT_ACTIONS.includes(action)) bad('audit action', action);
    const purposes = (r.purposeOfEvent ?? []).map((c) => c.coding?.[0]).filter((c) => c && !(c.system === BTG.system && c.code === BTG.code));
    return {
      index: m[1],
      actor: accountOf(r.agent?.[0]?.who, ctx, `${where}.agent`),
      action,
      recordId: recordEntity ? recordIdOf(recordEntity.what.identifier.value, deployment, where) : null,
      subject: subjectEntity ? accountOf(subjectEntity.what, ctx, `${where}.entity`) : null,
      recordType: subjectEntity?.detail?.find((d) => d.type === 'record_type')?.valueString ?? null,
      purpose: purposes.length ? (PURPOSE_OF[purposes[0].code] ?? bad('purpose', purposes[0])) : null,
      status: recordEntity?.detail?.find((d) => d.type === 'status')?.valueString ?? null,
      at: millis(r.recorded, `${where}.recorded`),
      prevHash: unb64(need(detail('prev_hash'), `${where} prev_hash`)),
      hash: unb64(need(detail('hash'), `${where} hash`)),
    };
  });
  audit.sort((a, b) => (BigInt(a.index) < BigInt(b.index) ? -1 : 1));

  return { patient, deployment, exportedAt, records: out, consents, permissions, delegations, audit };
}
