//! Emergency flow: a break-glass window lets an emergency physician read
//! without consent or permission, logged as an emergency read; never write;
//! and only until the window expires.

use e2e_tests::{
    advance_time, consent_and_permit, create_sample, deploy_all, expect_ok, query, register_cast,
    set_time, submit, Cast, E2EResult, DAY,
};
use medrec_types::{AccessLevel, DataType, EmergencyReason, Purpose, RecordType};
use record_management::{AuditAction, Error};

#[ink_e2e::test(backend(runtime_only(sandbox = e2e_tests::ClockedSandbox)))]
async fn break_glass_reads_are_allowed_logged_read_only_and_expire<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    // Given a record of Ferdie's created by Charlie
    set_time(20_000_000);
    let d = deploy_all(&mut client).await?;
    register_cast(&mut client, &d).await?;
    consent_and_permit(
        &mut client,
        &d,
        Cast::charlie(),
        DataType::MedicalRecords,
        RecordType::Allergies,
        AccessLevel::Write,
    )
    .await?;
    let id = expect_ok(
        create_sample(
            &mut client,
            &d,
            &ink_e2e::charlie(),
            RecordType::Allergies,
            9,
        )
        .await?,
    )?;
    let (mut ac, mut rm) = (d.ac(), d.rm());
    let (ferdie, eve) = (Cast::ferdie(), Cast::eve());

    // When Eve (emergency role, no consent, no permission) reads: ConsentRequired
    let read = rm.get_record(ferdie, id, Purpose::EmergencyTreatment);
    let (r, _) = submit(&mut client, &ink_e2e::eve(), &read).await?;
    assert_eq!(r.map(|_| ()), Err(Error::ConsentRequired));

    // When Eve opens an emergency window on Ferdie and reads
    let msg = ac.activate_emergency_access(ferdie, EmergencyReason::PatientUnconscious, [0xEE; 32]);
    expect_ok(submit(&mut client, &ink_e2e::eve(), &msg).await?.0)?;
    let view = expect_ok(submit(&mut client, &ink_e2e::eve(), &read).await?.0)?;

    // Then the read is allowed and flagged, and the audit trail says so
    assert!(view.emergency);
    let head = query(&mut client, &rm.audit_head(ferdie)).await?;
    let last = query(&mut client, &rm.audit_entry(ferdie, head.len - 1))
        .await?
        .expect("entry");
    assert_eq!((last.actor, last.action), (eve, AuditAction::EmergencyRead));
    assert_eq!(
        query(&mut client, &rm.provider_stats(eve))
            .await?
            .emergency_reads,
        1
    );

    // But Eve cannot write under the window
    let r = create_sample(&mut client, &d, &ink_e2e::eve(), RecordType::Allergies, 10).await?;
    assert_eq!(r, Err(Error::EmergencyAccessReadOnly));

    // When the 24-hour window has passed, the read is refused again
    advance_time(DAY);
    let (r, _) = submit(&mut client, &ink_e2e::eve(), &read).await?;
    assert_eq!(r.map(|_| ()), Err(Error::ConsentRequired));
    assert_eq!(query(&mut client, &rm.audit_head(ferdie)).await?, head);
    Ok(())
}
