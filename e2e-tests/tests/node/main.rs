//! The event-asserting journeys on a real substrate-contracts-node (ink_e2e's
//! node backend). The sandbox backend of `tests/journeys/` records no
//! contract events; a node does, so these tests check that every step of the
//! patient journey emits exactly its event, from the right contract, with the
//! right fields, and that a denied call is reverted with its named error and
//! emits nothing.
//!
//! They need the node binary, so they are `#[ignore]`d in a plain
//! `cargo test`. `scripts/test.sh` runs them with `--ignored` when
//! `scripts/node.sh install` has built the node, with `CONTRACTS_NODE`
//! naming it; each test spawns its own `--dev` node. By hand:
//!
//! ```text
//! CONTRACTS_NODE=~/.cache/medrec-node/bin/substrate-contracts-node \
//!     cargo test -p e2e-tests --test node -- --ignored --test-threads=1
//! ```

use e2e_tests::{deploy_all, sample_record, Cast, E2EResult, DAY};
use ink::env::{DefaultEnvironment, Event};
use ink::primitives::AccountId;
use ink::scale::Decode;
use ink_e2e::events::{ContractEmitted, EventWithTopics};
use ink_e2e::ContractsBackend;
use medrec_types::{AccessLevel, DataType, EmergencyReason, Purpose, RecordType, Role};
use record_management::Confidentiality;

/// Submits `$msg` as `$signer` on `$client` and yields the message's `Ok`
/// value and the contract events of the extrinsic; a failed submission or an
/// `Err` fails the test, naming the call.
macro_rules! step {
    ($client:ident, $signer:expr, $msg:expr) => {{
        let r = $client
            .call(&$signer, &$msg)
            .submit()
            .await
            .map_err(|e| format!("{}: {e:?}", stringify!($msg)))?;
        let events = r.contract_emitted_events()?;
        let value = r
            .return_value()
            .map_err(|e| format!("{}: Err({e:?})", stringify!($msg)))?;
        (value, events)
    }};
}

/// A query's answer (a dry run as Alice).
macro_rules! query {
    ($client:ident, $msg:expr) => {
        $client
            .call(&ink_e2e::alice(), &$msg)
            .dry_run()
            .await
            .map_err(|e| format!("{}: {e:?}", stringify!($msg)))?
            .return_value()
    };
}

type Emitted = EventWithTopics<ContractEmitted<DefaultEnvironment>>;

/// The one contract event a call emitted: it must come from `contract` and
/// be an `Ev` (its first topic is `Ev`'s signature topic).
fn only<Ev: Event + Decode>(emitted: &[Emitted], contract: AccountId) -> E2EResult<Ev> {
    let [e] = emitted else {
        return Err(format!("expected exactly one contract event, got {}", emitted.len()).into());
    };
    if e.event.contract != contract {
        return Err("the event came from another contract".into());
    }
    let signature = Ev::SIGNATURE_TOPIC.ok_or("anonymous event")?;
    if e.topics.first().map(|t| t.0) != Some(signature) {
        return Err(format!("not a {}", std::any::type_name::<Ev>()).into());
    }
    Ok(Ev::decode(&mut &e.event.data[..])?)
}

#[ink_e2e::test]
#[ignore = "needs substrate-contracts-node (scripts/node.sh install); scripts/test.sh runs it"]
async fn every_step_of_the_patient_journey_emits_its_event<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let d = deploy_all(&mut client).await?;
    let (mut ac, mut pc, mut rm) = (d.ac(), d.pc(), d.rm());
    let (alice, charlie, eve, ferdie) = (
        Cast::id(ink_e2e::AccountKeyring::Alice),
        Cast::charlie(),
        Cast::eve(),
        Cast::ferdie(),
    );

    // Alice registers and verifies Charlie (doctor) and Eve (emergency)
    for (who, role) in [(charlie, Role::Doctor), (eve, Role::Emergency)] {
        let (_, ev) = step!(
            client,
            ink_e2e::alice(),
            ac.register_provider(who, role, [0xC1; 32])
        );
        let e: access_control::events::ProviderRegistered = only(&ev, d.access_control)?;
        assert_eq!(
            (e.provider, e.role, e.credentials_hash),
            (who, role, [0xC1; 32])
        );
        let (_, ev) = step!(client, ink_e2e::alice(), ac.verify_provider(who));
        let e: access_control::events::ProviderVerified = only(&ev, d.access_control)?;
        assert_eq!((e.provider, e.verified_by), (who, alice));
    }

    // Ferdie registers, consents to Charlie and gives him Write on allergies
    let (_, ev) = step!(client, ink_e2e::ferdie(), pc.register_patient());
    let e: patient_consent::events::PatientRegistered = only(&ev, d.patient_consent)?;
    assert_eq!(e.patient, ferdie);
    let (predicted, ev) = step!(
        client,
        ink_e2e::ferdie(),
        pc.grant_consent(
            charlie,
            DataType::MedicalRecords,
            30 * DAY,
            Purpose::Treatment
        )
    );
    let e: patient_consent::events::ConsentGranted = only(&ev, d.patient_consent)?;
    // The returned expiry is the dry run's (the block before); the event
    // carries the stored one.
    let stored = query!(
        client,
        pc.get_consent(ferdie, charlie, DataType::MedicalRecords)
    )
    .ok_or("no consent stored")?;
    let expires_at = stored.expires_at;
    assert!(expires_at >= predicted && expires_at - predicted < 60_000);
    assert_eq!(
        (
            e.patient,
            e.provider,
            e.data_type,
            e.purpose,
            e.expires_at,
            e.actor,
            e.request_id
        ),
        (
            ferdie,
            charlie,
            DataType::MedicalRecords,
            Purpose::Treatment,
            expires_at,
            ferdie,
            None
        )
    );
    let (_, ev) = step!(
        client,
        ink_e2e::ferdie(),
        rm.grant_permission(
            ferdie,
            charlie,
            RecordType::Allergies,
            AccessLevel::Write,
            None,
            None
        )
    );
    let e: record_management::events::PermissionGranted = only(&ev, d.record_management)?;
    assert_eq!(
        (
            e.patient,
            e.provider,
            e.granted_by,
            e.record_type,
            e.level,
            e.expires_at
        ),
        (
            ferdie,
            charlie,
            ferdie,
            RecordType::Allergies,
            AccessLevel::Write,
            None
        )
    );

    // Charlie creates the record (only its hash and locator go on-chain)
    let (hash, locator) = sample_record(1);
    let (id, ev) = step!(
        client,
        ink_e2e::charlie(),
        rm.create_record(
            ferdie,
            RecordType::Allergies,
            hash,
            locator,
            [0x11; 32],
            64,
            0,
            Confidentiality::Normal
        )
    );
    let e: record_management::events::RecordCreated = only(&ev, d.record_management)?;
    assert_eq!(
        (
            e.patient,
            e.created_by,
            e.record_id,
            e.record_type,
            e.data_hash
        ),
        (ferdie, charlie, id, RecordType::Allergies, hash)
    );

    // Charlie reads it
    let (view, ev) = step!(
        client,
        ink_e2e::charlie(),
        rm.get_record(ferdie, id, Purpose::Treatment)
    );
    assert!(!view.emergency);
    let e: record_management::events::RecordAccessed = only(&ev, d.record_management)?;
    assert_eq!(
        (e.patient, e.accessor, e.record_id, e.purpose, e.emergency),
        (ferdie, charlie, id, Purpose::Treatment, false)
    );

    // Eve opens an emergency window and reads: flagged as an emergency read
    let (until, ev) = step!(
        client,
        ink_e2e::eve(),
        ac.activate_emergency_access(ferdie, EmergencyReason::PatientUnconscious, [0xEE; 32])
    );
    let e: access_control::events::EmergencyAccessActivated = only(&ev, d.access_control)?;
    let window = query!(client, ac.get_emergency_window(eve, ferdie)).ok_or("no window stored")?;
    assert!(window.expires_at >= until && window.expires_at - until < 60_000);
    assert_eq!(
        (e.provider, e.patient, e.expires_at),
        (eve, ferdie, window.expires_at)
    );
    let (view, ev) = step!(
        client,
        ink_e2e::eve(),
        rm.get_record(ferdie, id, Purpose::EmergencyTreatment)
    );
    assert!(view.emergency);
    let e: record_management::events::RecordAccessed = only(&ev, d.record_management)?;
    assert_eq!((e.accessor, e.record_id, e.emergency), (eve, id, true));

    // Ferdie revokes Charlie's permission
    let (_, ev) = step!(
        client,
        ink_e2e::ferdie(),
        rm.revoke_permission(ferdie, charlie, RecordType::Allergies)
    );
    let e: record_management::events::PermissionRevoked = only(&ev, d.record_management)?;
    assert_eq!(
        (e.patient, e.provider, e.revoked_by, e.record_type),
        (ferdie, charlie, ferdie, RecordType::Allergies)
    );
    Ok(())
}

#[ink_e2e::test]
#[ignore = "needs substrate-contracts-node (scripts/node.sh install); scripts/test.sh runs it"]
async fn a_denied_read_is_reverted_with_its_named_error_and_emits_nothing<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let d = deploy_all(&mut client).await?;
    let (mut ac, mut pc, mut rm) = (d.ac(), d.pc(), d.rm());
    let (charlie, dave, ferdie) = (Cast::charlie(), Cast::dave(), Cast::ferdie());

    // Given Ferdie's record, written by Charlie with his consent and permission
    for (who, role) in [(charlie, Role::Doctor), (dave, Role::Nurse)] {
        step!(
            client,
            ink_e2e::alice(),
            ac.register_provider(who, role, [0xC2; 32])
        );
        step!(client, ink_e2e::alice(), ac.verify_provider(who));
    }
    step!(client, ink_e2e::ferdie(), pc.register_patient());
    step!(
        client,
        ink_e2e::ferdie(),
        pc.grant_consent(
            charlie,
            DataType::MedicalRecords,
            30 * DAY,
            Purpose::Treatment
        )
    );
    step!(
        client,
        ink_e2e::ferdie(),
        rm.grant_permission(
            ferdie,
            charlie,
            RecordType::Vitals,
            AccessLevel::Write,
            None,
            None
        )
    );
    let (hash, locator) = sample_record(2);
    let (id, _) = step!(
        client,
        ink_e2e::charlie(),
        rm.create_record(
            ferdie,
            RecordType::Vitals,
            hash,
            locator,
            [0x22; 32],
            64,
            0,
            Confidentiality::Normal
        )
    );
    let audit_before = query!(client, rm.audit_head(ferdie));
    let stats_before = query!(client, rm.provider_stats(dave));

    // When Dave, a verified nurse without Ferdie's consent, reads it
    let read = rm.get_record(ferdie, id, Purpose::Treatment);
    let dry = client
        .call(&ink_e2e::dave(), &read)
        .dry_run()
        .await
        .map_err(|e| format!("dry run: {e:?}"))?;

    // Then the node answers with the named error and the revert flag
    assert!(dry
        .exec_result
        .result
        .as_ref()
        .is_ok_and(|r| r.did_revert()));
    assert_eq!(
        dry.return_value().map(|_| ()),
        Err(record_management::Error::ConsentRequired)
    );

    // And submitting it anyway fails with ContractReverted, emits no event,
    // and leaves the audit trail and Dave's counters as they were
    let submitted = client.call(&ink_e2e::dave(), &read).submit().await;
    let failure = format!(
        "{:?}",
        submitted.err().ok_or("the denied read went through")?
    );
    assert!(failure.contains("ContractReverted"), "{failure}");
    assert_eq!(query!(client, rm.audit_head(ferdie)), audit_before);
    assert_eq!(query!(client, rm.provider_stats(dave)), stats_before);
    Ok(())
}
