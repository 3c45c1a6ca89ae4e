//! End-to-end journeys on the compiled contracts, one file per journey,
//! all in one test binary.
//!
//! Every journey runs on the release builds (`scripts/build.sh`, which
//! `scripts/test.sh` runs first) deployed on the in-process sandbox runtime
//! (real pallet-contracts, no node) through [`Session`]: real
//! cross-contract calls, contract events with their topics, a clock, and
//! [`Session::refused`] to show that a refusal names its error, reverts,
//! emits nothing and leaves every storage value as it was.

mod audit_chain;
mod consent_flow;
mod denial_matrix;
mod emergency_flow;
mod gateway_medvault;
mod gateway_release;
mod gateway_s3;
mod gateway_split;
mod governance;
mod model_based;
mod no_phi;
mod pause_behaviour;
mod provider_lifecycle;
mod records_flow;
mod rogue_callee;
mod split;
mod upgrade;

use e2e_tests::{cast, sample_record, Actor, E2EResult, Session, DAY};
use medrec_types::{AccessLevel, DataType, Purpose, RecordType, Role};
use patient_consent::DelegateKind;
use record_management::Confidentiality;

/// A session with the whole cast: Bob (first admin) verifies Charlie
/// (doctor), Dave (nurse), Eve (emergency), One (technician), Rita
/// (researcher) and Paul (payer), whom Alice registered; Ferdie registers
/// as a patient and names Two his guardian for 365 days.
pub fn staffed() -> E2EResult<Session> {
    let mut s = Session::new()?;
    let (alice, bob) = (cast::alice(), cast::bob());
    for (who, role) in [
        (cast::charlie(), Role::Doctor),
        (cast::dave(), Role::Nurse),
        (cast::eve(), Role::Emergency),
        (cast::one(), Role::Technician),
        (cast::rita(), Role::Researcher),
        (cast::paul(), Role::Payer),
    ] {
        let msg = s.ac().register_provider(who.account, role, [0xC0; 32]);
        s.ok(&alice, &msg)?;
        let msg = s.ac().verify_provider(who.account);
        s.ok(&bob, &msg)?;
    }
    let msg = s.pc().register_patient();
    s.ok(&cast::ferdie(), &msg)?;
    let msg = s
        .pc()
        .add_delegate(cast::two().account, DelegateKind::Guardian, 365 * DAY);
    s.ok(&cast::ferdie(), &msg)?;
    Ok(s)
}

/// Ferdie consents to `who` for `data_type` (30 days, Treatment) and gives
/// it `level` on `record_type`.
pub fn consent_and_permit(
    s: &mut Session,
    who: &Actor,
    data_type: DataType,
    record_type: RecordType,
    level: AccessLevel,
) -> E2EResult<()> {
    let ferdie = cast::ferdie();
    let msg = s.pc().grant_consent(
        ferdie.account,
        who.account,
        data_type,
        30 * DAY,
        vec![Purpose::Treatment],
    );
    s.ok(&ferdie, &msg)?;
    let msg = s
        .rm()
        .grant_permission(ferdie.account, who.account, record_type, level, None, None);
    s.ok(&ferdie, &msg)?;
    Ok(())
}

/// `who` creates Ferdie's sample record `n` of `record_type` for
/// Treatment; returns its id.
pub fn create(s: &mut Session, who: &Actor, record_type: RecordType, n: u8) -> E2EResult<u64> {
    let (hash, key_id) = sample_record(n);
    let msg = s.rm().create_record(
        cast::ferdie().account,
        record_type,
        hash,
        key_id,
        64,
        0,
        Confidentiality::Normal,
        Purpose::Treatment,
    );
    Ok(s.ok(who, &msg)?.value)
}
