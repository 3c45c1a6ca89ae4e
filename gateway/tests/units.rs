//! The gateway's parts on their own: signatures, the log, the key store,
//! the settings. (The release path runs against the compiled contracts in
//! e2e-tests/tests/journeys/gateway_release.rs.)

use medrec_gateway::auth::{self, Nonces};
use medrec_gateway::log::{verify, Entry, Log, LogError};
use medrec_gateway::store::{Created, Store};
use medrec_gateway::Refusal;
use schnorrkel::{signing_context, Keypair, MiniSecretKey};
use std::collections::BTreeMap;

fn keypair(seed: u8) -> Keypair {
    MiniSecretKey::from_bytes(&[seed; 32])
        .expect("32 bytes")
        .expand_to_keypair(schnorrkel::ExpansionMode::Ed25519)
}

fn headers(kp: &Keypair, ts: u64, nonce: &str, sig: [u8; 64]) -> axum::http::HeaderMap {
    let mut h = axum::http::HeaderMap::new();
    let put = |h: &mut axum::http::HeaderMap, k: &'static str, v: String| {
        h.insert(k, axum::http::HeaderValue::from_str(&v).expect("ascii"));
    };
    put(
        &mut h,
        auth::HEADER_ACCOUNT,
        hex::encode(kp.public.to_bytes()),
    );
    put(&mut h, auth::HEADER_TIMESTAMP, ts.to_string());
    put(&mut h, auth::HEADER_NONCE, nonce.to_owned());
    put(&mut h, auth::HEADER_SIGNATURE, hex::encode(sig));
    h
}

fn signed(
    kp: &Keypair,
    method: &str,
    path: &str,
    body: &[u8],
    ts: u64,
    nonce: &str,
) -> axum::http::HeaderMap {
    let msg = auth::signed_bytes(method, path, body, ts, nonce);
    let sig = kp
        .sign(signing_context(b"substrate").bytes(&msg))
        .to_bytes();
    headers(kp, ts, nonce, sig)
}

const NOW: u64 = 1_800_000_000_000;
const WINDOW: u64 = 300_000;

#[test]
fn the_signed_payload_is_wrapped_and_names_everything() {
    let b = auth::signed_bytes("POST", "/v1/release", b"{}", 5, "abcdefghijklmnop");
    let text = String::from_utf8(b).expect("utf8");
    assert_eq!(
        text,
        "<Bytes>medrec-gateway/v1\nPOST\n/v1/release\n44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\n5\nabcdefghijklmnop</Bytes>"
    );
}

#[test]
fn a_signature_is_accepted_once_and_only_as_made() {
    let kp = keypair(1);
    let nonces = Nonces::new(WINDOW);
    let nonce = "n0nce-0123456789";
    let h = signed(&kp, "POST", "/v1/release", b"body", NOW, nonce);
    let who = auth::authenticate(&h, "POST", "/v1/release", b"body", NOW, WINDOW, &nonces);
    assert_eq!(
        who.map(|a| *AsRef::<[u8; 32]>::as_ref(&a)),
        Ok(kp.public.to_bytes())
    );
    // The same request again
    assert_eq!(
        auth::authenticate(&h, "POST", "/v1/release", b"body", NOW, WINDOW, &nonces).err(),
        Some(Refusal::ReplayedNonce)
    );
    // Another body, path or method under the same signature
    let h = signed(
        &kp,
        "POST",
        "/v1/release",
        b"body",
        NOW,
        "another-nonce-0001",
    );
    for (m, p, b) in [
        ("POST", "/v1/release", &b"other"[..]),
        ("POST", "/v1/keys", b"body"),
        ("PUT", "/v1/release", b"body"),
    ] {
        assert_eq!(
            auth::authenticate(&h, m, p, b, NOW, WINDOW, &nonces).err(),
            Some(Refusal::BadSignature)
        );
    }
    // A bad signature does not burn the nonce
    assert!(auth::authenticate(&h, "POST", "/v1/release", b"body", NOW, WINDOW, &nonces).is_ok());
}

#[test]
fn signatures_of_another_key_stale_times_and_bad_headers_are_refused() {
    let (kp, other) = (keypair(1), keypair(2));
    let nonces = Nonces::new(WINDOW);
    // Signed by `other`, naming `kp`
    let msg = auth::signed_bytes("GET", "/x", b"", NOW, "nonce-aaaaaaaaaaaa");
    let sig = other
        .sign(signing_context(b"substrate").bytes(&msg))
        .to_bytes();
    let h = headers(&kp, NOW, "nonce-aaaaaaaaaaaa", sig);
    assert_eq!(
        auth::authenticate(&h, "GET", "/x", b"", NOW, WINDOW, &nonces).err(),
        Some(Refusal::BadSignature)
    );
    // Signed without the <Bytes> wrapping
    let raw = &msg[7..msg.len() - 8];
    let sig = kp.sign(signing_context(b"substrate").bytes(raw)).to_bytes();
    let h = headers(&kp, NOW, "nonce-aaaaaaaaaaaa", sig);
    assert_eq!(
        auth::authenticate(&h, "GET", "/x", b"", NOW, WINDOW, &nonces).err(),
        Some(Refusal::BadSignature)
    );
    // Too old, too far ahead
    for ts in [NOW - WINDOW - 1, NOW + WINDOW + 1] {
        let h = signed(&kp, "GET", "/x", b"", ts, "nonce-bbbbbbbbbbbb");
        assert_eq!(
            auth::authenticate(&h, "GET", "/x", b"", NOW, WINDOW, &nonces).err(),
            Some(Refusal::StaleTimestamp)
        );
    }
    // A short nonce, a missing header
    let h = signed(&kp, "GET", "/x", b"", NOW, "short");
    assert_eq!(
        auth::authenticate(&h, "GET", "/x", b"", NOW, WINDOW, &nonces).err(),
        Some(Refusal::BadSignature)
    );
    let mut h = signed(&kp, "GET", "/x", b"", NOW, "nonce-cccccccccccc");
    h.remove(auth::HEADER_TIMESTAMP);
    assert_eq!(
        auth::authenticate(&h, "GET", "/x", b"", NOW, WINDOW, &nonces).err(),
        Some(Refusal::BadSignature)
    );
}

#[test]
fn every_refusal_has_its_own_code_and_a_message() {
    let mut codes: Vec<&str> = Refusal::ALL.iter().map(|r| r.code()).collect();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), Refusal::ALL.len());
    for r in Refusal::ALL {
        assert!(r.status().is_client_error() || r.status().is_server_error());
        assert!(r.message().ends_with('.'));
    }
}

fn fields(k: &str, v: &str) -> BTreeMap<String, String> {
    BTreeMap::from([(k.to_owned(), v.to_owned())])
}

#[test]
fn the_log_is_a_hash_chain_that_finds_any_change() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("g.log");
    let log = Log::open(&path)?;
    for i in 0..5 {
        log.append(NOW + i, "upload", fields("size", &i.to_string()))?;
    }
    drop(log);
    let v = verify(&path)?;
    assert_eq!(v.entries, 5);
    // Reopening continues the chain
    let log = Log::open(&path)?;
    log.append(NOW + 9, "release", fields("record_id", "1"))?;
    assert_eq!(verify(&path)?.entries, 6);
    assert_eq!(log.head().map(|h| h.0), Some(6));
    // Any edit breaks it at that line
    let text = std::fs::read_to_string(&path)?;
    let edited = text.replacen("\"size\":\"2\"", "\"size\":\"3\"", 1);
    std::fs::write(&path, &edited)?;
    assert!(matches!(
        verify(&path),
        Err(LogError::Broken { line: 3, .. })
    ));
    // ... and so does dropping a line
    let mut lines: Vec<&str> = text.lines().collect();
    lines.remove(1);
    std::fs::write(&path, lines.join("\n") + "\n")?;
    assert!(matches!(
        verify(&path),
        Err(LogError::Broken { line: 2, .. })
    ));
    // A log that does not verify is not appended to
    assert!(Log::open(&path).is_err());
    Ok(())
}

/// A reader's check of a page: each entry's hash recomputed from its body
/// (compact JSON, keys in the order seq, at, event, fields, the fields'
/// keys sorted) and the previous hash, as an auditor's browser does.
fn recomputed(prev: &str, e: &Entry) -> String {
    use sha2::{Digest, Sha256};
    let body = format!(
        "{{\"seq\":{},\"at\":{},\"event\":{},\"fields\":{}}}",
        e.seq,
        e.at,
        serde_json::to_string(&e.event).unwrap_or_default(),
        serde_json::to_string(&e.fields).unwrap_or_default()
    );
    let mut h = Sha256::new();
    h.update(b"medrec-gateway/log/v1\0");
    h.update(hex::decode(prev).unwrap_or_default());
    h.update(body.as_bytes());
    hex::encode(h.finalize())
}

#[test]
fn the_log_is_read_in_pages_that_verify_on_their_own() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("g.log");
    let log = Log::open(&path)?;
    for i in 0..7u64 {
        log.append(NOW + i, "upload", fields("size", &i.to_string()))?;
    }
    let page = log.page(0, 3)?;
    assert_eq!(page.total, 7);
    assert_eq!(
        page.entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [0, 1, 2]
    );
    let mut prev = hex::encode([0u8; 32]);
    for e in &page.entries {
        assert_eq!(e.prev, prev);
        assert_eq!(recomputed(&prev, e), e.hash);
        prev = e.hash.clone();
    }
    // The next page links to this one, across a reopen (offsets rebuilt)
    drop(log);
    let log = Log::open(&path)?;
    log.append(NOW + 9, "refusal", fields("code", "not_log_reader"))?;
    let next = log.page(3, 100)?;
    assert_eq!((next.total, next.entries.len()), (8, 5));
    assert_eq!(next.entries[0].prev, prev);
    assert_eq!(next.entries[4].event, "refusal");
    for e in &next.entries {
        assert_eq!(recomputed(&e.prev, e), e.hash);
    }
    // Past the end: nothing; a zero limit: nothing
    assert!(log.page(8, 10)?.entries.is_empty());
    assert!(log.page(99, 10)?.entries.is_empty());
    assert!(log.page(0, 0)?.entries.is_empty());
    Ok(())
}

#[test]
fn a_line_cut_short_by_a_crash_is_dropped_at_open() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("g.log");
    let log = Log::open(&path)?;
    log.append(NOW, "upload", fields("size", "1"))?;
    log.append(NOW, "upload", fields("size", "2"))?;
    drop(log);
    let mut text = std::fs::read(&path)?;
    text.extend_from_slice(b"{\"seq\":2,\"at\":18");
    std::fs::write(&path, &text)?;
    assert!(matches!(
        verify(&path),
        Err(LogError::Broken { line: 3, .. })
    ));
    let log = Log::open(&path)?;
    log.append(NOW, "upload", fields("size", "3"))?;
    assert_eq!(verify(&path)?.entries, 3);
    Ok(())
}

#[tokio::test]
async fn keys_are_encrypted_at_rest_and_bound_to_their_data(
) -> Result<(), Box<dyn std::error::Error>> {
    use medrec_gateway::keys::{KeyStore, Secret};
    let dir = tempfile::tempdir()?;
    let url = format!("file://{}", dir.path().display());
    let store = Store::open(&url, None, "us-east-1")?;
    let keys = KeyStore::new(store.clone(), zeroize::Zeroizing::new([9u8; 32]));
    let key = [0x42u8; 32];
    let hash = [0x17u8; 32];
    let author = medrec_gateway::AccountId::from([0xA1; 32]);
    let other = medrec_gateway::AccountId::from([0xB2; 32]);
    let secret = Secret::from_deposit(&key).ok_or("a key")?;
    keys.put(&hash, &author, &secret).await?;
    assert_eq!(keys.get(&hash, &author).await?, Some(secret.clone()));
    // Per depositor: nobody else's deposit stands in for the author's
    assert_eq!(keys.get(&hash, &other).await?, None);
    // A share is x || y, x not zero
    let mut share = vec![3u8];
    share.extend_from_slice(&[0x55; 32]);
    let s = Secret::from_deposit(&share).ok_or("a share")?;
    keys.put(&hash, &other, &s).await?;
    assert_eq!(
        keys.get(&hash, &other)
            .await?
            .map(|s| s.to_release().to_vec()),
        Some(share.clone())
    );
    share[0] = 0;
    assert!(Secret::from_deposit(&share).is_none());
    assert!(Secret::from_deposit(&[1u8; 31]).is_none());
    // Not in clear on disk
    let file = dir
        .path()
        .join("keys")
        .join(hex::encode(hash))
        .join(hex::encode([0xA1u8; 32]));
    let bytes = std::fs::read(&file)?;
    assert!(!bytes.windows(32).any(|w| w == key));
    // Another master key cannot open it
    let stranger = KeyStore::new(store.clone(), zeroize::Zeroizing::new([8u8; 32]));
    assert!(stranger.get(&hash, &author).await.is_err());
    // Moved under another depositor or ciphertext, it fails its binding
    let moved = dir
        .path()
        .join("keys")
        .join(hex::encode(hash))
        .join(hex::encode([0xC3u8; 32]));
    std::fs::copy(&file, &moved)?;
    assert!(keys
        .get(&hash, &medrec_gateway::AccountId::from([0xC3; 32]))
        .await
        .is_err());
    // Shredding removes every deposit for the ciphertext
    assert_eq!(keys.shred(&hash).await?, 3);
    assert_eq!(keys.get(&hash, &author).await?, None);
    assert!(!file.exists());
    Ok(())
}

#[tokio::test]
async fn temporaries_left_by_a_killed_writer_are_removed_at_open(
) -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    std::fs::create_dir_all(dir.path().join("objects"))?;
    std::fs::write(dir.path().join("objects").join("abc#1"), b"partial")?;
    let url = format!("file://{}", dir.path().display());
    let store = Store::open(&url, None, "us-east-1")?;
    assert!(!dir.path().join("objects").join("abc#1").exists());
    let p = Store::object_path(&[1u8; 32]);
    assert_eq!(
        store.create(&p, bytes::Bytes::from_static(b"x")).await?,
        Created::New
    );
    assert_eq!(
        store.create(&p, bytes::Bytes::from_static(b"y")).await?,
        Created::AlreadyThere
    );
    assert_eq!(store.get(&p).await?.as_deref(), Some(&b"x"[..]));
    Ok(())
}

#[test]
fn settings_are_bounded_and_the_environment_overrides_the_file(
) -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("g.toml");
    std::fs::write(
        &path,
        "store = \"file:///tmp/x\"\nmaster_key_file = \"/m\"\nx25519_key_file = \"/x\"\nlog_file = \"/l\"\nentry_max_age_secs = 60\n",
    )?;
    let cfg = medrec_gateway::config::Config::load(&path)?;
    assert_eq!((cfg.entry_max_age_secs, cfg.releases_per_entry), (60, 1));
    assert_eq!(cfg.listen, "127.0.0.1:8745");
    std::fs::write(
        &path,
        "store = \"file:///tmp/x\"\nmaster_key_file = \"/m\"\nx25519_key_file = \"/x\"\nlog_file = \"/l\"\nreleases_per_entry = 0\n",
    )?;
    assert!(medrec_gateway::config::Config::load(&path).is_err());
    std::fs::write(&path, "store = \"ftp://x\"\nmaster_key_file = \"/m\"\nx25519_key_file = \"/x\"\nlog_file = \"/l\"\n")?;
    assert!(medrec_gateway::config::Config::load(&path).is_err());
    std::fs::write(&path, "store = \"file:///tmp/x\"\nmaster_key_file = \"/m\"\nx25519_key_file = \"/x\"\nlog_file = \"/l\"\nunknown = 1\n")?;
    assert!(medrec_gateway::config::Config::load(&path).is_err());
    // The environment overrides the file (the only test that loads settings
    // while setting a variable)
    std::fs::write(&path, "store = \"file:///tmp/x\"\nmaster_key_file = \"/m\"\nx25519_key_file = \"/x\"\nlog_file = \"/l\"\nentry_max_age_secs = 60\n")?;
    std::env::set_var("MEDREC_GATEWAY_ENTRY_MAX_AGE_SECS", "120");
    let cfg = medrec_gateway::config::Config::load(&path);
    std::env::remove_var("MEDREC_GATEWAY_ENTRY_MAX_AGE_SECS");
    assert_eq!(cfg?.entry_max_age_secs, 120);
    Ok(())
}

#[test]
fn secrets_must_be_private_files() -> Result<(), Box<dyn std::error::Error>> {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("master.key");
    medrec_gateway::config::write_new_secret(&path, &[5u8; 32])?;
    assert_eq!(
        std::fs::metadata(&path)?.permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(*medrec_gateway::config::read_secret(&path)?, [5u8; 32]);
    // No overwriting
    assert!(medrec_gateway::config::write_new_secret(&path, &[6u8; 32]).is_err());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644))?;
    assert!(medrec_gateway::config::read_secret(&path).is_err());
    Ok(())
}

#[test]
fn accounts_parse_from_hex_and_ss58() {
    // //Alice
    let alice = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";
    let ss58 = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
    assert_eq!(
        medrec_gateway::parse_account(ss58)
            .map(hex::encode)
            .as_deref(),
        Some(alice)
    );
    assert_eq!(
        medrec_gateway::parse_account(&format!("0x{alice}"))
            .map(hex::encode)
            .as_deref(),
        Some(alice)
    );
    // One character changed: the checksum fails
    assert_eq!(
        medrec_gateway::parse_account("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ"),
        None
    );
    assert_eq!(medrec_gateway::parse_account("not an account"), None);
}

#[test]
fn request_bodies_parse_strictly() {
    use medrec_gateway::http::{parse_deposit, parse_release};
    let p = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";
    let k = "11".repeat(32);
    let ok = format!(r#"{{"patient":"{p}","record_id":1,"audit_index":2,"wrap_to":"{k}"}}"#);
    let (proof, _) = parse_release(ok.as_bytes()).expect("parses");
    assert_eq!((proof.record_id, proof.audit_index), (1, 2));
    // SS58 patients too
    let ss58 = ok.replace(p, "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY");
    assert_eq!(parse_release(ss58.as_bytes()).map(|r| r.0), Ok(proof));
    for bad in [
        ok.replace("}", r#","extra":1}"#),
        ok.replace(r#""record_id":1"#, r#""record_id":-1"#),
        ok.replace(r#""record_id":1"#, r#""record_id":"1""#),
        ok.replace(&k, "11"),
        ok.replace(p, "0x12"),
        r#"{"patient":"x"}"#.to_owned(),
        "[]".to_owned(),
        String::new(),
    ] {
        assert_eq!(
            parse_release(bad.as_bytes()).err(),
            Some(Refusal::Malformed),
            "{bad}"
        );
    }
    let h = "22".repeat(32);
    let sealed = "33".repeat(medvault_core::WRAPPED_KEY_LEN);
    let sealed_share = "33".repeat(medvault_core::WRAPPED_KEY_LEN + 1);
    let share = format!(r#"{{"data_hash":"{h}","sealed_key":"{sealed_share}"}}"#);
    assert!(parse_deposit(share.as_bytes()).is_ok());
    let ok = format!(r#"{{"data_hash":"{h}","sealed_key":"{sealed}"}}"#);
    assert!(parse_deposit(ok.as_bytes()).is_ok());
    for bad in [
        ok.replace(&sealed, &"33".repeat(79)),
        ok.replace(&h, "22"),
        ok.replace("}", r#","extra":1}"#),
    ] {
        assert_eq!(
            parse_deposit(bad.as_bytes()).err(),
            Some(Refusal::Malformed),
            "{bad}"
        );
    }
}
