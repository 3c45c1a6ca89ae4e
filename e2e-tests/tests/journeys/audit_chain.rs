//! Audit chain verification: the patient's trail is recomputed off-chain
//! (SHA-256 of each entry's SCALE encoding, linked by `prev_hash`) and must
//! end at the head the contract reports.

use e2e_tests::{
    consent_and_permit, create_sample, deploy_all, expect_ok, query, register_cast, sample_record,
    set_time, sha256_encoded, submit, Cast, E2EResult,
};
use medrec_types::{AccessLevel, DataType, Purpose, RecordType};
use record_management::AuditAction;

#[ink_e2e::test(backend(runtime_only(sandbox = e2e_tests::ClockedSandbox)))]
async fn the_audit_trail_is_a_verifiable_hash_chain<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    set_time(50_000_000);
    let d = deploy_all(&mut client).await?;
    register_cast(&mut client, &d).await?;
    let (ferdie, charlie) = (Cast::ferdie(), Cast::charlie());
    let mut rm = d.rm();

    // Given a history: grant, create, read, update, key share, revoke
    consent_and_permit(
        &mut client,
        &d,
        charlie,
        DataType::Imaging,
        RecordType::Imaging,
        AccessLevel::Write,
    )
    .await?;
    let id = expect_ok(
        create_sample(&mut client, &d, &ink_e2e::charlie(), RecordType::Imaging, 1).await?,
    )?;
    expect_ok(
        submit(
            &mut client,
            &ink_e2e::charlie(),
            &rm.get_record(ferdie, id, Purpose::Treatment),
        )
        .await?
        .0,
    )?;
    let (h, l) = sample_record(2);
    expect_ok(
        submit(
            &mut client,
            &ink_e2e::charlie(),
            &rm.update_record(ferdie, id, h, l, [2; 32], 64),
        )
        .await?
        .0,
    )?;
    expect_ok(
        submit(
            &mut client,
            &ink_e2e::ferdie(),
            &rm.share_key(ferdie, id, charlie, vec![1; 80]),
        )
        .await?
        .0,
    )?;
    expect_ok(
        submit(
            &mut client,
            &ink_e2e::ferdie(),
            &rm.revoke_permission(ferdie, charlie, RecordType::Imaging),
        )
        .await?
        .0,
    )?;

    // When the trail is read and re-hashed off-chain
    let head = query(&mut client, &rm.audit_head(ferdie)).await?;
    let trail = query(&mut client, &rm.audit_trail(ferdie, 0, 50)).await?;
    let actions: Vec<_> = trail.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        vec![
            AuditAction::PermissionGranted,
            AuditAction::Created,
            AuditAction::Read,
            AuditAction::Updated,
            AuditAction::KeyShared,
            AuditAction::PermissionRevoked,
        ]
    );
    let mut prev = [0u8; 32];
    for entry in &trail {
        assert_eq!(entry.prev_hash, prev, "chain broken at {entry:?}");
        prev = sha256_encoded(entry);
    }

    // Then it ends at the contract's head
    assert_eq!(head.len, trail.len() as u64);
    assert_eq!(head.head, prev);

    // And a rewritten entry would not: changing one field changes the chain
    let mut forged = trail[2].clone();
    forged.actor = ferdie;
    assert_ne!(sha256_encoded(&forged), trail[3].prev_hash);
    Ok(())
}
