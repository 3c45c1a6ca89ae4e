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

/** The data type each record type belongs to (RecordType::data_type in contracts/types). */
export const RECORD_TYPE_DATA: Record<string, string> = {
  BasicInfo: 'MedicalRecords', Vitals: 'MedicalRecords', Diagnosis: 'MedicalRecords', Procedures: 'MedicalRecords',
  Allergies: 'MedicalRecords', Immunizations: 'MedicalRecords', Medications: 'Prescriptions', LabResults: 'LabResults',
  Imaging: 'Imaging', EmergencyContacts: 'EmergencyInfo', MentalHealth: 'MentalHealth', GeneticData: 'Genetic',
  Insurance: 'Financial',
};

const SENSITIVE = ['MentalHealth', 'Genetic', 'Financial'];

/** DataType::covers: the same type, or All for any non-sensitive type. */
export const covers = (dataType: string, other: string) => dataType === other || (dataType === 'All' && !SENSITIVE.includes(other));

/** The record types an approval may name for a request of `dataType`. */
export const recordTypesFor = (dataType: string) => RECORD_TYPES.filter((t) => covers(dataType, RECORD_TYPE_DATA[t]));

/** The levels a patient can grant (Emergency comes from break-glass only). */
export const ACCESS_LEVELS = [
  { name: 'Read', label: 'Read' },
  { name: 'Write', label: 'Write (create and update records)' },
  { name: 'Admin', label: 'Admin (also status, lock, delete)' },
];

export const EMERGENCY_PREFERENCES = [
  { name: 'NonSensitive', label: 'Non-sensitive types only (the default)' },
  { name: 'IncludeSensitive', label: 'Every type, including the sensitive ones' },
  { name: 'OptOut', label: 'Nothing: opt out of break-glass access' },
];

export const DELEGATE_KINDS = [
  { name: 'Guardian', label: 'Guardian' },
  { name: 'PowerOfAttorney', label: 'Power of attorney' },
];

export const EMERGENCY_REASONS = [
  { name: 'LifeThreatening', label: 'Life-threatening' },
  { name: 'PatientUnconscious', label: 'Patient unconscious' },
  { name: 'PatientIncapacitated', label: 'Patient incapacitated' },
  { name: 'MassCasualty', label: 'Mass casualty' },
  { name: 'Other', label: 'Other' },
];

export const ROLES = [
  { name: 'Admin', label: 'Admin' },
  { name: 'Doctor', label: 'Doctor' },
  { name: 'Nurse', label: 'Nurse' },
  { name: 'Technician', label: 'Technician' },
  { name: 'Researcher', label: 'Researcher' },
  { name: 'Emergency', label: 'Emergency clinician' },
  { name: 'Payer', label: 'Payer' },
];

export const REVIEW_OUTCOMES = [
  { name: 'Justified', label: 'Justified' },
  { name: 'Unjustified', label: 'Not justified' },
  { name: 'Inconclusive', label: 'Inconclusive' },
];
