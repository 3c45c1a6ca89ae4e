//! medvault as a gateway client (issue 18, "Clients"): `medvault seal
//! --gateway` uploads and deposits, `medvault bind` binds once the record is
//! on-chain, `medvault read` releases, fetches, verifies and decrypts,
//! through the library functions the CLI calls, against real gateways on
//! the sandbox chain. One gateway holding the key, and three holding 2-of-3
//! shares with one stopped.

use crate::gateway_release::{charlie_writes_diagnoses, recorded_read, PLAINTEXT};
use e2e_tests::gateway::{Harness, SandboxChain};
use e2e_tests::{cast, E2EResult};
use medrec_types::{Purpose, RecordType};
use medvault::gateway::{self, Gateway, ReadProof, Signer};
use medvault::{Sealed, Store, VaultError};
use record_management::Confidentiality;
use std::time::Duration;

/// Charlie's and Dave's signers, from their dev secret URIs.
fn signers() -> E2EResult<(Signer, Signer)> {
    let charlie = Signer::from_uri("//Charlie")?;
    let dave = Signer::from_uri("//Dave")?;
    // The URI gives the same account the chain knows
    assert_eq!(
        charlie.account(),
        *AsRef::<[u8; 32]>::as_ref(&cast::charlie().account)
    );
    Ok((charlie, dave))
}

fn ferdie_hex() -> String {
    hex::encode(AsRef::<[u8; 32]>::as_ref(&cast::ferdie().account))
}

/// Charlie seals the plaintext into a fresh store.
fn sealed_in(dir: &std::path::Path) -> E2EResult<(Store, Sealed)> {
    let file = dir.join("allergy.txt");
    std::fs::write(&file, PLAINTEXT)?;
    let store = Store::open(dir.join("charlie-store"))?;
    let sealed = store.seal_file(&file, medvault::DEFAULT_CHUNK, |_| {})?;
    Ok((store, sealed))
}

/// `create_record` with what `medvault seal` printed.
fn create(h: &Harness, sealed: &Sealed) -> E2EResult<u64> {
    let key_id: [u8; 32] = hex::decode(&sealed.key_id)?
        .try_into()
        .map_err(|_| "key id length")?;
    h.with(|s| -> E2EResult<u64> {
        let m = s.rm().create_record(
            cast::ferdie().account,
            RecordType::Diagnosis,
            sealed.data_hash,
            key_id,
            sealed.size,
            0,
            Confidentiality::Normal,
            Purpose::Treatment,
        );
        Ok(s.ok(&cast::charlie(), &m)?.value)
    })?
}

fn refused_code(r: Result<impl std::fmt::Debug, VaultError>) -> String {
    match r {
        Err(VaultError::Refused { code, .. }) => code,
        other => format!("not refused: {other:?}"),
    }
}

#[test]
fn medvault_seals_deposits_and_reads_back_through_one_gateway() -> E2EResult<()> {
    let s = charlie_writes_diagnoses()?;
    let h = Harness::start(s, Harness::settings())?;
    let (charlie, dave) = signers()?;
    let dir = tempfile::tempdir()?;
    let (store, sealed) = sealed_in(dir.path())?;
    let gateways = [Gateway::new(&h.url)?];

    // seal --gateway: the ciphertext uploaded, the key deposited
    let deposited = store.deposit(&charlie, &sealed, &gateways, 1)?;
    assert_eq!(deposited.len(), 1);
    assert!(deposited[0].uploaded_new);
    assert_eq!(
        (deposited[0].stored.as_str(), deposited[0].x),
        ("key", None)
    );
    // Depositing the same again: the object is already there
    assert!(!store.deposit(&charlie, &sealed, &gateways, 1)?[0].uploaded_new);

    let id = create(&h, &sealed)?;
    // The patient named by its SS58 address, as polkadot.js prints it
    let ferdie_ss58 = ink_e2e::ferdie().public_key().to_account_id().to_string();
    assert!(ferdie_ss58.starts_with('5'), "{ferdie_ss58}");
    let bound = gateway::bind(&gateways, &charlie, &ferdie_ss58, id)?;
    assert_eq!(bound[0]["key_id"], sealed.key_id.as_str());

    // read: a fresh store on the reader's side, the recorded read's index
    let reader = Store::open(dir.path().join("reader-store"))?;
    let index = recorded_read(&h, &cast::charlie(), id, Purpose::Treatment)?;
    let proof = ReadProof {
        patient: ferdie_ss58.clone(),
        record_id: id,
        audit_index: index,
    };
    let out = dir.path().join("opened.txt");
    let read = reader.read(
        &charlie,
        &gateways,
        1,
        &proof,
        &sealed.data_hash,
        Some(&sealed.key_id),
        &out,
    )?;
    assert_eq!(std::fs::read(&out)?, PLAINTEXT);
    assert_eq!(read.out_size, PLAINTEXT.len() as u64);
    assert_eq!(read.released_by, vec![h.url.clone()]);
    assert!(read.refusals.is_empty());
    // The fetched ciphertext is kept in the reader's store under its hash
    assert_eq!(
        medvault::sha256_file(&reader.object_path(&sealed.locator)?)?,
        sealed.data_hash
    );

    // The same read again: used up; Dave presenting Charlie's read: not his
    let again = dir.path().join("again.txt");
    let r = reader.read(
        &charlie,
        &gateways,
        1,
        &proof,
        &sealed.data_hash,
        None,
        &again,
    );
    assert!(
        matches!(&r, Err(VaultError::TooFewShares { refusals, .. })
            if refusals == &vec![(h.url.clone(), "409 entry_used".to_owned())]),
        "{r:?}"
    );
    assert_eq!(
        refused_code(gateways[0].release(&dave, &proof)),
        "not_your_entry"
    );
    assert!(!again.exists());

    // A wrong expected hash: the bytes are refused before any decryption
    let index = recorded_read(&h, &cast::charlie(), id, Purpose::Treatment)?;
    let proof = ReadProof {
        audit_index: index,
        ..proof
    };
    let wrong = dir.path().join("wrong.txt");
    let r = reader.read(&charlie, &gateways, 1, &proof, &[7; 32], None, &wrong);
    assert_eq!(r.map(|_| ()).map_err(|e| e.code()), Err("HashMismatch"));
    assert!(!wrong.exists());

    // No signer, no request: a bad secret URI is refused locally
    assert!(matches!(
        Signer::from_uri("not a uri at all"),
        Err(VaultError::BadSigner)
    ));
    Ok(())
}

#[test]
fn medvault_splits_the_key_two_of_three_and_reads_with_one_gateway_down() -> E2EResult<()> {
    let s = charlie_writes_diagnoses()?;
    let chain = SandboxChain::new(s);
    let t = Duration::from_secs(5);
    let a = Harness::start_on(chain.another_view(), Harness::settings(), t)?;
    let b = Harness::start_on(chain.another_view(), Harness::settings(), t)?;
    let c = Harness::start_on(chain.another_view(), Harness::settings(), t)?;
    let (charlie, _) = signers()?;
    let dir = tempfile::tempdir()?;
    let (store, sealed) = sealed_in(dir.path())?;
    let gateways = [
        Gateway::new(&a.url)?,
        Gateway::new(&b.url)?,
        Gateway::new(&c.url)?,
    ];

    // 1 of 3 or 4 of 3 is not a threshold; nothing is sent
    for k in [1, 4] {
        assert!(matches!(
            store.deposit(&charlie, &sealed, &gateways, k),
            Err(VaultError::Threshold { .. })
        ));
    }
    let deposited = store.deposit(&charlie, &sealed, &gateways, 2)?;
    let xs: Vec<_> = deposited.iter().map(|d| (d.stored.as_str(), d.x)).collect();
    assert_eq!(xs.len(), 3);
    assert!(xs.iter().all(|(kind, x)| *kind == "share" && x.is_some()));

    let id = create(&a, &sealed)?;
    let bound = gateway::bind(&gateways, &charlie, &ferdie_hex(), id)?;
    assert!(bound.iter().all(|b| b["stored"] == "share"));

    // B stops; A and C release their shares, which combine to the key
    let b_url = b.url.clone();
    drop(b);
    let index = recorded_read(&a, &cast::charlie(), id, Purpose::Treatment)?;
    let proof = ReadProof {
        patient: ferdie_hex(),
        record_id: id,
        audit_index: index,
    };
    let reader = Store::open(dir.path().join("reader-store"))?;
    let out = dir.path().join("opened.txt");
    let read = reader.read(
        &charlie,
        &gateways,
        2,
        &proof,
        &sealed.data_hash,
        Some(&sealed.key_id),
        &out,
    )?;
    assert_eq!(std::fs::read(&out)?, PLAINTEXT);
    assert_eq!(read.released_by, vec![a.url.clone(), c.url.clone()]);
    assert_eq!(read.refusals, vec![(b_url, "unreachable".to_owned())]);
    assert_eq!(read.fetched_from, a.url);

    // With a threshold of 3 and one gateway down, no key
    let index = recorded_read(&a, &cast::charlie(), id, Purpose::Treatment)?;
    let proof = ReadProof {
        audit_index: index,
        ..proof
    };
    let out3 = dir.path().join("three.txt");
    let r = reader.read(
        &charlie,
        &gateways,
        3,
        &proof,
        &sealed.data_hash,
        None,
        &out3,
    );
    assert!(
        matches!(
            r,
            Err(VaultError::TooFewShares {
                got: 2,
                need: 3,
                ..
            })
        ),
        "{r:?}"
    );
    assert!(!out3.exists());
    Ok(())
}
