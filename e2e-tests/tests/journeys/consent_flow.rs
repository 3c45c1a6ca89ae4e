//! Consent flow: a provider asks for consent through patient-consent, which
//! asks access-control about the provider (a real cross-contract call); the
//! patient approves or denies; delegates act for the patient.

use e2e_tests::{
    deploy_all, expect_ok, query, register_cast, set_time, submit, Cast, E2EResult, DAY,
};
use medrec_types::{DataType, PatientConsentApi, Purpose, Role};
use patient_consent::{DelegateKind, Error, RequestStatus};

#[ink_e2e::test(backend(runtime_only(sandbox = e2e_tests::ClockedSandbox)))]
async fn requests_are_checked_with_access_control_and_approved_by_the_patient<
    Client: E2EBackend,
>(
    mut client: Client,
) -> E2EResult<()> {
    // Given the cast, and `two` registered as a doctor but never verified
    set_time(1_000_000);
    let d = deploy_all(&mut client).await?;
    register_cast(&mut client, &d).await?;
    let mut ac = d.ac();
    let mut pc = d.pc();
    let (ferdie, charlie, dave) = (Cast::ferdie(), Cast::charlie(), Cast::dave());
    let stranger = ink_e2e::alice(); // owns the contracts, but is no provider
    let msg = ac.register_provider(Cast::two(), Role::Doctor, [1; 32]);
    expect_ok(submit(&mut client, &ink_e2e::alice(), &msg).await?.0)?;

    // When a non-provider asks: ProviderNotRegistered
    let msg = pc.request_access(ferdie, DataType::LabResults, Purpose::Treatment);
    let (r, _) = submit(&mut client, &stranger, &msg).await?;
    assert_eq!(r, Err(Error::ProviderNotRegistered));
    // When an unverified provider asks: ProviderNotVerified
    let (r, _) = submit(&mut client, &ink_e2e::two(), &msg).await?;
    assert_eq!(r, Err(Error::ProviderNotVerified));
    // When a verified nurse asks for imaging (not her role): RoleNotAllowed
    let msg = pc.request_access(ferdie, DataType::Imaging, Purpose::Treatment);
    let (r, _) = submit(&mut client, &ink_e2e::dave(), &msg).await?;
    assert_eq!(r, Err(Error::RoleNotAllowed));
    // Then no request was stored
    assert_eq!(query(&mut client, &pc.request_count()).await?, 0);

    // When the verified doctor asks for lab results
    let msg = pc.request_access(ferdie, DataType::LabResults, Purpose::Treatment);
    let (r, _) = submit(&mut client, &ink_e2e::charlie(), &msg).await?;
    let id = expect_ok(r)?;
    assert_eq!(id, 1);
    let request = query(&mut client, &pc.get_access_request(id))
        .await?
        .expect("stored");
    assert_eq!(request.status, RequestStatus::Pending);
    assert!(
        !query(
            &mut client,
            &pc.check_consent(ferdie, charlie, DataType::LabResults)
        )
        .await?
    );

    // Then the doctor cannot approve its own request
    let (r, _) = submit(
        &mut client,
        &ink_e2e::charlie(),
        &pc.approve_access_request(id, DAY),
    )
    .await?;
    assert_eq!(r, Err(Error::NotAuthorized));

    // When Ferdie approves it for one day
    let (r, _) = submit(
        &mut client,
        &ink_e2e::ferdie(),
        &pc.approve_access_request(id, DAY),
    )
    .await?;
    assert_eq!(r, Ok(1_000_000 + DAY));

    // Then the consent is active, for lab results only, until its expiry
    assert!(
        query(
            &mut client,
            &pc.check_consent(ferdie, charlie, DataType::LabResults)
        )
        .await?
    );
    assert!(
        !query(
            &mut client,
            &pc.check_consent(ferdie, charlie, DataType::Imaging)
        )
        .await?
    );
    let request = query(&mut client, &pc.get_access_request(id))
        .await?
        .expect("stored");
    assert_eq!(request.status, RequestStatus::Approved);
    set_time(1_000_000 + DAY);
    assert!(
        !query(
            &mut client,
            &pc.check_consent(ferdie, charlie, DataType::LabResults)
        )
        .await?
    );

    // And a second decision is refused
    let (r, _) = submit(&mut client, &ink_e2e::ferdie(), &pc.deny_access_request(id)).await?;
    assert_eq!(r, Err(Error::RequestNotPending));

    // When the nurse asks for lab results and Ferdie denies: no consent
    let msg = pc.request_access(ferdie, DataType::LabResults, Purpose::Operations);
    let id = expect_ok(submit(&mut client, &ink_e2e::dave(), &msg).await?.0)?;
    expect_ok(
        submit(&mut client, &ink_e2e::ferdie(), &pc.deny_access_request(id))
            .await?
            .0,
    )?;
    assert!(
        !query(
            &mut client,
            &pc.check_consent(ferdie, dave, DataType::LabResults)
        )
        .await?
    );
    let request = query(&mut client, &pc.get_access_request(id))
        .await?
        .expect("stored");
    assert_eq!(request.status, RequestStatus::Denied);
    Ok(())
}

#[ink_e2e::test(backend(runtime_only(sandbox = e2e_tests::ClockedSandbox)))]
async fn all_covers_ordinary_types_and_delegates_act_until_expiry<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    set_time(5_000_000);
    let d = deploy_all(&mut client).await?;
    register_cast(&mut client, &d).await?;
    let mut pc = d.pc();
    let (ferdie, charlie, guardian) = (Cast::ferdie(), Cast::charlie(), Cast::two());

    // Given Ferdie consents to Charlie for All
    let msg = pc.grant_consent(charlie, DataType::All, 10 * DAY, Purpose::Treatment);
    expect_ok(submit(&mut client, &ink_e2e::ferdie(), &msg).await?.0)?;

    // Then every non-sensitive type is covered, no sensitive one is
    for t in DataType::ALL {
        let covered = query(&mut client, &pc.check_consent(ferdie, charlie, t)).await?;
        assert_eq!(covered, !t.is_sensitive(), "{t:?}");
    }

    // When Ferdie names a guardian for one day, the guardian grants mental health
    let msg = pc.add_delegate(guardian, DelegateKind::Guardian, DAY);
    expect_ok(submit(&mut client, &ink_e2e::ferdie(), &msg).await?.0)?;
    let msg = pc.grant_consent_as_delegate(
        ferdie,
        charlie,
        DataType::MentalHealth,
        DAY,
        Purpose::Treatment,
    );
    expect_ok(submit(&mut client, &ink_e2e::two(), &msg).await?.0)?;
    assert!(
        query(
            &mut client,
            &pc.check_consent(ferdie, charlie, DataType::MentalHealth)
        )
        .await?
    );
    let consent = query(
        &mut client,
        &pc.get_consent(ferdie, charlie, DataType::MentalHealth),
    )
    .await?
    .expect("stored");
    assert_eq!(consent.granted_by, guardian);

    // And the history says who acted
    let history = query(&mut client, &pc.history(ferdie, 0, 50)).await?;
    assert_eq!(history.len(), 3);
    assert_eq!(history[2].actor, guardian);

    // When the delegation has expired, the guardian can no longer act
    set_time(5_000_000 + DAY);
    let msg = pc.revoke_consent_as_delegate(ferdie, charlie, DataType::MentalHealth);
    let (r, _) = submit(&mut client, &ink_e2e::two(), &msg).await?;
    assert_eq!(r, Err(Error::NotAuthorized));
    assert_eq!(query(&mut client, &pc.history_len(ferdie)).await?, 3);
    Ok(())
}
