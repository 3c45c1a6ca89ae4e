//! access-control on its own: registration, verification by an admin,
//! deactivation, the role matrix and an emergency window, each denial with its
//! named error and the state shown unchanged.

use access_control::{AccessAction, AccessControl, Error};
use e2e_tests::{deploy_all, E2EResult};
use ink_e2e::ContractsBackend;
use medrec_types::{AccessControlApi, DataType, EmergencyReason, Role};

const CREDS: [u8; 32] = [0xC0; 32];
const NOTE: [u8; 32] = [0x0E; 32];

#[ink_e2e::test(backend(runtime_only(sandbox = ink_e2e::DefaultSandbox)))]
async fn providers_are_registered_verified_and_deactivated<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    // Given access-control, owned by Alice
    let deployment = deploy_all(&mut client).await?;
    let mut ac = ink_e2e::create_call_builder::<AccessControl>(deployment.access_control);
    let bob = ink_e2e::account_id(ink_e2e::AccountKeyring::Bob);
    let charlie = ink_e2e::account_id(ink_e2e::AccountKeyring::Charlie);

    // When Alice registers Bob (admin) and Charlie (doctor), and verifies Bob
    for (who, role) in [(bob, Role::Admin), (charlie, Role::Doctor)] {
        let r = client
            .call(&ink_e2e::alice(), &ac.register_provider(who, role, CREDS))
            .submit()
            .await
            .expect("register_provider");
        assert_eq!(r.return_value(), Ok(()));
    }
    let r = client
        .call(&ink_e2e::alice(), &ac.verify_provider(bob))
        .submit()
        .await
        .expect("verify bob");
    assert_eq!(r.return_value(), Ok(()));

    // Then an unverified doctor has no access yet
    let q = client
        .call(
            &ink_e2e::alice(),
            &ac.check_access_permission(charlie, DataType::LabResults),
        )
        .dry_run()
        .await
        .expect("query");
    assert!(!q.return_value());

    // And Charlie cannot verify himself: NotAdmin, nothing changes
    let r = client
        .call(&ink_e2e::charlie(), &ac.verify_provider(charlie))
        .submit()
        .await
        .expect("call");
    assert_eq!(r.return_value(), Err(Error::NotAdmin));
    let p = client
        .call(&ink_e2e::alice(), &ac.get_provider(charlie))
        .dry_run()
        .await
        .expect("query")
        .return_value()
        .expect("charlie registered");
    assert!(!p.verified);

    // And Bob cannot register providers: only the owner may
    let r = client
        .call(
            &ink_e2e::bob(),
            &ac.register_provider(bob, Role::Doctor, CREDS),
        )
        .submit()
        .await
        .expect("call");
    assert_eq!(r.return_value(), Err(Error::NotOwner));

    // When Bob, a verified admin, verifies Charlie
    let r = client
        .call(&ink_e2e::bob(), &ac.verify_provider(charlie))
        .submit()
        .await
        .expect("verify charlie");
    assert_eq!(r.return_value(), Ok(()));

    // Then the role matrix decides what Charlie sees
    for (data_type, expected) in [
        (DataType::LabResults, true),
        (DataType::MentalHealth, true),
        (DataType::All, true),
    ] {
        let q = client
            .call(
                &ink_e2e::alice(),
                &ac.check_access_permission(charlie, data_type),
            )
            .dry_run()
            .await
            .expect("query");
        assert_eq!(q.return_value(), expected, "{data_type:?}");
    }

    // When Bob deactivates Charlie, Charlie loses access
    let r = client
        .call(&ink_e2e::bob(), &ac.deactivate_provider(charlie))
        .submit()
        .await
        .expect("deactivate");
    assert_eq!(r.return_value(), Ok(()));
    let q = client
        .call(&ink_e2e::alice(), &ac.is_verified_provider(charlie))
        .dry_run()
        .await
        .expect("query");
    assert!(!q.return_value());
    Ok(())
}

#[ink_e2e::test(backend(runtime_only(sandbox = ink_e2e::DefaultSandbox)))]
async fn emergency_window_is_opened_logged_and_ended<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    // Given Dave, a verified emergency provider, and Charlie, a verified doctor
    let deployment = deploy_all(&mut client).await?;
    let mut ac = ink_e2e::create_call_builder::<AccessControl>(deployment.access_control);
    let charlie = ink_e2e::account_id(ink_e2e::AccountKeyring::Charlie);
    let dave = ink_e2e::account_id(ink_e2e::AccountKeyring::Dave);
    let ferdie = ink_e2e::account_id(ink_e2e::AccountKeyring::Ferdie);
    for (who, role) in [(dave, Role::Emergency), (charlie, Role::Doctor)] {
        client
            .call(&ink_e2e::alice(), &ac.register_provider(who, role, CREDS))
            .submit()
            .await
            .expect("register");
        client
            .call(&ink_e2e::alice(), &ac.verify_provider(who))
            .submit()
            .await
            .expect("verify");
    }

    // When the doctor tries to open an emergency window: NotEmergencyRole
    let r = client
        .call(
            &ink_e2e::charlie(),
            &ac.activate_emergency_access(ferdie, EmergencyReason::LifeThreatening, NOTE),
        )
        .submit()
        .await
        .expect("call");
    assert_eq!(r.return_value(), Err(Error::NotEmergencyRole));
    let len = client
        .call(&ink_e2e::alice(), &ac.access_log_len(ferdie))
        .dry_run()
        .await
        .expect("query");
    assert_eq!(len.return_value(), 0);

    // When Dave opens one on Ferdie
    let r = client
        .call(
            &ink_e2e::dave(),
            &ac.activate_emergency_access(ferdie, EmergencyReason::PatientUnconscious, NOTE),
        )
        .submit()
        .await
        .expect("activate");
    assert!(r.return_value().is_ok());

    // Then it is open, and a second one is refused
    let q = client
        .call(&ink_e2e::alice(), &ac.check_emergency_access(dave, ferdie))
        .dry_run()
        .await
        .expect("query");
    assert!(q.return_value());
    let r = client
        .call(
            &ink_e2e::dave(),
            &ac.activate_emergency_access(ferdie, EmergencyReason::Other, NOTE),
        )
        .submit()
        .await
        .expect("call");
    assert_eq!(r.return_value(), Err(Error::EmergencyWindowAlreadyOpen));

    // When Dave ends it, it is closed and both steps are in Ferdie's log
    let r = client
        .call(&ink_e2e::dave(), &ac.end_emergency_access(ferdie))
        .submit()
        .await
        .expect("end");
    assert_eq!(r.return_value(), Ok(()));
    let q = client
        .call(&ink_e2e::alice(), &ac.check_emergency_access(dave, ferdie))
        .dry_run()
        .await
        .expect("query");
    assert!(!q.return_value());
    let log = client
        .call(&ink_e2e::alice(), &ac.access_log(ferdie, 0, 10))
        .dry_run()
        .await
        .expect("query")
        .return_value();
    let actions: Vec<_> = log.iter().map(|e| (e.provider, e.action)).collect();
    assert_eq!(
        actions,
        vec![
            (dave, AccessAction::EmergencyActivated),
            (dave, AccessAction::EmergencyEnded)
        ]
    );
    Ok(())
}
