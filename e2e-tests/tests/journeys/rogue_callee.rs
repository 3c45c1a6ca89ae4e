//! Cross-contract safety: record-management repointed at a hostile consent
//! contract (`reference/rogue-consent`) that says yes to everything (the
//! delegate path included), reverts, traps, or calls back into
//! record-management mid-decision.
//!
//! Shows: only the owner announces a repoint, and it takes effect only
//! after the announced delay, during which the real contract keeps
//! deciding (so everyone watching the `LinkAnnounced` event has time to
//! react); a yes-to-everything consent contract is the one thing the owner
//! can install that opens the delegate path to anybody, which is why the
//! delay exists; it still cannot override record-management's own
//! permission rules for providers; a reverting, trapping or re-entering
//! callee gives `ConsentContractUnavailable` with nothing written, and the
//! patient's own read keeps working.

use crate::{consent_and_permit, create, staffed};
use e2e_tests::{cast, E2EResult, Session};
use ink::env::call::{build_call, ExecutionInput, Selector};
use ink::env::DefaultEnvironment;
use ink::scale::Encode;
use medrec_types::admin::DEFAULT_UPGRADE_DELAY;
use medrec_types::{AccessLevel, DataType, Link, Purpose, RecordType};
use record_management::{Access, Error};

/// `reference/rogue-consent`'s `Mode` (same variants, same order, so the same
/// encoding; `reference/` is not a dependency of this crate).
#[ink::scale_derive(Encode)]
#[derive(Debug, Clone, Copy)]
enum Mode {
    YesToAll,
    Revert,
    Trap,
    Reenter,
}

fn repoint(s: &mut Session, target: ink::primitives::AccountId) -> E2EResult<()> {
    let alice = cast::alice();
    let effective_at = s
        .ok(&alice, &s.rm().announce_link(Link::PatientConsent, target))?
        .value;
    s.set_time(effective_at);
    s.ok(&alice, &s.rm().apply_link(Link::PatientConsent))?;
    Ok(())
}

#[test]
fn a_hostile_consent_contract_waits_for_the_delay_and_cannot_wedge_the_records() -> E2EResult<()> {
    let mut s = staffed()?;
    let (alice, charlie, dave, ferdie, mallory) = (
        cast::alice(),
        cast::charlie(),
        cast::dave(),
        cast::ferdie(),
        cast::mallory(),
    );
    let input = ExecutionInput::new(Selector::new(ink::selector_bytes!("new")))
        .push_arg(Mode::YesToAll)
        .encode();
    let rogue = s.deploy("rogue-consent", input, 9)?;
    // Given a record of Ferdie's by Charlie, whose consent Ferdie withdrew
    consent_and_permit(
        &mut s,
        &charlie,
        DataType::LabResults,
        RecordType::LabResults,
        AccessLevel::Write,
    )?;
    let record = create(&mut s, &charlie, RecordType::LabResults, 7)?;
    s.ok(
        &ferdie,
        &s.pc()
            .revoke_consent(ferdie.account, charlie.account, DataType::LabResults),
    )?;
    let read = s
        .rm()
        .get_record(ferdie.account, record, Purpose::Treatment);
    s.refused(&charlie, &read, Error::ConsentRequired)?;
    s.refused(&mallory, &read, Error::ProviderNotRegistered)?;

    // Only the owner may announce a repoint
    let announce = s.rm().announce_link(Link::PatientConsent, rogue);
    for stranger in [cast::bob(), charlie, ferdie] {
        s.refused(&stranger, &announce, Error::NotOwner)?;
    }
    let effective_at = s.ok(&alice, &announce)?.value;
    assert_eq!(effective_at, s.now() + DEFAULT_UPGRADE_DELAY);
    // During the delay the real consent contract still decides: the
    // delegate path stays closed to strangers
    s.advance(DEFAULT_UPGRADE_DELAY - 1);
    s.refused(
        &alice,
        &s.rm().apply_link(Link::PatientConsent),
        Error::TooEarly,
    )?;
    s.refused(&mallory, &read, Error::ProviderNotRegistered)?;
    s.refused(&charlie, &read, Error::ConsentRequired)?;
    s.advance(1);
    s.ok(&alice, &s.rm().apply_link(Link::PatientConsent))?;

    // Now the owner's choice is obeyed: a yes-to-all consent contract makes
    // anybody a "delegate" (that is what the delay protects against) ...
    assert_eq!(s.ok(&mallory, &read)?.value.access, Access::Delegate);
    assert_eq!(s.ok(&charlie, &read)?.value.access, Access::Permission);
    // ... but cannot give a provider a permission the patient never gave:
    // Dave is a verified nurse with none. A provider-delegate still reads
    // as a delegate, so try a write.
    let (hash, key) = e2e_tests::sample_record(8);
    let write = s
        .rm()
        .update_record(ferdie.account, record, hash, key, 1, Purpose::Treatment);
    s.refused(&dave, &write, Error::NoPermission)?;

    // A reverting, a trapping and a re-entering callee each give the named
    // error, write nothing, and leave the patient's own read working
    for mode in [Mode::Revert, Mode::Trap, Mode::Reenter] {
        let set_mode = build_call::<DefaultEnvironment>()
            .call(rogue)
            .exec_input(
                ExecutionInput::new(Selector::new(ink::selector_bytes!("set_mode"))).push_arg(mode),
            )
            .returns::<()>();
        s.call(&alice, &set_mode)?;
        s.refused(&charlie, &read, Error::ConsentContractUnavailable)?;
        let own = s
            .rm()
            .get_record(ferdie.account, record, Purpose::PatientRequest);
        assert_eq!(
            s.ok(&ferdie, &own)?.value.access,
            Access::Patient,
            "{mode:?}"
        );
    }

    // Pointing back takes another announcement and delay
    let pc = s.pc;
    repoint(&mut s, pc)?;
    s.refused(&charlie, &read, Error::ConsentRequired)?;
    s.refused(&mallory, &read, Error::ProviderNotRegistered)?;
    Ok(())
}
