//! Records flow: create, read, update (versions), share a wrapped key,
//! archive; each gated operation decided with both other contracts.

use e2e_tests::{
    consent_and_permit, create_sample, deploy_all, expect_ok, query, register_cast, sample_record,
    set_time, submit, Cast, E2EResult,
};
use medrec_types::{AccessLevel, DataType, Purpose, RecordStatus, RecordType};
use record_management::Error;

#[ink_e2e::test(backend(runtime_only(sandbox = e2e_tests::ClockedSandbox)))]
async fn a_record_is_created_read_updated_shared_and_archived<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    // Given Charlie (doctor) with Ferdie's consent and Admin on Diagnosis
    set_time(10_000_000);
    let d = deploy_all(&mut client).await?;
    register_cast(&mut client, &d).await?;
    consent_and_permit(
        &mut client,
        &d,
        Cast::charlie(),
        DataType::MedicalRecords,
        RecordType::Diagnosis,
        AccessLevel::Admin,
    )
    .await?;
    let mut rm = d.rm();
    let (ferdie, charlie) = (Cast::ferdie(), Cast::charlie());

    // When Charlie creates a record
    let id = expect_ok(
        create_sample(
            &mut client,
            &d,
            &ink_e2e::charlie(),
            RecordType::Diagnosis,
            1,
        )
        .await?,
    )?;
    assert_eq!(id, 1);
    // Then a second record with the same ciphertext hash is refused
    let r = create_sample(
        &mut client,
        &d,
        &ink_e2e::charlie(),
        RecordType::Diagnosis,
        1,
    )
    .await?;
    assert_eq!(r, Err(Error::DuplicateRecord));

    // When Ferdie shares the data key wrapped for Charlie, Charlie's read returns it
    let wrapped = vec![0xAB; 80];
    let msg = rm.share_key(ferdie, id, charlie, wrapped.clone());
    expect_ok(submit(&mut client, &ink_e2e::ferdie(), &msg).await?.0)?;
    let view = expect_ok(
        submit(
            &mut client,
            &ink_e2e::charlie(),
            &rm.get_record(ferdie, id, Purpose::Treatment),
        )
        .await?
        .0,
    )?;
    let (hash, locator) = sample_record(1);
    assert_eq!(view.meta.data_hash, hash);
    assert_eq!(view.meta.locator, locator);
    assert_eq!(view.wrapped_key, Some(wrapped));
    assert!(!view.emergency);

    // And Ferdie reads his own record, without any grant, and gets no key
    let view = expect_ok(
        submit(
            &mut client,
            &ink_e2e::ferdie(),
            &rm.get_record(ferdie, id, Purpose::PatientRequest),
        )
        .await?
        .0,
    )?;
    assert_eq!(view.wrapped_key, None);

    // When Charlie updates it, the version history keeps the first version
    let (new_hash, new_locator) = sample_record(2);
    let msg = rm.update_record(ferdie, id, new_hash, new_locator, [2; 32], 128);
    assert_eq!(
        submit(&mut client, &ink_e2e::charlie(), &msg).await?.0,
        Ok(2)
    );
    let v1 = query(&mut client, &rm.record_version(id, 1))
        .await?
        .expect("v1");
    let v2 = query(&mut client, &rm.record_version(id, 2))
        .await?
        .expect("v2");
    assert_eq!((v1.data_hash, v1.author), (hash, charlie));
    assert_eq!((v2.data_hash, v2.size), (new_hash, 128));
    // Then the old wrapped key (for the old data key) is no longer handed out
    let view = expect_ok(
        submit(
            &mut client,
            &ink_e2e::charlie(),
            &rm.get_record(ferdie, id, Purpose::Treatment),
        )
        .await?
        .0,
    )?;
    assert_eq!(view.meta.version, 2);
    assert_eq!(view.wrapped_key, None);

    // When Charlie archives it, it stays readable but is read-only
    expect_ok(
        submit(
            &mut client,
            &ink_e2e::charlie(),
            &rm.archive_record(ferdie, id),
        )
        .await?
        .0,
    )?;
    assert_eq!(
        query(&mut client, &rm.record_status(id)).await?,
        Some(RecordStatus::Archived)
    );
    assert!(submit(
        &mut client,
        &ink_e2e::charlie(),
        &rm.get_record(ferdie, id, Purpose::Treatment)
    )
    .await?
    .0
    .is_ok());
    let (h3, l3) = sample_record(3);
    let (r, _) = submit(
        &mut client,
        &ink_e2e::charlie(),
        &rm.update_record(ferdie, id, h3, l3, [3; 32], 1),
    )
    .await?;
    assert_eq!(r, Err(Error::RecordArchived));

    // And the stats count it
    let stats = query(&mut client, &rm.stats()).await?;
    assert_eq!((stats.total_records, stats.next_record_id), (1, 2));
    let ps = query(&mut client, &rm.provider_stats(charlie)).await?;
    assert_eq!(
        (ps.records_created, ps.records_updated, ps.reads),
        (1, 1, 3)
    );
    Ok(())
}

#[ink_e2e::test(backend(runtime_only(sandbox = e2e_tests::ClockedSandbox)))]
async fn a_locked_record_cannot_be_read_until_unlocked<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    set_time(10_000_000);
    let d = deploy_all(&mut client).await?;
    register_cast(&mut client, &d).await?;
    consent_and_permit(
        &mut client,
        &d,
        Cast::charlie(),
        DataType::LabResults,
        RecordType::LabResults,
        AccessLevel::Admin,
    )
    .await?;
    let mut rm = d.rm();
    let ferdie = Cast::ferdie();
    let id = expect_ok(
        create_sample(
            &mut client,
            &d,
            &ink_e2e::charlie(),
            RecordType::LabResults,
            7,
        )
        .await?,
    )?;
    expect_ok(
        submit(
            &mut client,
            &ink_e2e::charlie(),
            &rm.lock_record(ferdie, id),
        )
        .await?
        .0,
    )?;
    let (r, _) = submit(
        &mut client,
        &ink_e2e::ferdie(),
        &rm.get_record(ferdie, id, Purpose::PatientRequest),
    )
    .await?;
    assert_eq!(r.map(|_| ()), Err(Error::RecordLocked));
    expect_ok(
        submit(
            &mut client,
            &ink_e2e::charlie(),
            &rm.unlock_record(ferdie, id),
        )
        .await?
        .0,
    )?;
    assert_eq!(
        query(&mut client, &rm.record_status(id)).await?,
        Some(RecordStatus::Active)
    );
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
