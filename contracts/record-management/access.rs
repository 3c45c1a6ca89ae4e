//! The access decision: one pure function of the facts, read top to bottom.
//!
//! The shell gathers the facts (patient-consent's and access-control's
//! answers, one call each); the core adds its own (the provider's
//! permission on the record type, its share of the record); [`decide`]
//! says who may do what, and each failing condition has its own error.

use crate::data::{Access, Permission};
use crate::errors::{Error, Result};
use medrec_types::{
    AccessLevel, ConsentAnswer, ConsentCheck, DataType, EmergencyPreference, ProviderAssessment,
    ProviderStanding, Purpose, Timestamp,
};

/// What the caller wants to do to a record (or, for `Create`, to the
/// patient's records of a type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Create,
    Read,
    Update,
    /// Archive, move under review, or delete.
    ChangeStatus,
    /// Lock or unlock.
    Lock,
}

impl Operation {
    /// The permission level a provider needs.
    pub fn required_level(self) -> AccessLevel {
        match self {
            Operation::Read => AccessLevel::Read,
            Operation::Create | Operation::Update => AccessLevel::Write,
            Operation::ChangeStatus | Operation::Lock => AccessLevel::Admin,
        }
    }

    /// What the patient side (the patient, an unexpired delegate) may do:
    /// read and lock any of the patient's records, create records (which
    /// are then patient-authored), and update or change the status of the
    /// records it authored.
    pub fn patient_side_may(self, patient_authored: bool) -> Result<()> {
        match self {
            Operation::Read | Operation::Lock | Operation::Create => Ok(()),
            Operation::Update | Operation::ChangeStatus if patient_authored => Ok(()),
            Operation::Update | Operation::ChangeStatus => Err(Error::NotPatientAuthored),
        }
    }

    /// Whether a patient-authored record is closed to providers for this.
    fn keeps_providers_out(self, patient_authored: bool) -> bool {
        patient_authored && matches!(self, Operation::Update | Operation::ChangeStatus)
    }
}

/// What the other contracts answered. The patient acting on its own
/// records is not asked about (except for `Create`, whether it registered).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answers {
    /// The caller is the patient; `registered` is patient-consent's answer
    /// for `Create` and `true` otherwise (not asked).
    Patient { registered: bool },
    /// Anybody else: patient-consent's and access-control's answers.
    Other {
        consent: ConsentAnswer,
        provider: ProviderAssessment,
    },
}

/// Everything the decision depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    pub op: Operation,
    pub purpose: Purpose,
    /// The record type's data type.
    pub data_type: DataType,
    /// The record is patient-authored (`false` for `Create`).
    pub patient_authored: bool,
    pub answers: Answers,
    /// This contract's verdict on the caller's permission for the record
    /// type (see [`check_permission`]).
    pub permission: Result<()>,
    /// The caller holds an unexpired share of this record.
    pub share: bool,
}

/// Who may do what:
///
/// 1. The patient may do what the patient side may (see
///    [`Operation::patient_side_may`]); to create, it must have registered.
/// 2. Someone who is no registered provider but an unexpired delegate of
///    the patient may do the same.
/// 3. A provider needs, in this order: registration, verification, being
///    active, a role that allows the data type and the purpose
///    (access-control); not to be changing a patient-authored record; the
///    patient's consent for the data type and the purpose (patient-consent);
///    and a permission of the required level on the record type, unexpired,
///    with quota left for a read (this contract); for a read, a share of
///    the record does too.
/// 4. A provider failing 3 who is also an unexpired delegate of the
///    patient may still do what the patient side may, as a delegate.
/// 5. Otherwise, a provider holding an open emergency window may read, and
///    only read (`EmergencyAccessReadOnly`), declaring `EmergencyTreatment`,
///    unless the patient opted out of break-glass, and sensitive types only
///    if the patient opted them in.
/// 6. Otherwise the first failing condition of 3 is the answer.
pub fn decide(f: Facts) -> Result<Access> {
    let (consent, provider) = match f.answers {
        Answers::Patient { registered: false } if f.op == Operation::Create => {
            return Err(Error::PatientNotRegistered)
        }
        Answers::Patient { .. } => {
            return f
                .op
                .patient_side_may(f.patient_authored)
                .map(|()| Access::Patient)
        }
        Answers::Other { consent, provider } => (consent, provider),
    };
    if consent.acts_for && provider.standing == ProviderStanding::NotRegistered {
        return f
            .op
            .patient_side_may(f.patient_authored)
            .map(|()| Access::Delegate);
    }
    let as_provider = provider_rule(&f, provider.standing, consent.consent);
    match as_provider {
        Ok(access) => Ok(access),
        Err(_) if consent.acts_for && f.op.patient_side_may(f.patient_authored).is_ok() => {
            Ok(Access::Delegate)
        }
        Err(_) if provider.emergency_window && f.op == Operation::Read => {
            emergency_rule(f.purpose, f.data_type, consent.emergency)
        }
        Err(_) if provider.emergency_window => Err(Error::EmergencyAccessReadOnly),
        Err(e) => Err(e),
    }
}

/// Rule 3: a provider's own standing, consent and permission.
fn provider_rule(f: &Facts, standing: ProviderStanding, consent: ConsentCheck) -> Result<Access> {
    match standing {
        ProviderStanding::NotRegistered => Err(Error::ProviderNotRegistered),
        ProviderStanding::NotVerified => Err(Error::ProviderNotVerified),
        ProviderStanding::Inactive => Err(Error::ProviderInactive),
        ProviderStanding::RoleNotAllowed => Err(Error::RoleNotAllowed),
        ProviderStanding::PurposeNotAllowed => Err(Error::PurposeNotAllowed),
        ProviderStanding::Cleared if f.op.keeps_providers_out(f.patient_authored) => {
            Err(Error::PatientAuthoredRecord)
        }
        ProviderStanding::Cleared => match consent {
            ConsentCheck::Missing => Err(Error::ConsentRequired),
            ConsentCheck::PurposeNotConsented => Err(Error::PurposeNotConsented),
            ConsentCheck::Given => match f.permission {
                Ok(()) => Ok(Access::Permission),
                Err(_) if f.op == Operation::Read && f.share => Ok(Access::RecordShare),
                Err(e) => Err(e),
            },
        },
    }
}

/// Rule 5: break-glass, as the patient scoped it.
fn emergency_rule(
    purpose: Purpose,
    data_type: DataType,
    preference: EmergencyPreference,
) -> Result<Access> {
    if purpose != Purpose::EmergencyTreatment {
        return Err(Error::EmergencyPurposeRequired);
    }
    match preference {
        EmergencyPreference::OptOut => Err(Error::EmergencyAccessOptedOut),
        p if !p.reaches(data_type) => Err(Error::OutsideEmergencyScope),
        _ => Ok(Access::Emergency),
    }
}

/// This contract's part of rule 3: the caller's permission on the record
/// type allows `required` now, for a record of `size` bytes.
pub fn check_permission(
    permission: Option<&Permission>,
    required: AccessLevel,
    size: u64,
    now: Timestamp,
) -> Result<()> {
    match permission {
        None => Err(Error::NoPermission),
        Some(p) if p.revoked_at.is_some() => Err(Error::NoPermission),
        Some(p) if p.expires_at.is_some_and(|e| now >= e) => Err(Error::PermissionExpired),
        Some(p) if !p.level.satisfies(required) => Err(Error::InsufficientAccessLevel),
        Some(p) if required == AccessLevel::Read && !p.quota_allows(size) => {
            Err(Error::QuotaExhausted)
        }
        Some(_) => Ok(()),
    }
}
