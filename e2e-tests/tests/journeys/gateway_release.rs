//! The key-release gateway on the sandbox chain (issue 18): a real gateway
//! (HTTP on a loopback port, a local store, its log) reading the release
//! builds' state. A key leaves only against the caller's own recorded
//! read; every bad request is refused with its code, releases nothing and
//! writes nothing but a refusal in the gateway's log.

use crate::{consent_and_permit, staffed};
use e2e_tests::gateway::{fresh_nonce, sign, sign_at, Harness, Signed};
use e2e_tests::{cast, E2EResult, Session, DAY};
use medrec_gateway::service::Settings;
use medrec_types::{AccessLevel, DataType, EmergencyReason, Purpose, RecordType};
use medvault_core::{Opener, PublicKey, Sealer, DEFAULT_CHUNK};
use record_management::Confidentiality;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub const PLAINTEXT: &[u8] = b"Ferdie: penicillin allergy, confirmed 2026-11-02";

/// A sealed record ready to upload.
pub struct Sealed {
    pub ciphertext: Vec<u8>,
    pub data_hash: [u8; 32],
    pub key: [u8; 32],
    pub key_id: [u8; 32],
}

pub fn seal(plaintext: &[u8]) -> E2EResult<Sealed> {
    let mut sealer = Sealer::new(DEFAULT_CHUNK)?;
    let mut ciphertext = Vec::new();
    sealer.push(plaintext, &mut ciphertext)?;
    let out = sealer.finish(&mut ciphertext)?;
    let data_hash: [u8; 32] = Sha256::digest(&ciphertext).into();
    Ok(Sealed {
        data_hash,
        key: *out.key,
        key_id: medrec_gateway::keys::key_id(&out.key),
        ciphertext,
    })
}

pub fn open(key: &[u8; 32], ciphertext: &[u8]) -> E2EResult<Vec<u8>> {
    let mut opener = Opener::new(key);
    let mut plain = Vec::new();
    opener.push(ciphertext, &mut plain)?;
    opener.finish(&mut plain)?;
    Ok(plain)
}

pub fn gateway_key(h: &Harness) -> E2EResult<PublicKey> {
    let (status, body) = h.get("/v1/info")?;
    assert_eq!(status, 200);
    let info: Value = serde_json::from_str(&body)?;
    let hex = info["x25519_public_key"].as_str().ok_or("no key")?;
    Ok(PublicKey::from(
        medrec_gateway::parse_hex32(hex).ok_or("bad key")?,
    ))
}

pub fn hex_account(a: &ink::primitives::AccountId) -> String {
    hex::encode(AsRef::<[u8; 32]>::as_ref(a))
}

pub fn upload(h: &Harness, who: &ink_e2e::Keypair, sealed: &Sealed) -> E2EResult<(u16, Value)> {
    let path = format!("/v1/objects/{}", hex::encode(sealed.data_hash));
    h.send_json(&sign(who, "PUT", &path, sealed.ciphertext.clone()))
}

pub fn deposit(
    h: &Harness,
    who: &ink_e2e::Keypair,
    sealed: &Sealed,
    to: &PublicKey,
) -> E2EResult<(u16, Value)> {
    let wrapped = medvault_core::wrap_key(&sealed.key, to)?;
    let body =
        json!({"data_hash": hex::encode(sealed.data_hash), "sealed_key": hex::encode(wrapped)});
    h.send_json(&sign(
        who,
        "POST",
        "/v1/keys",
        body.to_string().into_bytes(),
    ))
}

pub fn release_request(
    who: &ink_e2e::Keypair,
    patient: &ink::primitives::AccountId,
    record_id: u64,
    audit_index: u64,
    wrap_to: &PublicKey,
) -> Signed {
    let body = json!({
        "patient": hex_account(patient),
        "record_id": record_id,
        "audit_index": audit_index,
        "wrap_to": hex::encode(wrap_to.as_bytes()),
    });
    sign(who, "POST", "/v1/release", body.to_string().into_bytes())
}

pub fn fetch_request(
    who: &ink_e2e::Keypair,
    patient: &ink::primitives::AccountId,
    record_id: u64,
    audit_index: u64,
) -> Signed {
    let path = format!(
        "/v1/records/{}/{record_id}/ciphertext?audit_index={audit_index}",
        hex_account(patient)
    );
    sign(who, "GET", &path, Vec::new())
}

/// Charlie creates Ferdie's Diagnosis record for `sealed` on the chain `h`
/// reads (its hash and key id, nothing else); returns the record id.
pub fn create_on_chain(h: &Harness, sealed: &Sealed) -> E2EResult<u64> {
    h.with(|s| -> E2EResult<u64> {
        let m = s.rm().create_record(
            cast::ferdie().account,
            RecordType::Diagnosis,
            sealed.data_hash,
            sealed.key_id,
            sealed.ciphertext.len() as u64,
            0,
            Confidentiality::Normal,
            Purpose::Treatment,
        );
        Ok(s.ok(&cast::charlie(), &m)?.value)
    })?
}

/// Charlie (consented, Write on Diagnosis) uploads and deposits a sealed
/// record, then creates it on-chain; returns the record id.
fn stored_record(h: &Harness, sealed: &Sealed) -> E2EResult<u64> {
    let to = gateway_key(h)?;
    let charlie = ink_e2e::charlie();
    assert_eq!(upload(h, &charlie, sealed)?.0, 201);
    let (status, body) = deposit(h, &charlie, sealed, &to)?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["key_id"], hex::encode(sealed.key_id));
    let id = create_on_chain(h, sealed)?;
    // Once the record is on-chain, the gateway binds the key to it
    let (status, body) = h.send_json(&bind_request(&charlie, id))?;
    assert_eq!(
        (status, &body["key_id"]),
        (200, &json!(hex::encode(sealed.key_id))),
        "{body}"
    );
    Ok(id)
}

pub fn bind_request(who: &ink_e2e::Keypair, id: u64) -> Signed {
    let path = format!(
        "/v1/records/{}/{id}/bind",
        hex_account(&cast::ferdie().account)
    );
    sign(who, "POST", &path, Vec::new())
}

/// `who` reads Ferdie's record `id` as a transaction for `purpose`; returns
/// the audit index of the read.
pub fn recorded_read(
    h: &Harness,
    who: &e2e_tests::Actor,
    id: u64,
    purpose: Purpose,
) -> E2EResult<u64> {
    h.with(|s| -> E2EResult<u64> {
        let msg = s.rm().get_record(cast::ferdie().account, id, purpose);
        Ok(s.ok(who, &msg)?.value.audit_index)
    })?
}

fn journey() -> E2EResult<(Harness, Sealed, u64)> {
    journey_with(AccessLevel::Write)
}

/// Charlie, consented and with `level` on Diagnosis, has stored one sealed
/// record (ciphertext and key at the gateway, metadata on-chain).
fn journey_with(level: AccessLevel) -> E2EResult<(Harness, Sealed, u64)> {
    journey_on(staffed()?, level)
}

/// The staffed chain where Ferdie has consented to Dr Charlie (medical
/// records, treatment) and given him Write on Diagnosis: the set-up of
/// every gateway journey that stores a record.
pub fn charlie_writes_diagnoses() -> E2EResult<Session> {
    let mut s = staffed()?;
    consent_and_permit(
        &mut s,
        &cast::charlie(),
        DataType::MedicalRecords,
        RecordType::Diagnosis,
        AccessLevel::Write,
    )?;
    Ok(s)
}

fn journey_on(mut s: Session, level: AccessLevel) -> E2EResult<(Harness, Sealed, u64)> {
    consent_and_permit(
        &mut s,
        &cast::charlie(),
        DataType::MedicalRecords,
        RecordType::Diagnosis,
        level,
    )?;
    let h = Harness::start(s, Harness::settings())?;
    let sealed = seal(PLAINTEXT)?;
    let id = stored_record(&h, &sealed)?;
    Ok((h, sealed, id))
}

/// Every file in the store (path, size), to show a refusal wrote nothing.
pub fn store_files(h: &Harness) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![h.store_dir()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let size = e.metadata().map(|m| m.len()).unwrap_or(0);
                out.push((p.display().to_string(), size));
            }
        }
    }
    out.sort();
    out
}

pub fn log_lines(h: &Harness) -> E2EResult<Vec<Value>> {
    let text = std::fs::read_to_string(h.log_path())?;
    Ok(text
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<Vec<Value>, _>>()?)
}

/// Sends `req`, expects `status` and `code`, and checks that nothing was
/// released or stored and that the log's last entry is this refusal.
fn refused(h: &Harness, req: &Signed, status: u16, code: &str) -> E2EResult<()> {
    let before = store_files(h);
    let (got, body) = h.send_json(req)?;
    assert_eq!(
        (got, body["error"].as_str()),
        (status, Some(code)),
        "{body}"
    );
    assert!(body.get("wrapped_key").is_none());
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(store_files(h), before, "{code}: the store changed");
    let last = log_lines(h)?.pop().ok_or("empty log")?;
    assert_eq!(
        (last["event"].as_str(), last["fields"]["code"].as_str()),
        (Some("refusal"), Some(code))
    );
    Ok(())
}

#[test]
fn a_recorded_read_releases_the_key_and_the_bytes_once() -> E2EResult<()> {
    let (h, sealed, id) = journey()?;
    let (ferdie, charlie) = (cast::ferdie(), cast::charlie());
    // The same bytes again: accepted, nothing new
    let (status, body) = upload(&h, &ink_e2e::charlie(), &sealed)?;
    assert_eq!((status, &body["new"]), (200, &json!(false)));

    // Charlie reads the record as a transaction, then asks for the key
    let index = recorded_read(&h, &charlie, id, Purpose::Treatment)?;
    let mine = medvault_core::generate_secret_key();
    let req = release_request(
        &ink_e2e::charlie(),
        &ferdie.account,
        id,
        index,
        &mine.public_key(),
    );
    let (status, body) = h.send_json(&req)?;
    assert_eq!(status, 200, "{body}");
    let wrapped = hex::decode(body["wrapped_key"].as_str().ok_or("no key")?)?;
    let key = medvault_core::unwrap_key(&wrapped, &mine)?;
    assert_eq!(*key, sealed.key);
    assert_eq!(body["data_hash"], hex::encode(sealed.data_hash));

    // ... and the bytes, against the same read
    let (status, bytes) = h.send(&fetch_request(
        &ink_e2e::charlie(),
        &ferdie.account,
        id,
        index,
    ))?;
    assert_eq!(status, 200);
    assert_eq!(bytes, sealed.ciphertext);
    let digest: [u8; 32] = Sha256::digest(&bytes).into();
    assert_eq!(digest, sealed.data_hash);
    assert_eq!(open(&key, &bytes)?, PLAINTEXT);

    // One release per read
    let again = release_request(
        &ink_e2e::charlie(),
        &ferdie.account,
        id,
        index,
        &mine.public_key(),
    );
    refused(&h, &again, 409, "entry_used")?;
    // A new read, a new release
    let index2 = recorded_read(&h, &charlie, id, Purpose::Treatment)?;
    let req = release_request(
        &ink_e2e::charlie(),
        &ferdie.account,
        id,
        index2,
        &mine.public_key(),
    );
    assert_eq!(h.send_json(&req)?.0, 200);

    // The patient opens his own record the same way
    let index = recorded_read(&h, &ferdie, id, Purpose::PatientRequest)?;
    let his = medvault_core::generate_secret_key();
    let req = release_request(
        &ink_e2e::ferdie(),
        &ferdie.account,
        id,
        index,
        &his.public_key(),
    );
    let (status, body) = h.send_json(&req)?;
    assert_eq!(status, 200, "{body}");
    let wrapped = hex::decode(body["wrapped_key"].as_str().ok_or("no key")?)?;
    assert_eq!(*medvault_core::unwrap_key(&wrapped, &his)?, sealed.key);

    // The emergency physician gets the key its recorded window allows
    let eve = cast::eve();
    h.with(|s| -> E2EResult<()> {
        let open = s.ac().activate_emergency_access(
            ferdie.account,
            EmergencyReason::PatientUnconscious,
            [0xEE; 32],
        );
        s.ok(&eve, &open)?;
        Ok(())
    })??;
    let index = recorded_read(&h, &eve, id, Purpose::EmergencyTreatment)?;
    let hers = medvault_core::generate_secret_key();
    let req = release_request(
        &ink_e2e::eve(),
        &ferdie.account,
        id,
        index,
        &hers.public_key(),
    );
    let (status, body) = h.send_json(&req)?;
    assert_eq!(status, 200, "{body}");

    // The log: every step, hash-chained, without key material or content
    let v = medrec_gateway::log::verify(&h.log_path())?;
    let lines = log_lines(&h)?;
    assert_eq!(v.entries, lines.len() as u64);
    let events: Vec<&str> = lines.iter().filter_map(|l| l["event"].as_str()).collect();
    assert_eq!(
        events,
        [
            "upload", "deposit", "bind", "upload", "release", "fetch", "refusal", "release",
            "release", "release"
        ]
    );
    let text = std::fs::read_to_string(h.log_path())?;
    for secret in [
        hex::encode(sealed.key),
        hex::encode(&wrapped),
        String::from_utf8_lossy(PLAINTEXT).into_owned(),
    ] {
        assert!(!text.contains(&secret));
    }
    // The stored key is not the key in clear either
    for (path, _) in store_files(&h) {
        let bytes = std::fs::read(&path)?;
        assert!(!bytes.windows(32).any(|w| w == sealed.key), "{path}");
    }
    Ok(())
}

#[test]
fn every_bad_release_is_refused_with_its_code() -> E2EResult<()> {
    let (h, sealed, id) = journey()?;
    let (ferdie, charlie) = (cast::ferdie(), cast::charlie());
    let index = recorded_read(&h, &charlie, id, Purpose::Treatment)?;
    let to = medvault_core::generate_secret_key().public_key();
    let kc = ink_e2e::charlie();

    // Signatures
    let mut req = release_request(&kc, &ferdie.account, id, index, &to);
    req.headers.retain(|(k, _)| k != "x-medrec-signature");
    refused(&h, &req, 401, "bad_signature")?;
    // Dave signs, the request names Charlie
    let mut req = release_request(&ink_e2e::dave(), &ferdie.account, id, index, &to);
    for (k, v) in req.headers.iter_mut() {
        if k == "x-medrec-account" {
            *v = hex::encode(kc.public_key().0);
        }
    }
    refused(&h, &req, 401, "bad_signature")?;
    // A body changed after signing
    let mut req = release_request(&kc, &ferdie.account, id, index, &to);
    req.body = json!({"patient": hex_account(&ferdie.account), "record_id": id, "audit_index": index + 1, "wrap_to": hex::encode(to.as_bytes())}).to_string().into_bytes();
    refused(&h, &req, 401, "bad_signature")?;
    let body = json!({"patient": hex_account(&ferdie.account), "record_id": id, "audit_index": index, "wrap_to": hex::encode(to.as_bytes())}).to_string().into_bytes();
    let old = medrec_gateway::now_ms() - 10 * 60 * 1000;
    let req = sign_at(
        &kc,
        "POST",
        "/v1/release",
        body.clone(),
        old,
        &fresh_nonce(),
    );
    refused(&h, &req, 401, "stale_timestamp")?;
    // Malformed
    let req = sign(&kc, "POST", "/v1/release", b"{not json".to_vec());
    refused(&h, &req, 400, "malformed_request")?;
    let req = sign(
        &kc,
        "POST",
        "/v1/release",
        json!({"patient": "zz", "record_id": id, "audit_index": index, "wrap_to": "00"})
            .to_string()
            .into_bytes(),
    );
    refused(&h, &req, 400, "malformed_request")?;
    // The chain's answers
    refused(
        &h,
        &release_request(&kc, &ferdie.account, 999, index, &to),
        404,
        "unknown_record",
    )?;
    refused(
        &h,
        &release_request(&kc, &charlie.account, id, index, &to),
        404,
        "unknown_record",
    )?;
    refused(
        &h,
        &release_request(&kc, &ferdie.account, id, 9_999, &to),
        404,
        "no_audit_entry",
    )?;
    refused(
        &h,
        &release_request(&ink_e2e::dave(), &ferdie.account, id, index, &to),
        403,
        "not_your_entry",
    )?;
    // The record's creation is in the trail too, but it is not a read
    let created_at = index.checked_sub(1).ok_or("index")?;
    refused(
        &h,
        &release_request(&kc, &ferdie.account, id, created_at, &to),
        403,
        "not_a_read",
    )?;
    // A read of another record does not open this one
    let other = seal(b"another record")?;
    let other_id = stored_record(&h, &other)?;
    let other_read = recorded_read(&h, &charlie, other_id, Purpose::Treatment)?;
    refused(
        &h,
        &release_request(&kc, &ferdie.account, id, other_read, &to),
        403,
        "wrong_record",
    )?;
    // Replay: the same signed request twice
    let fetch = fetch_request(&kc, &ferdie.account, id, index);
    assert_eq!(h.send(&fetch)?.0, 200);
    refused(&h, &fetch, 409, "replayed_nonce")?;
    // The chain cannot be read: nothing is released
    h.chain
        .unreachable
        .store(true, std::sync::atomic::Ordering::SeqCst);
    refused(
        &h,
        &release_request(&kc, &ferdie.account, id, index, &to),
        503,
        "chain_unavailable",
    )?;
    let (status, _) = h.get("/readyz")?;
    assert_eq!(status, 503);
    h.chain
        .unreachable
        .store(false, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(h.get("/readyz")?.0, 200);
    // Too old: 16 minutes of chain time later
    h.with(|s| s.advance(16 * 60 * 1000))?;
    refused(
        &h,
        &release_request(&kc, &ferdie.account, id, index, &to),
        403,
        "entry_expired",
    )?;
    // No key deposited for a record created with another key id
    let undeposited = seal(b"no key here")?;
    assert_eq!(upload(&h, &kc, &undeposited)?.0, 201);
    let nokey_id = create_on_chain(&h, &undeposited)?;
    let read = recorded_read(&h, &charlie, nokey_id, Purpose::Treatment)?;
    refused(
        &h,
        &release_request(&kc, &ferdie.account, nokey_id, read, &to),
        404,
        "key_not_deposited",
    )?;
    refused(&h, &bind_request(&kc, nokey_id), 404, "key_not_deposited")?;
    // A deposit by someone other than the record's author is never used
    let gw = gateway_key(&h)?;
    assert_eq!(deposit(&h, &ink_e2e::dave(), &undeposited, &gw)?.0, 200);
    refused(
        &h,
        &release_request(&kc, &ferdie.account, nokey_id, read, &to),
        404,
        "key_not_deposited",
    )?;
    // Nor is a key of the author's that is not the record's key (key id)
    let mut wrong = seal(b"no key here")?;
    wrong.data_hash = undeposited.data_hash;
    assert_eq!(deposit(&h, &kc, &wrong, &gw)?.0, 200);
    refused(
        &h,
        &release_request(&kc, &ferdie.account, nokey_id, read, &to),
        404,
        "key_not_deposited",
    )?;
    refused(
        &h,
        &bind_request(&ink_e2e::alice(), id),
        403,
        "unknown_uploader",
    )?;
    refused(&h, &bind_request(&kc, 4_242), 404, "unknown_record")?;
    // An unknown route
    refused(
        &h,
        &sign(&kc, "GET", "/v1/nothing", Vec::new()),
        404,
        "not_found",
    )?;
    // A route with another method
    refused(
        &h,
        &sign(&kc, "GET", "/v1/release", Vec::new()),
        405,
        "method_not_allowed",
    )?;
    // Nothing was released in all this
    let releases = log_lines(&h)?
        .iter()
        .filter(|l| l["event"] == "release")
        .count();
    assert_eq!(releases, 0);
    drop(sealed);
    Ok(())
}

#[test]
fn a_deleted_record_s_key_is_destroyed_and_never_released() -> E2EResult<()> {
    // Records kept for at least a day (set before the record is created)
    let mut s = staffed()?;
    let msg = s.rm().set_retention_period(DAY);
    s.ok(&cast::alice(), &msg)?;
    let (h, sealed, id) = journey_on(s, AccessLevel::Admin)?;
    let (ferdie, charlie) = (cast::ferdie(), cast::charlie());
    let index = recorded_read(&h, &charlie, id, Purpose::Treatment)?;
    let key_file = h
        .store_dir()
        .join("keys")
        .join(hex::encode(sealed.data_hash))
        .join(hex_account(&charlie.account));
    assert!(key_file.exists());
    // Retention over, Charlie (Admin on Diagnosis) deletes the record
    h.with(|s| -> E2EResult<()> {
        s.advance(DAY);
        let msg = s.rm().delete_record(ferdie.account, id, Purpose::Treatment);
        s.ok(&charlie, &msg)?;
        Ok(())
    })??;
    // The periodic sweep finds the bound record deleted and destroys its key
    let swept = h.runtime.block_on(h.api.gateway.sweep());
    assert_eq!(swept, Ok(1));
    assert!(!key_file.exists(), "the key is destroyed");
    assert_eq!(h.runtime.block_on(h.api.gateway.sweep()), Ok(0));
    let to = medvault_core::generate_secret_key().public_key();
    // The read was recorded before the deletion: still no key
    let req = release_request(&ink_e2e::charlie(), &ferdie.account, id, index, &to);
    let (status, body) = h.send_json(&req)?;
    assert_eq!(
        (status, body["error"].as_str()),
        (410, Some("record_deleted"))
    );
    let lines = log_lines(&h)?;
    let shreds: Vec<&Value> = lines.iter().filter(|l| l["event"] == "shred").collect();
    assert_eq!(shreds.len(), 1);
    assert_eq!(shreds[0]["fields"]["record_id"], id.to_string());
    Ok(())
}

#[test]
fn uploads_and_deposits_are_checked() -> E2EResult<()> {
    let s = charlie_writes_diagnoses()?;
    let h = Harness::start(
        s,
        Settings {
            max_upload_bytes: 4096,
            ..Harness::settings()
        },
    )?;
    let kc = ink_e2e::charlie();
    let sealed = seal(PLAINTEXT)?;
    let path = format!("/v1/objects/{}", hex::encode(sealed.data_hash));
    // Bytes that are not the named hash
    let mut tampered = sealed.ciphertext.clone();
    tampered[40] ^= 1;
    refused(&h, &sign(&kc, "PUT", &path, tampered), 422, "hash_mismatch")?;
    // Over the limit
    let big = vec![7u8; 4097];
    let big_path = format!("/v1/objects/{}", hex::encode(Sha256::digest(&big)));
    refused(&h, &sign(&kc, "PUT", &big_path, big), 413, "too_large")?;
    // Alice owns the contracts but is neither a provider nor a patient
    refused(
        &h,
        &sign(&ink_e2e::alice(), "PUT", &path, sealed.ciphertext.clone()),
        403,
        "unknown_uploader",
    )?;
    // A bad hash in the path
    refused(
        &h,
        &sign(&kc, "PUT", "/v1/objects/xyz", sealed.ciphertext.clone()),
        400,
        "malformed_request",
    )?;
    // The patient may upload (patient-authored records)
    assert_eq!(upload(&h, &ink_e2e::ferdie(), &sealed)?.0, 201);
    // Deposits: a key sealed to someone else does not open here
    let elsewhere = medvault_core::generate_secret_key().public_key();
    let wrapped = medvault_core::wrap_key(&sealed.key, &elsewhere)?;
    let body =
        json!({"data_hash": hex::encode(sealed.data_hash), "sealed_key": hex::encode(wrapped)});
    refused(
        &h,
        &sign(&kc, "POST", "/v1/keys", body.to_string().into_bytes()),
        422,
        "bad_sealed_key",
    )?;
    let to = gateway_key(&h)?;
    let wrapped = medvault_core::wrap_key(&sealed.key, &to)?;
    let body =
        json!({"data_hash": hex::encode(sealed.data_hash), "sealed_key": hex::encode(&wrapped)});
    refused(
        &h,
        &sign(
            &ink_e2e::alice(),
            "POST",
            "/v1/keys",
            body.to_string().into_bytes(),
        ),
        403,
        "unknown_uploader",
    )?;
    assert_eq!(deposit(&h, &kc, &sealed, &to)?.0, 200);
    // The same key again: the same id, nothing new
    let (status, again) = deposit(&h, &kc, &sealed, &to)?;
    assert_eq!(
        (status, &again["key_id"]),
        (200, &json!(hex::encode(sealed.key_id)))
    );
    Ok(())
}

#[test]
fn a_slow_client_is_cut_off() -> E2EResult<()> {
    use std::io::{Read, Write};
    let h = Harness::start_with(
        staffed()?,
        Harness::settings(),
        std::time::Duration::from_secs(1),
    )?;
    let sealed = seal(PLAINTEXT)?;
    let path = format!("/v1/objects/{}", hex::encode(sealed.data_hash));
    let req = sign(&ink_e2e::charlie(), "PUT", &path, sealed.ciphertext.clone());
    let before = store_files(&h);
    let mut tcp = std::net::TcpStream::connect(h.url.trim_start_matches("http://"))?;
    let mut head = format!(
        "PUT {path} HTTP/1.1\r\nHost: gateway\r\nContent-Length: {}\r\n",
        sealed.ciphertext.len()
    );
    for (k, v) in &req.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    tcp.write_all(head.as_bytes())?;
    // Ten bytes of the body, then nothing
    tcp.write_all(&sealed.ciphertext[..10])?;
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tcp.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                answer.extend_from_slice(&buf[..n]);
                if answer.windows(4).any(|w| w == b"\r\n\r\n") && answer.ends_with(b"}") {
                    break;
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"error\":\"timeout\""), "{answer}");
    assert_eq!(store_files(&h), before);
    let last = log_lines(&h)?.pop().ok_or("empty log")?;
    assert_eq!(last["fields"]["code"], "timeout");
    Ok(())
}

/// A web app on an allowed origin (the harness allows
/// `http://127.0.0.1:5173`) may send signed requests from the browser:
/// the preflight names the signature headers; another origin gets no CORS
/// headers (its browser refuses), and the signature is still required.
#[test]
fn a_browser_on_an_allowed_origin_may_call_it_and_no_other() -> E2EResult<()> {
    let h = Harness::start(staffed()?, Harness::settings())?;
    let preflight = |origin: &str| -> E2EResult<reqwest::Response> {
        Ok(h.runtime.block_on(
            h.http
                .request(reqwest::Method::OPTIONS, format!("{}/v1/release", h.url))
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header(
                    "access-control-request-headers",
                    "content-type,x-medrec-account,x-medrec-timestamp,x-medrec-nonce,x-medrec-signature",
                )
                .send(),
        )?)
    };
    let ok = preflight("http://127.0.0.1:5173")?;
    assert!(ok.status().is_success(), "{}", ok.status());
    let header = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(
        header(&ok, "access-control-allow-origin").as_deref(),
        Some("http://127.0.0.1:5173")
    );
    let allowed = header(&ok, "access-control-allow-headers").unwrap_or_default();
    for name in ["x-medrec-account", "x-medrec-signature", "content-type"] {
        assert!(allowed.contains(name), "{allowed}");
    }
    let other = preflight("https://elsewhere.example")?;
    assert_eq!(header(&other, "access-control-allow-origin"), None);

    // An actual cross-origin request still needs its signature
    let r = h.runtime.block_on(
        h.http
            .post(format!("{}/v1/release", h.url))
            .header("origin", "http://127.0.0.1:5173")
            .body("{}")
            .send(),
    )?;
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(
        header(&r, "access-control-allow-origin").as_deref(),
        Some("http://127.0.0.1:5173")
    );
    Ok(())
}

fn log_request(who: &ink_e2e::Keypair, query: &str) -> Signed {
    sign(who, "GET", &format!("/v1/log{query}"), Vec::new())
}

/// The gateway's log is for auditors: a verified, active Admin reads it in
/// pages that link and verify on their own, and the read is logged; a
/// doctor, the contracts' owner (no provider) and the patient are refused,
/// and so are bad pages.
#[test]
fn the_log_is_read_by_admins_only_and_verifies_page_by_page() -> E2EResult<()> {
    let (h, _, _) = journey()?;
    // A refusal to find in the log
    refused(
        &h,
        &sign(&ink_e2e::alice(), "PUT", "/v1/objects/xyz", vec![1]),
        400,
        "malformed_request",
    )?;
    let total = log_lines(&h)?.len() as u64;
    assert!(total >= 4, "upload, deposit, bind, refusal");
    let bob = ink_e2e::bob();
    let (status, first) = h.send_json(&log_request(&bob, "?from=0&limit=2"))?;
    assert_eq!(status, 200, "{first}");
    assert_eq!(
        (first["total"].as_u64(), first["next"].as_u64()),
        (Some(total), Some(2))
    );
    // The first read is now in the log too
    let (status, rest) = h.send_json(&log_request(&bob, &format!("?from=2&limit={total}")))?;
    assert_eq!(status, 200, "{rest}");
    assert_eq!(
        (rest["total"].as_u64(), &rest["next"]),
        (Some(total + 1), &Value::Null)
    );
    // The pages are the file's lines, each hash recomputed from its body
    let pages: Vec<Value> = [&first, &rest]
        .iter()
        .flat_map(|p| p["entries"].as_array().cloned().unwrap_or_default())
        .collect();
    let on_disk = log_lines(&h)?;
    assert_eq!(pages.len() as u64, total + 1);
    assert_eq!(pages.as_slice(), &on_disk[..pages.len()]);
    assert_eq!(
        pages.last().map(|e| e["event"].clone()),
        Some(json!("log_read"))
    );
    let mut prev = hex::encode([0u8; 32]);
    for e in &pages {
        assert_eq!(e["prev"].as_str(), Some(prev.as_str()));
        let body = format!(
            "{{\"seq\":{},\"at\":{},\"event\":{},\"fields\":{}}}",
            e["seq"], e["at"], e["event"], e["fields"]
        );
        let mut hasher = Sha256::new();
        hasher.update(b"medrec-gateway/log/v1\0");
        hasher.update(hex::decode(&prev)?);
        hasher.update(body.as_bytes());
        prev = hex::encode(hasher.finalize());
        assert_eq!(e["hash"].as_str(), Some(prev.as_str()));
    }
    assert!(pages
        .iter()
        .any(|e| e["event"] == "refusal" && e["fields"]["code"] == "malformed_request"));
    // Nothing in it is a key or a byte of a record
    for e in &pages {
        for k in e["fields"].as_object().into_iter().flat_map(|f| f.keys()) {
            assert!(!k.contains("key") || k == "key_id", "{k}");
        }
    }
    // Each read is itself logged, with who read and how much
    let last = log_lines(&h)?.pop().ok_or("empty log")?;
    assert_eq!(
        (
            last["event"].as_str(),
            last["fields"]["caller"].as_str(),
            last["fields"]["count"].as_str()
        ),
        (
            Some("log_read"),
            Some(hex_account(&cast::bob().account).as_str()),
            Some((total - 1).to_string().as_str())
        )
    );
    // Not an admin: a doctor, the owner (no provider), the patient
    for who in [ink_e2e::charlie(), ink_e2e::alice(), ink_e2e::ferdie()] {
        refused(&h, &log_request(&who, "?from=0"), 403, "not_log_reader")?;
    }
    // Bad pages
    for q in ["?limit=0", "?limit=501", "?from=-1", "?from=0&all=1"] {
        refused(&h, &log_request(&bob, q), 400, "malformed_request")?;
    }
    // Unsigned
    let (status, _) = h.get("/v1/log")?;
    assert_eq!(status, 401);
    Ok(())
}

/// A release naming an earlier version (`"version": N`).
fn release_version(
    who: &ink_e2e::Keypair,
    id: u64,
    audit_index: u64,
    version: u32,
    wrap_to: &PublicKey,
) -> Signed {
    let body = json!({
        "patient": hex_account(&cast::ferdie().account),
        "record_id": id,
        "audit_index": audit_index,
        "wrap_to": hex::encode(wrap_to.as_bytes()),
        "version": version,
    });
    sign(who, "POST", "/v1/release", body.to_string().into_bytes())
}

/// After an update, a read opens the current version; the patient's own
/// read opens every earlier one too (each once per read: what a data export
/// needs), and nobody else's read opens an earlier one.
#[test]
fn earlier_versions_open_for_the_patient_only() -> E2EResult<()> {
    let (h, v1, id) = journey()?;
    let charlie = ink_e2e::charlie();
    let v2 = seal(b"Ferdie: penicillin allergy, ruled out 2026-11-20")?;
    let to = gateway_key(&h)?;
    assert_eq!(upload(&h, &charlie, &v2)?.0, 201);
    assert_eq!(deposit(&h, &charlie, &v2, &to)?.0, 200);
    let version = h.with(|s| -> E2EResult<u32> {
        let m = s.rm().update_record(
            cast::ferdie().account,
            id,
            v2.data_hash,
            v2.key_id,
            v2.ciphertext.len() as u64,
            Purpose::Treatment,
        );
        Ok(s.ok(&cast::charlie(), &m)?.value)
    })??;
    assert_eq!(version, 2);
    assert_eq!(h.send_json(&bind_request(&charlie, id))?.0, 200);

    // Dr Charlie's read opens version 2; asking for version 1 is refused
    let index = recorded_read(&h, &cast::charlie(), id, Purpose::Treatment)?;
    let mine = medvault_core::generate_secret_key();
    refused(
        &h,
        &release_version(&charlie, id, index, 1, &mine.public_key()),
        403,
        "earlier_version_patient_only",
    )?;
    let (status, bytes) = h.send(&sign(
        &charlie,
        "GET",
        &format!(
            "/v1/records/{}/{id}/ciphertext?audit_index={index}&version=1",
            hex_account(&cast::ferdie().account)
        ),
        Vec::new(),
    ))?;
    assert_eq!(status, 403, "{}", String::from_utf8_lossy(&bytes));
    let (status, body) = h.send_json(&release_request(
        &charlie,
        &cast::ferdie().account,
        id,
        index,
        &mine.public_key(),
    ))?;
    assert_eq!((status, &body["version"]), (200, &json!(2)), "{body}");
    let key = medvault_core::unwrap_key(
        &hex::decode(body["wrapped_key"].as_str().ok_or("no key")?)?,
        &mine,
    )?;
    assert_eq!(*key, v2.key);

    // Ferdie's one read opens both versions, each once
    let ferdie = ink_e2e::ferdie();
    let index = recorded_read(&h, &cast::ferdie(), id, Purpose::PatientRequest)?;
    let his = medvault_core::generate_secret_key();
    let (status, body) = h.send_json(&release_version(&ferdie, id, index, 1, &his.public_key()))?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (&body["version"], &body["data_hash"], &body["key_id"]),
        (
            &json!(1),
            &json!(hex::encode(v1.data_hash)),
            &json!(hex::encode(v1.key_id))
        )
    );
    let key1 = medvault_core::unwrap_key(
        &hex::decode(body["wrapped_key"].as_str().ok_or("no key")?)?,
        &his,
    )?;
    let (status, bytes) = h.send(&sign(
        &ferdie,
        "GET",
        &format!(
            "/v1/records/{}/{id}/ciphertext?audit_index={index}&version=1",
            hex_account(&cast::ferdie().account)
        ),
        Vec::new(),
    ))?;
    assert_eq!(status, 200);
    assert_eq!(open(&key1, &bytes)?, PLAINTEXT);
    let (status, body) = h.send_json(&release_request(
        &ferdie,
        &cast::ferdie().account,
        id,
        index,
        &his.public_key(),
    ))?;
    assert_eq!((status, &body["version"]), (200, &json!(2)), "{body}");
    let log = log_lines(&h)?;
    assert!(log
        .iter()
        .any(|e| e["event"] == "release" && e["fields"]["version"] == "1"));
    refused(
        &h,
        &release_version(&ferdie, id, index, 1, &his.public_key()),
        409,
        "entry_used",
    )?;
    for v in [0, 3] {
        refused(
            &h,
            &release_version(&ferdie, id, index, v, &his.public_key()),
            404,
            "unknown_version",
        )?;
    }
    Ok(())
}
