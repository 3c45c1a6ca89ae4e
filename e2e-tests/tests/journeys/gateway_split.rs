//! Split custody across gateways (issue 18): the data key is split 2-of-3
//! (Shamir over GF(256)); each of three gateways holds one share, sealed to
//! it, and checks the recorded read on its own. No gateway can decrypt
//! alone; one stopped or one refusing (pointed at another chain) does not
//! block a read; with two unavailable the key cannot be had.

use crate::gateway_release::{
    charlie_writes_diagnoses, create_on_chain, fetch_request, gateway_key, open, recorded_read,
    release_request, seal, store_files, upload, PLAINTEXT,
};
use crate::staffed;
use e2e_tests::gateway::{sign, Harness, SandboxChain};
use e2e_tests::{cast, E2EResult};
use medrec_types::Purpose;
use medvault_core::split::{combine_key, split_key};
use serde_json::json;
use std::time::Duration;

#[test]
fn two_of_three_gateways_open_a_record_and_no_one_gateway_can() -> E2EResult<()> {
    let s = charlie_writes_diagnoses()?;
    let chain = SandboxChain::new(s);
    // Another chain with the same cast, where this record does not exist
    let other = SandboxChain::new(staffed()?);
    let t = Duration::from_secs(5);
    let a = Harness::start_on(chain.another_view(), Harness::settings(), t)?;
    let b = Harness::start_on(chain.another_view(), Harness::settings(), t)?;
    let c = Harness::start_on(chain.another_view(), Harness::settings(), t)?;
    let (ferdie, charlie) = (cast::ferdie(), cast::charlie());
    let kc = ink_e2e::charlie();

    // Charlie seals the record, splits its key 2-of-3, and gives each
    // gateway the ciphertext and one share sealed to that gateway
    let sealed = seal(PLAINTEXT)?;
    let shares = split_key(&sealed.key, 2, 3)?;
    for (g, share) in [&a, &b, &c].into_iter().zip(&shares) {
        assert_eq!(upload(g, &kc, &sealed)?.0, 201);
        let sealed_share = medvault_core::seal_to(share.as_slice(), &gateway_key(g)?)?;
        let body = json!({"data_hash": hex::encode(sealed.data_hash), "sealed_key": hex::encode(sealed_share)});
        let (status, got) = g.send_json(&sign(
            &kc,
            "POST",
            "/v1/keys",
            body.to_string().into_bytes(),
        ))?;
        assert_eq!(
            (status, &got["stored"], &got["x"]),
            (200, &json!("share"), &json!(share[0])),
            "{got}"
        );
    }
    let id = create_on_chain(&a, &sealed)?;
    let path = format!(
        "/v1/records/{}/{id}/bind",
        hex::encode(AsRef::<[u8; 32]>::as_ref(&ferdie.account))
    );
    for g in [&a, &b, &c] {
        let (status, got) = g.send_json(&sign(&kc, "POST", &path, Vec::new()))?;
        assert_eq!((status, &got["stored"]), (200, &json!("share")), "{got}");
        // What a gateway stores is one share, encrypted: never the key
        for (file, _) in store_files(g) {
            let bytes = std::fs::read(&file)?;
            assert!(!bytes.windows(32).any(|w| w == sealed.key), "{file}");
        }
    }

    // Each read: ask every gateway; keep the shares that come back
    let mine = medvault_core::generate_secret_key();
    let ask = |index: u64, gateways: &[&str]| -> E2EResult<(Vec<Vec<u8>>, Vec<String>)> {
        let mut got = Vec::new();
        let mut refusals = Vec::new();
        for url in gateways {
            let req = release_request(&kc, &ferdie.account, id, index, &mine.public_key());
            match a.send_to(url, &req) {
                Ok((200, body)) => {
                    let v: serde_json::Value = serde_json::from_slice(&body)?;
                    assert_eq!(v["kind"], "share");
                    let wrapped = hex::decode(v["wrapped_key"].as_str().ok_or("wrapped")?)?;
                    got.push(medvault_core::open_sealed(&wrapped, &mine)?.to_vec());
                }
                Ok((status, body)) => {
                    let v: serde_json::Value = serde_json::from_slice(&body)?;
                    refusals.push(format!("{status} {}", v["error"].as_str().unwrap_or("?")));
                }
                Err(_) => refusals.push("unreachable".into()),
            }
        }
        Ok((got, refusals))
    };
    let key_of = |got: &[Vec<u8>]| -> Option<[u8; 32]> {
        let refs: Vec<&[u8]> = got.iter().map(|v| v.as_slice()).collect();
        let key = combine_key(&refs).ok()?;
        (medrec_gateway::keys::key_id(&key) == sealed.key_id).then_some(*key)
    };
    let urls = [a.url.clone(), b.url.clone(), c.url.clone()];
    let all: Vec<&str> = urls.iter().map(|u| u.as_str()).collect();

    // One refusing: C's node points at another chain
    c.chain.point_at(Some(&other));
    let index = recorded_read(&a, &charlie, id, Purpose::Treatment)?;
    let (got, refusals) = ask(index, &all)?;
    assert_eq!(
        (got.len(), refusals),
        (2, vec!["404 unknown_record".to_owned()])
    );
    let key = key_of(&got).ok_or("2 of 3 shares give the key")?;
    let (status, bytes) = a.send(&fetch_request(&kc, &ferdie.account, id, index))?;
    assert_eq!(status, 200);
    assert_eq!(open(&key, &bytes)?, PLAINTEXT);
    // One share is not the key
    assert_eq!(key_of(&got[..1]), None);
    c.chain.point_at(None);

    // One stopped: B is down, A and C answer
    let b_url = b.url.clone();
    drop(b);
    let index = recorded_read(&a, &charlie, id, Purpose::Treatment)?;
    let (got, refusals) = ask(index, &all)?;
    assert_eq!((got.len(), refusals), (2, vec!["unreachable".to_owned()]));
    assert_eq!(key_of(&got), Some(sealed.key));

    // Two unavailable (B down, C pointed elsewhere): one share, no key
    c.chain.point_at(Some(&other));
    let index = recorded_read(&a, &charlie, id, Purpose::Treatment)?;
    let (got, refusals) = ask(index, &all)?;
    assert_eq!(got.len(), 1);
    assert_eq!(refusals.len(), 2);
    assert_eq!(key_of(&got), None);
    let _ = b_url;

    // And without a recorded read of his own, Dave gets nothing anywhere
    c.chain.point_at(None);
    let req = release_request(
        &ink_e2e::dave(),
        &ferdie.account,
        id,
        index,
        &mine.public_key(),
    );
    for url in [&a.url, &c.url] {
        let (status, _) = a.send_to(url, &req)?;
        assert_eq!(status, 403);
    }
    Ok(())
}
