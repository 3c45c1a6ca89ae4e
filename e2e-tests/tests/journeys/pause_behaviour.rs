//! Pause: the owner pauses record-management; creating, reading and updating
//! fail, while revoking permissions and reading the audit trail still work.
//! Patient-consent's pause keeps revocation working too.

use e2e_tests::{
    consent_and_permit, create_sample, deploy_all, expect_ok, query, register_cast, sample_record,
    set_time, submit, Cast, E2EResult, DAY,
};
use medrec_types::{AccessLevel, DataType, Purpose, RecordType};
use record_management::Error;

#[ink_e2e::test(backend(runtime_only(sandbox = e2e_tests::ClockedSandbox)))]
async fn paused_contracts_still_let_patients_revoke_and_audit<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    set_time(40_000_000);
    let d = deploy_all(&mut client).await?;
    register_cast(&mut client, &d).await?;
    let (ferdie, charlie) = (Cast::ferdie(), Cast::charlie());
    consent_and_permit(
        &mut client,
        &d,
        charlie,
        DataType::LabResults,
        RecordType::LabResults,
        AccessLevel::Write,
    )
    .await?;
    let id = expect_ok(
        create_sample(
            &mut client,
            &d,
            &ink_e2e::charlie(),
            RecordType::LabResults,
            1,
        )
        .await?,
    )?;
    let (mut pc, mut rm) = (d.pc(), d.rm());

    // Only the owner pauses
    let (r, _) = submit(&mut client, &ink_e2e::bob(), &rm.pause()).await?;
    assert_eq!(r, Err(Error::NotOwner));
    expect_ok(submit(&mut client, &ink_e2e::alice(), &rm.pause()).await?.0)?;
    let head = query(&mut client, &rm.audit_head(ferdie)).await?;

    // Create, read and update fail
    let r = create_sample(
        &mut client,
        &d,
        &ink_e2e::charlie(),
        RecordType::LabResults,
        2,
    )
    .await?;
    assert_eq!(r, Err(Error::ContractPaused));
    let (r, _) = submit(
        &mut client,
        &ink_e2e::charlie(),
        &rm.get_record(ferdie, id, Purpose::Treatment),
    )
    .await?;
    assert_eq!(r.map(|_| ()), Err(Error::ContractPaused));
    let (h, l) = sample_record(3);
    let (r, _) = submit(
        &mut client,
        &ink_e2e::charlie(),
        &rm.update_record(ferdie, id, h, l, [3; 32], 1),
    )
    .await?;
    assert_eq!(r, Err(Error::ContractPaused));
    assert_eq!(query(&mut client, &rm.audit_head(ferdie)).await?, head);

    // Revoking a permission works, and the audit trail is readable
    let msg = rm.revoke_permission(ferdie, charlie, RecordType::LabResults);
    expect_ok(submit(&mut client, &ink_e2e::ferdie(), &msg).await?.0)?;
    assert_eq!(
        query(
            &mut client,
            &rm.get_permission(ferdie, charlie, RecordType::LabResults)
        )
        .await?,
        None
    );
    let trail = query(&mut client, &rm.audit_trail(ferdie, 0, 50)).await?;
    assert_eq!(trail.len() as u64, head.len + 1);

    // Patient-consent paused: granting fails, revoking works
    expect_ok(submit(&mut client, &ink_e2e::alice(), &pc.pause()).await?.0)?;
    let msg = pc.grant_consent(charlie, DataType::Imaging, DAY, Purpose::Treatment);
    let (r, _) = submit(&mut client, &ink_e2e::ferdie(), &msg).await?;
    assert_eq!(r, Err(patient_consent::Error::ContractPaused));
    let msg = pc.revoke_consent(charlie, DataType::LabResults);
    expect_ok(submit(&mut client, &ink_e2e::ferdie(), &msg).await?.0)?;

    // Unpaused, reading works again for the patient
    expect_ok(
        submit(&mut client, &ink_e2e::alice(), &rm.unpause())
            .await?
            .0,
    )?;
    assert!(submit(
        &mut client,
        &ink_e2e::ferdie(),
        &rm.get_record(ferdie, id, Purpose::PatientRequest)
    )
    .await?
    .0
    .is_ok());
    Ok(())
}
