// The contracts' shared vocabulary (contracts/types/src/lib.rs), with words
// for people.

export const PURPOSES = [
  { name: 'Treatment', code: 'TREAT', label: 'Treatment' },
  { name: 'EmergencyTreatment', code: 'ETREAT', label: 'Emergency treatment' },
  { name: 'Payment', code: 'HPAYMT', label: 'Payment' },
  { name: 'Operations', code: 'HOPERAT', label: 'Healthcare operations' },
  { name: 'Research', code: 'HRESCH', label: 'Research' },
  { name: 'PatientRequest', code: 'PATRQT', label: 'At the patient\'s request' },
  { name: 'PublicHealth', code: 'PUBHLTH', label: 'Public health' },
];

/** The purposes in a consent's bit set (bit i = purpose number i). */
export function purposesOf(bits: number): string[] {
  return PURPOSES.filter((_, i) => (bits & (1 << i)) !== 0).map((p) => p.label);
}

export const DATA_TYPES = [
  { name: 'MedicalRecords', label: 'Medical records' },
  { name: 'LabResults', label: 'Lab results' },
  { name: 'Prescriptions', label: 'Prescriptions' },
  { name: 'Imaging', label: 'Imaging' },
  { name: 'EmergencyInfo', label: 'Emergency information' },
  { name: 'MentalHealth', label: 'Mental health (sensitive)' },
  { name: 'Genetic', label: 'Genetic (sensitive)' },
  { name: 'Financial', label: 'Financial (sensitive)' },
  { name: 'All', label: 'All non-sensitive types' },
];

export const RECORD_TYPES = [
  'BasicInfo', 'Vitals', 'Diagnosis', 'Medications', 'LabResults', 'Imaging', 'Procedures',
  'Allergies', 'Immunizations', 'MentalHealth', 'GeneticData', 'Insurance', 'EmergencyContacts',
];

export const CONFIDENTIALITY = ['Normal', 'Restricted', 'HighlyRestricted'];

export const label = (list: { name: string; label: string }[], name: string) => list.find((x) => x.name === name)?.label ?? name;

export const DAY_MS = 24 * 60 * 60 * 1000;
