//! Stateless gateways behind a load balancer (issue 18): two gateways share
//! one S3-compatible store (SeaweedFS, started by scripts/s3.sh) and one
//! key pair; an upload through one is there for the other, and a read used
//! up at one is used up at both.

use crate::gateway_release::{
    charlie_writes_diagnoses, create_on_chain, fetch_request, gateway_key, open, recorded_read,
    release_request, seal, upload, PLAINTEXT,
};
use e2e_tests::gateway::{sign, Harness, SandboxChain};
use e2e_tests::{cast, E2EResult};
use medrec_types::Purpose;
use serde_json::json;

#[test]
#[ignore = "needs an S3-compatible server (scripts/s3.sh start; scripts/test.sh runs it)"]
fn two_gateways_on_one_s3_store_act_as_one() -> E2EResult<()> {
    std::env::var("MEDREC_S3_ENDPOINT").map_err(|_| "MEDREC_S3_ENDPOINT is not set")?;
    let s = charlie_writes_diagnoses()?;
    let chain = SandboxChain::new(s);
    let url = format!("s3://medrec/journey-{}", medrec_gateway::now_ms());
    let master = *medvault_core::generate_data_key();
    let x = medvault_core::generate_secret_key().to_bytes();
    let g1 = Harness::start_shared(chain.another_view(), Harness::settings(), &url, master, x)?;
    let g2 = Harness::start_shared(chain.another_view(), Harness::settings(), &url, master, x)?;
    let (ferdie, charlie) = (cast::ferdie(), cast::charlie());
    let kc = ink_e2e::charlie();
    let sealed = seal(PLAINTEXT)?;
    assert_eq!(upload(&g1, &kc, &sealed)?.0, 201);
    let (status, body) = upload(&g2, &kc, &sealed)?;
    assert_eq!(
        (status, &body["new"]),
        (200, &json!(false)),
        "the other gateway sees it"
    );
    let key = gateway_key(&g2)?;
    assert_eq!(key.as_bytes(), gateway_key(&g1)?.as_bytes());
    let wrapped = medvault_core::wrap_key(&sealed.key, &key)?;
    let body =
        json!({"data_hash": hex::encode(sealed.data_hash), "sealed_key": hex::encode(wrapped)});
    assert_eq!(
        g2.send_json(&sign(
            &kc,
            "POST",
            "/v1/keys",
            body.to_string().into_bytes()
        ))?
        .0,
        200
    );
    let id = create_on_chain(&g1, &sealed)?;
    let bind = format!(
        "/v1/records/{}/{id}/bind",
        hex::encode(AsRef::<[u8; 32]>::as_ref(&ferdie.account))
    );
    assert_eq!(g1.send_json(&sign(&kc, "POST", &bind, Vec::new()))?.0, 200);
    let index = recorded_read(&g1, &charlie, id, Purpose::Treatment)?;
    let mine = medvault_core::generate_secret_key();
    let req = release_request(&kc, &ferdie.account, id, index, &mine.public_key());
    let (status, body) = g2.send_json(&req)?;
    assert_eq!(status, 200, "{body}");
    let released = medvault_core::unwrap_key(
        &hex::decode(body["wrapped_key"].as_str().ok_or("key")?)?,
        &mine,
    )?;
    // The same read at the other gateway: used up there too
    let again = release_request(&kc, &ferdie.account, id, index, &mine.public_key());
    let (status, body) = g1.send_json(&again)?;
    assert_eq!((status, body["error"].as_str()), (409, Some("entry_used")));
    let (status, bytes) = g1.send(&fetch_request(&kc, &ferdie.account, id, index))?;
    assert_eq!(status, 200);
    assert_eq!(open(&released, &bytes)?, PLAINTEXT);
    Ok(())
}
