//! The gateway's chain reads on a real node (`NodeChain`: JSON-RPC,
//! finalized head, `ContractsApi_call` at that block), after the client's
//! journey ran on a deployment. `#[ignore]`d in a plain `cargo test`;
//! scripts/test.sh runs it in its node section:
//!
//! ```text
//! MEDREC_WS=ws://127.0.0.1:9955 MEDREC_DEPLOYMENT=target/test-deployment.json \
//!     cargo test -p medrec-gateway --test node_chain -- --ignored
//! ```

use medrec_gateway::chain::{self, ChainView};
use medrec_gateway::node::{Addresses, NodeChain};
use medrec_gateway::{parse_account, AccountId};
use std::time::Duration;

fn chain() -> Result<NodeChain, Box<dyn std::error::Error>> {
    let ws = std::env::var("MEDREC_WS")?;
    let file = std::env::var("MEDREC_DEPLOYMENT")?;
    let d: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(file)?)?;
    let get = |k: &str| -> Result<AccountId, Box<dyn std::error::Error>> {
        let s = d["addresses"][k].as_str().ok_or("no address")?;
        Ok(AccountId::from(parse_account(s).ok_or("bad address")?))
    };
    Ok(NodeChain::new(
        &ws,
        Addresses {
            access_control: get("accessControl")?,
            patient_consent: get("patientConsent")?,
            record_management: get("recordManagement")?,
        },
        Duration::from_secs(10),
    )?)
}

#[tokio::test]
#[ignore = "needs a node with a deployment and the client's journey on it (scripts/test.sh)"]
async fn the_gateway_reads_the_journey_at_the_finalized_head(
) -> Result<(), Box<dyn std::error::Error>> {
    let c = chain()?;
    let head = c.head().await?;
    assert!(head.number > 0);
    assert!(
        head.time_ms.abs_diff(medrec_gateway::now_ms()) < 3_600_000,
        "{head:?}"
    );
    // The journey's first record: Ferdie's, created by Dr Charlie and read
    let ferdie = AccountId::from(
        parse_account("5CiPPseXPECbkjWCa6MnjNokrgYjMqmKndv2rSnekmSK2DjL").ok_or("ferdie")?,
    );
    let charlie = AccountId::from(
        parse_account("5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y").ok_or("charlie")?,
    );
    let meta = chain::record(&c, &head, 1).await?.ok_or("record 1")?;
    assert_eq!(meta.patient, ferdie);
    let trail_len = 64;
    let mut reads = 0;
    for i in 0..trail_len {
        let Some(e) = chain::audit_entry(&c, &head, ferdie, i).await? else {
            break;
        };
        if e.action.is_read() && e.actor == charlie && e.record_id == Some(1) {
            reads += 1;
        }
    }
    assert!(reads >= 1, "Dr Charlie's recorded read of record 1");
    assert!(chain::provider(&c, &head, charlie)
        .await?
        .is_some_and(|p| p.verified));
    assert!(chain::is_patient(&c, &head, ferdie).await?);
    assert!(chain::may_upload(&c, &head, charlie).await?);
    // Nothing for unknown ids and accounts
    let nobody = AccountId::from([0x99; 32]);
    assert!(chain::record(&c, &head, u64::MAX).await?.is_none());
    assert!(chain::audit_entry(&c, &head, nobody, 0).await?.is_none());
    assert!(!chain::may_upload(&c, &head, nobody).await?);
    Ok(())
}

#[tokio::test]
#[ignore = "needs nothing listening on 127.0.0.1:9 (scripts/test.sh runs it with the node tests)"]
async fn an_unreachable_node_is_an_error_not_an_answer() {
    let c = NodeChain::new(
        "ws://127.0.0.1:9",
        Addresses {
            access_control: AccountId::from([1; 32]),
            patient_consent: AccountId::from([2; 32]),
            record_management: AccountId::from([3; 32]),
        },
        Duration::from_secs(2),
    );
    let Ok(c) = c else {
        panic!("client");
    };
    assert!(matches!(
        c.head().await,
        Err(chain::ChainError::Unreachable(_))
    ));
}
