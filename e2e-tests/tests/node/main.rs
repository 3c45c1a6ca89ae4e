//! The patient journey on a real substrate-contracts-node (ink_e2e's node
//! backend): the same contracts, deployed by ink_e2e, with real
//! transactions, real blocks and the node's own event records. Every step
//! emits exactly its event from the right contract with the right fields; a
//! denied read comes back from the dry run as the named error with the
//! revert flag, and submitted anyway it fails with `ContractReverted` and
//! changes nothing.
//!
//! They need the node binary, so they are `#[ignore]`d in a plain
//! `cargo test`. `scripts/test.sh` runs them with `--ignored` when a node is
//! installed, with `CONTRACTS_NODE` naming it; each test spawns its own
//! `--dev` node. By hand:
//!
//! ```text
//! CONTRACTS_NODE=~/.cache/medrec-node/bin/substrate-contracts-node \
//!     cargo test -p e2e-tests --test node -- --ignored --test-threads=1
//! ```

use e2e_tests::{cast, deploy_all, sample_record, E2EResult, DAY};
use ink::env::{DefaultEnvironment, Event};
use ink::primitives::AccountId;
use ink::scale::Decode;
use ink_e2e::events::{ContractEmitted, EventWithTopics};
use ink_e2e::ContractsBackend;
use medrec_types::{AccessLevel, DataType, EmergencyReason, Purpose, RecordType, Role};
use record_management::{Access, AuditAction, Confidentiality};

/// Submits `$msg` as `$signer` and yields the message's `Ok` value and the
/// contract events of the extrinsic; a failed submission or an `Err` fails
/// the test, naming the call.
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

/// The events a call emitted as `Ev`s, each checked to come from `contract`.
fn all<Ev: Event + Decode>(emitted: &[Emitted], contract: AccountId) -> E2EResult<Vec<Ev>> {
    let signature = Ev::SIGNATURE_TOPIC.ok_or("anonymous event")?;
    let mut out = Vec::new();
    for e in emitted {
        if e.topics.first().map(|t| t.0) == Some(signature) {
            if e.event.contract != contract {
                return Err("the event came from another contract".into());
            }
            out.push(Ev::decode(&mut &e.event.data[..])?);
        }
    }
    Ok(out)
}

/// The one contract event a call emitted, an `Ev` from `contract`.
fn only<Ev: Event + Decode>(emitted: &[Emitted], contract: AccountId) -> E2EResult<Ev> {
    if emitted.len() != 1 {
        return Err(format!("expected exactly one contract event, got {}", emitted.len()).into());
    }
    all::<Ev>(emitted, contract)?
        .pop()
        .ok_or_else(|| format!("not a {}", std::any::type_name::<Ev>()).into())
}

#[ink_e2e::test]
#[ignore = "needs substrate-contracts-node (scripts/node.sh install); scripts/test.sh runs it"]
async fn every_step_of_the_patient_journey_emits_its_event<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let d = deploy_all(&mut client).await?;
    let (mut ac, mut pc, mut rm) = (d.ac(), d.pc(), d.rm());
    let (alice, bob, charlie, eve, ferdie) = (
        cast::alice().account,
        cast::bob().account,
        cast::charlie().account,
        cast::eve().account,
        cast::ferdie().account,
    );

    // Alice registers Charlie (doctor) and Eve (emergency); Bob verifies
    for (who, role) in [(charlie, Role::Doctor), (eve, Role::Emergency)] {
        let (_, ev) = step!(
            client,
            ink_e2e::alice(),
            ac.register_provider(who, role, [0xC1; 32])
        );
        let e: access_control::events::ProviderRegistered = only(&ev, d.access_control)?;
        assert_eq!((e.provider, e.actor, e.role), (who, alice, role));
        let (_, ev) = step!(client, ink_e2e::bob(), ac.verify_provider(who));
        let e: access_control::events::ProviderVerified = only(&ev, d.access_control)?;
        assert_eq!((e.provider, e.actor), (who, bob));
    }

    // Ferdie registers; Charlie asks; Ferdie approves with Write on allergies
    let (_, ev) = step!(client, ink_e2e::ferdie(), pc.register_patient());
    let e: patient_consent::events::PatientRegistered = only(&ev, d.patient_consent)?;
    assert_eq!(e.patient, ferdie);
    let (request, ev) = step!(
        client,
        ink_e2e::charlie(),
        pc.request_access(ferdie, DataType::MedicalRecords, Purpose::Treatment)
    );
    let e: patient_consent::events::AccessRequested = only(&ev, d.patient_consent)?;
    assert_eq!(
        (e.patient, e.actor, e.request_id),
        (ferdie, charlie, request)
    );
    let (_, ev) = step!(
        client,
        ink_e2e::ferdie(),
        pc.approve_access_request(
            request,
            30 * DAY,
            vec![RecordType::Allergies],
            AccessLevel::Write
        )
    );
    assert_eq!(
        ev.len(),
        3,
        "record-management's entry and patient-consent's two events"
    );
    let granted: Vec<record_management::events::AuditAppended> = all(&ev, d.record_management)?;
    assert_eq!(granted.len(), 1);
    assert_eq!(
        (granted[0].actor, granted[0].action, granted[0].subject),
        (ferdie, AuditAction::PermissionGranted, Some(charlie))
    );
    let approved: Vec<patient_consent::events::AccessRequestApproved> =
        all(&ev, d.patient_consent)?;
    assert_eq!(
        (
            approved[0].provider,
            approved[0].actor,
            approved[0].permissions
        ),
        (charlie, ferdie, 1)
    );

    // Charlie creates the record and reads it as a transaction
    let (hash, key) = sample_record(1);
    let (record, ev) = step!(
        client,
        ink_e2e::charlie(),
        rm.create_record(
            ferdie,
            RecordType::Allergies,
            hash,
            key,
            64,
            0,
            Confidentiality::Normal,
            Purpose::Treatment
        )
    );
    let e: record_management::events::AuditAppended = only(&ev, d.record_management)?;
    assert_eq!(
        (e.actor, e.action, e.record_id),
        (charlie, AuditAction::Created, Some(record))
    );
    let (view, ev) = step!(
        client,
        ink_e2e::charlie(),
        rm.get_record(ferdie, record, Purpose::Treatment)
    );
    let e: record_management::events::AuditAppended = only(&ev, d.record_management)?;
    assert_eq!((e.index, e.action), (view.audit_index, AuditAction::Read));
    let head = query!(client, rm.audit_head(ferdie));
    assert_eq!((head.len, head.head), (view.audit_index + 1, e.head));

    // Eve reads under an emergency window
    let (_, ev) = step!(
        client,
        ink_e2e::eve(),
        ac.activate_emergency_access(ferdie, EmergencyReason::PatientUnconscious, [0xEE; 32])
    );
    let e: access_control::events::EmergencyAccessActivated = only(&ev, d.access_control)?;
    assert_eq!((e.patient, e.actor), (ferdie, eve));
    let (view, _) = step!(
        client,
        ink_e2e::eve(),
        rm.get_record(ferdie, record, Purpose::EmergencyTreatment)
    );
    assert_eq!(view.access, Access::Emergency);
    let entry = query!(client, rm.audit_entry(ferdie, view.audit_index)).ok_or("recorded")?;
    assert_eq!(entry.action, AuditAction::EmergencyRead);
    Ok(())
}

#[ink_e2e::test]
#[ignore = "needs substrate-contracts-node (scripts/node.sh install); scripts/test.sh runs it"]
async fn a_denied_read_is_reverted_and_changes_nothing<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let d = deploy_all(&mut client).await?;
    let (mut ac, mut pc, mut rm) = (d.ac(), d.pc(), d.rm());
    let (charlie, dave, ferdie) = (
        cast::charlie().account,
        cast::dave().account,
        cast::ferdie().account,
    );
    for (who, role) in [(charlie, Role::Doctor), (dave, Role::Nurse)] {
        step!(
            client,
            ink_e2e::alice(),
            ac.register_provider(who, role, [0xC1; 32])
        );
        step!(client, ink_e2e::bob(), ac.verify_provider(who));
    }
    step!(client, ink_e2e::ferdie(), pc.register_patient());
    let record = {
        let (hash, key) = sample_record(2);
        step!(
            client,
            ink_e2e::ferdie(),
            rm.create_record(
                ferdie,
                RecordType::Vitals,
                hash,
                key,
                64,
                0,
                Confidentiality::Normal,
                Purpose::PatientRequest
            )
        )
        .0
    };
    let head = query!(client, rm.audit_head(ferdie));
    // The dry run names the refusal and carries the revert flag
    let read = rm.get_record(ferdie, record, Purpose::Treatment);
    let dry = client
        .call(&ink_e2e::dave(), &read)
        .dry_run()
        .await
        .map_err(|e| format!("dry run: {e:?}"))?;
    assert!(dry
        .exec_result
        .result
        .as_ref()
        .is_ok_and(|r| r.did_revert()));
    assert_eq!(
        dry.return_value().err(),
        Some(record_management::Error::ConsentRequired)
    );
    // Submitted anyway, the extrinsic fails and nothing changes
    let submitted = client.call(&ink_e2e::dave(), &read).submit().await;
    let err = submitted.err().ok_or("a reverted read must not succeed")?;
    assert!(format!("{err:?}").contains("ContractReverted"), "{err:?}");
    assert_eq!(query!(client, rm.audit_head(ferdie)), head);
    Ok(())
}
