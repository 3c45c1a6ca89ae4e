//! The denial matrix: starting from a read that is allowed, each condition of
//! the access decision is broken alone and gives its own error, and a denied
//! call leaves the patient's audit trail (and everything else) unchanged.

use e2e_tests::{
    advance_time, consent_and_permit, create_sample, deploy_all, expect_ok, query, register_cast,
    sample_record, set_time, submit, Cast, E2EResult, HOUR,
};
use medrec_types::{AccessLevel, DataType, Purpose, RecordType, Role};
use record_management::{Error, Quota};

#[ink_e2e::test(backend(runtime_only(sandbox = e2e_tests::ClockedSandbox)))]
async fn each_failing_condition_gives_its_own_error<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    // Given Charlie (doctor) may read and write Ferdie's diagnoses, and one exists
    set_time(30_000_000);
    let d = deploy_all(&mut client).await?;
    register_cast(&mut client, &d).await?;
    let (ferdie, charlie) = (Cast::ferdie(), Cast::charlie());
    let dx = RecordType::Diagnosis;
    let md = DataType::MedicalRecords;
    consent_and_permit(&mut client, &d, charlie, md, dx, AccessLevel::Write).await?;
    let id = expect_ok(create_sample(&mut client, &d, &ink_e2e::charlie(), dx, 1).await?)?;
    let (mut ac, mut pc, mut rm) = (d.ac(), d.pc(), d.rm());
    let read = rm.get_record(ferdie, id, Purpose::Treatment);
    assert!(submit(&mut client, &ink_e2e::charlie(), &read)
        .await?
        .0
        .is_ok());

    // Every denial below must leave the audit trail as it is
    macro_rules! denied {
        ($who:expr, $msg:expr, $err:expr) => {{
            let before = query(&mut client, &rm.audit_head(ferdie)).await?;
            let (r, _) = submit(&mut client, &$who, &$msg).await?;
            assert_eq!(r.map(|_| ()), Err($err));
            assert_eq!(query(&mut client, &rm.audit_head(ferdie)).await?, before);
        }};
    }

    // Not a registered provider (Alice holds consent and permission anyway)
    consent_and_permit(
        &mut client,
        &d,
        Cast::id(ink_e2e::AccountKeyring::Alice),
        md,
        dx,
        AccessLevel::Read,
    )
    .await?;
    denied!(ink_e2e::alice(), read, Error::ProviderNotRegistered);

    // Registered but not verified
    let msg = ac.register_provider(Cast::two(), Role::Doctor, [2; 32]);
    expect_ok(submit(&mut client, &ink_e2e::alice(), &msg).await?.0)?;
    consent_and_permit(&mut client, &d, Cast::two(), md, dx, AccessLevel::Read).await?;
    denied!(ink_e2e::two(), read, Error::ProviderNotVerified);

    // Role does not allow the data type (a technician on a diagnosis)
    consent_and_permit(&mut client, &d, Cast::one(), md, dx, AccessLevel::Read).await?;
    denied!(ink_e2e::one(), read, Error::RoleNotAllowed);

    // Deactivated
    expect_ok(
        submit(
            &mut client,
            &ink_e2e::bob(),
            &ac.deactivate_provider(charlie),
        )
        .await?
        .0,
    )?;
    denied!(ink_e2e::charlie(), read, Error::ProviderInactive);
    expect_ok(
        submit(
            &mut client,
            &ink_e2e::bob(),
            &ac.reactivate_provider(charlie),
        )
        .await?
        .0,
    )?;

    // Consent revoked
    expect_ok(
        submit(
            &mut client,
            &ink_e2e::ferdie(),
            &pc.revoke_consent(charlie, md),
        )
        .await?
        .0,
    )?;
    denied!(ink_e2e::charlie(), read, Error::ConsentRequired);
    let msg = pc.grant_consent(charlie, md, 30 * 24 * HOUR, Purpose::Treatment);
    expect_ok(submit(&mut client, &ink_e2e::ferdie(), &msg).await?.0)?;

    // No permission
    expect_ok(
        submit(
            &mut client,
            &ink_e2e::ferdie(),
            &rm.revoke_permission(ferdie, charlie, dx),
        )
        .await?
        .0,
    )?;
    denied!(ink_e2e::charlie(), read, Error::NoPermission);

    // Permission of too low a level for a write
    let msg = rm.grant_permission(ferdie, charlie, dx, AccessLevel::Read, None, None);
    expect_ok(submit(&mut client, &ink_e2e::ferdie(), &msg).await?.0)?;
    let (h, l) = sample_record(5);
    denied!(
        ink_e2e::charlie(),
        rm.update_record(ferdie, id, h, l, [5; 32], 1),
        Error::InsufficientAccessLevel
    );

    // Quota used up: one read allowed, the second refused
    let quota = Quota {
        max_reads: Some(1),
        max_bytes: None,
    };
    let msg = rm.grant_permission(ferdie, charlie, dx, AccessLevel::Read, None, Some(quota));
    expect_ok(submit(&mut client, &ink_e2e::ferdie(), &msg).await?.0)?;
    assert!(submit(&mut client, &ink_e2e::charlie(), &read)
        .await?
        .0
        .is_ok());
    denied!(ink_e2e::charlie(), read, Error::QuotaExhausted);

    // Permission expired (one hour, then the clock moves an hour)
    let msg = rm.grant_permission(ferdie, charlie, dx, AccessLevel::Read, Some(HOUR), None);
    expect_ok(submit(&mut client, &ink_e2e::ferdie(), &msg).await?.0)?;
    assert!(submit(&mut client, &ink_e2e::charlie(), &read)
        .await?
        .0
        .is_ok());
    advance_time(HOUR);
    denied!(ink_e2e::charlie(), read, Error::PermissionExpired);
    Ok(())
}
