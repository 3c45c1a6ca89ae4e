//! Every way a request is refused: one code each, with its HTTP status and
//! a sentence in plain words. A refusal changes nothing but the gateway's
//! own log (and the nonce it burnt, once the signature checked out).

use axum::http::StatusCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Refusal {
    /// The body or a header does not parse.
    Malformed,
    /// A signature header is missing, or the signature does not verify
    /// under the named account (a signature by another account included).
    BadSignature,
    /// The signed timestamp is outside the accepted window.
    StaleTimestamp,
    /// This account already used this nonce within the window.
    ReplayedNonce,
    /// The uploader is neither a verified, active provider nor a registered
    /// patient at the finalized block.
    UnknownUploader,
    /// The body's SHA-256 is not the one in the path.
    HashMismatch,
    /// The body is over the configured limit.
    TooLarge,
    /// No record with this id at the finalized block, or it belongs to
    /// another patient.
    UnknownRecord,
    /// The patient's trail has no entry at this index at the finalized block.
    NoAuditEntry,
    /// The entry was appended by another account.
    NotYourEntry,
    /// The entry is about another record.
    WrongRecord,
    /// The entry records something other than a read.
    NotARead,
    /// The entry is older than the configured age.
    EntryExpired,
    /// The entry has already been used for its releases.
    EntryUsed,
    /// The record is deleted on-chain; its key has been destroyed.
    RecordDeleted,
    /// No key was deposited for the record's current `key_id`.
    KeyNotDeposited,
    /// The sealed key does not open with the gateway's key.
    BadSealedKey,
    /// The record's ciphertext is not in the store.
    ObjectMissing,
    /// The chain could not be read; nothing is released without it.
    ChainUnavailable,
    /// The store could not be read or written.
    StoreUnavailable,
    /// The request took longer than the configured time.
    Timeout,
    /// The caller may not read the gateway's log: only a verified, active
    /// provider with the Admin role at the finalized block may.
    NotLogReader,
    /// The record has no such version.
    UnknownVersion,
    /// An earlier version was asked for by someone other than the patient.
    EarlierVersionPatientOnly,
    /// No such route.
    NotFound,
    /// The route exists, not with this method.
    MethodNotAllowed,
}

impl Refusal {
    pub const ALL: [Refusal; 26] = [
        Refusal::Malformed,
        Refusal::BadSignature,
        Refusal::StaleTimestamp,
        Refusal::ReplayedNonce,
        Refusal::UnknownUploader,
        Refusal::HashMismatch,
        Refusal::TooLarge,
        Refusal::UnknownRecord,
        Refusal::NoAuditEntry,
        Refusal::NotYourEntry,
        Refusal::WrongRecord,
        Refusal::NotARead,
        Refusal::EntryExpired,
        Refusal::EntryUsed,
        Refusal::RecordDeleted,
        Refusal::KeyNotDeposited,
        Refusal::BadSealedKey,
        Refusal::ObjectMissing,
        Refusal::ChainUnavailable,
        Refusal::StoreUnavailable,
        Refusal::Timeout,
        Refusal::NotLogReader,
        Refusal::UnknownVersion,
        Refusal::EarlierVersionPatientOnly,
        Refusal::NotFound,
        Refusal::MethodNotAllowed,
    ];

    /// The JSON `error` code.
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Malformed => "malformed_request",
            Refusal::BadSignature => "bad_signature",
            Refusal::StaleTimestamp => "stale_timestamp",
            Refusal::ReplayedNonce => "replayed_nonce",
            Refusal::UnknownUploader => "unknown_uploader",
            Refusal::HashMismatch => "hash_mismatch",
            Refusal::TooLarge => "too_large",
            Refusal::UnknownRecord => "unknown_record",
            Refusal::NoAuditEntry => "no_audit_entry",
            Refusal::NotYourEntry => "not_your_entry",
            Refusal::WrongRecord => "wrong_record",
            Refusal::NotARead => "not_a_read",
            Refusal::EntryExpired => "entry_expired",
            Refusal::EntryUsed => "entry_used",
            Refusal::RecordDeleted => "record_deleted",
            Refusal::KeyNotDeposited => "key_not_deposited",
            Refusal::BadSealedKey => "bad_sealed_key",
            Refusal::ObjectMissing => "object_missing",
            Refusal::ChainUnavailable => "chain_unavailable",
            Refusal::StoreUnavailable => "store_unavailable",
            Refusal::Timeout => "timeout",
            Refusal::NotLogReader => "not_log_reader",
            Refusal::UnknownVersion => "unknown_version",
            Refusal::EarlierVersionPatientOnly => "earlier_version_patient_only",
            Refusal::NotFound => "not_found",
            Refusal::MethodNotAllowed => "method_not_allowed",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            Refusal::Malformed => StatusCode::BAD_REQUEST,
            Refusal::BadSignature | Refusal::StaleTimestamp => StatusCode::UNAUTHORIZED,
            Refusal::ReplayedNonce | Refusal::EntryUsed => StatusCode::CONFLICT,
            Refusal::UnknownUploader
            | Refusal::NotYourEntry
            | Refusal::WrongRecord
            | Refusal::NotARead
            | Refusal::EntryExpired
            | Refusal::NotLogReader
            | Refusal::EarlierVersionPatientOnly => StatusCode::FORBIDDEN,
            Refusal::HashMismatch | Refusal::BadSealedKey => StatusCode::UNPROCESSABLE_ENTITY,
            Refusal::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Refusal::UnknownRecord
            | Refusal::NoAuditEntry
            | Refusal::KeyNotDeposited
            | Refusal::ObjectMissing
            | Refusal::UnknownVersion
            | Refusal::NotFound => StatusCode::NOT_FOUND,
            Refusal::RecordDeleted => StatusCode::GONE,
            Refusal::ChainUnavailable | Refusal::StoreUnavailable => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Refusal::Timeout => StatusCode::REQUEST_TIMEOUT,
            Refusal::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        }
    }

    /// What went wrong, in plain words (no identifiers, no patient data).
    pub fn message(self) -> &'static str {
        match self {
            Refusal::Malformed => "The request is not in the expected form.",
            Refusal::BadSignature => {
                "The request's signature is missing or was not made by the named account."
            }
            Refusal::StaleTimestamp => {
                "The request's timestamp is too far from this gateway's clock; sign it again."
            }
            Refusal::ReplayedNonce => "This request was already received; sign a new one.",
            Refusal::UnknownUploader => {
                "Only a verified, active provider or a registered patient may upload."
            }
            Refusal::HashMismatch => "The uploaded bytes do not have the SHA-256 named in the path.",
            Refusal::TooLarge => "The upload is larger than this gateway accepts.",
            Refusal::UnknownRecord => "There is no such record of this patient on the chain.",
            Refusal::NoAuditEntry => {
                "The chain has no such audit entry at its finalized block (yet): read the record as a transaction and wait for finality."
            }
            Refusal::NotYourEntry => "That audit entry records another account's access.",
            Refusal::WrongRecord => "That audit entry is about another record.",
            Refusal::NotARead => "That audit entry does not record a read.",
            Refusal::EntryExpired => "That read is too old; read the record again.",
            Refusal::EntryUsed => "That read has already been used; read the record again.",
            Refusal::RecordDeleted => "The record is deleted; its key has been destroyed.",
            Refusal::KeyNotDeposited => "This gateway holds no key for the record's current version.",
            Refusal::BadSealedKey => "The sealed key does not open with this gateway's key.",
            Refusal::ObjectMissing => "This gateway does not hold the record's ciphertext.",
            Refusal::ChainUnavailable => {
                "The chain cannot be read right now; nothing is released without it."
            }
            Refusal::StoreUnavailable => "The store cannot be reached right now.",
            Refusal::Timeout => "The request took too long.",
            Refusal::UnknownVersion => "The record has no such version.",
            Refusal::EarlierVersionPatientOnly => {
                "Earlier versions of a record are released to its patient only; a read opens the current version."
            }
            Refusal::NotLogReader => {
                "Only a verified, active provider with the Admin role may read the gateway's log."
            }
            Refusal::NotFound => "There is no such endpoint.",
            Refusal::MethodNotAllowed => "This endpoint does not take that method.",
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}
