//! The committed test vectors, vault/test-vectors/medvault-v1.json: fixed
//! keys, nonce prefix and ephemeral key (the `testing` constructors), the
//! ciphertexts and wrapped key they give, and tampered inputs with the error
//! kind each must be refused with. This test rebuilds them and requires the
//! committed file to be identical, so a change of the format cannot pass
//! unnoticed; the Node client's tests (client/test/vault-vectors.test.js)
//! reproduce the same bytes and kinds through the WebAssembly package.
//!
//! After a deliberate format change (with a version bump), rewrite the file:
//! `MEDVAULT_WRITE_VECTORS=1 cargo test -p medvault-core --test vectors`.

use medvault_core::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../test-vectors/medvault-v1.json"
);

fn key() -> [u8; 32] {
    std::array::from_fn(|i| i as u8)
}
fn nonce_prefix() -> [u8; NONCE_PREFIX_LEN] {
    std::array::from_fn(|i| 0xa0 + i as u8)
}
fn recipient_secret() -> [u8; 32] {
    std::array::from_fn(|i| 0x40 + i as u8)
}
fn ephemeral_secret() -> [u8; 32] {
    std::array::from_fn(|i| 0x80 + i as u8)
}
/// byte i = (7 i + 3) mod 256
fn plaintext(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + 3) as u8).collect()
}

fn seal(chunk: u32, plain: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut sealer = Sealer::with_fixed_nonce(key(), chunk, nonce_prefix()).expect("sealer");
    sealer.push(plain, &mut out).expect("push");
    sealer.finish(&mut out).expect("finish");
    out
}

/// Opens in one push and again one byte at a time; both must agree.
fn open(key: &[u8; 32], cipher: &[u8]) -> Result<Vec<u8>, DecryptError> {
    let whole = {
        let mut out = Vec::new();
        let mut o = Opener::new(key);
        o.push(cipher, &mut out)
            .and_then(|_| o.finish(&mut out))
            .map(|_| out)
    };
    let bytewise = {
        let mut out = Vec::new();
        let mut o = Opener::new(key);
        cipher
            .iter()
            .try_for_each(|b| o.push(std::slice::from_ref(b), &mut out))
            .and_then(|_| o.finish(&mut out))
            .map(|_| out)
    };
    assert_eq!(whole, bytewise, "one push and byte-wise pushes disagree");
    whole
}

fn sha(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

fn refusal(name: &str, key: &[u8; 32], cipher: &[u8]) -> Value {
    let err = open(key, cipher).expect_err(name);
    let mut v = json!({
        "name": name,
        "key": hex::encode(key),
        "ciphertext": hex::encode(cipher),
        "code": err.code(),
    });
    if let DecryptError::SegmentAuth { index } = err {
        v["index"] = json!(index);
    }
    v
}

fn build() -> Value {
    let mut seal_cases = Vec::new();
    for (chunk, len, inline) in [
        (64u32, 0usize, true),
        (64, 1, true),
        (64, 63, true),
        (64, 64, true),
        (64, 65, true),
        (64, 209, true),
        (DEFAULT_CHUNK, 150_000, false),
    ] {
        let plain = plaintext(len);
        let cipher = seal(chunk, &plain);
        assert_eq!(cipher.len() as u64, ciphertext_len(len as u64, chunk));
        assert_eq!(open(&key(), &cipher).expect("open"), plain);
        let hash = sha(&cipher);
        let mut case = json!({
            "name": format!("{len} bytes, chunk {chunk}"),
            "chunk_size": chunk,
            "plaintext_len": len,
            "ciphertext_len": cipher.len(),
            "ciphertext_sha256": hex::encode(hash),
            "locator": locator(&hash),
            "key_id": key_id(&key()),
        });
        if inline {
            case["ciphertext"] = json!(hex::encode(&cipher));
        }
        seal_cases.push(case);
    }

    let secret = SecretKey::from_bytes(recipient_secret());
    let public = secret.public_key();
    let wrapped = wrap_key_with_ephemeral(&key(), &public, ephemeral_secret()).expect("wrap");
    assert_eq!(wrapped.len(), WRAPPED_KEY_LEN);
    assert_eq!(*unwrap_key(&wrapped, &secret).expect("unwrap"), key());

    // Tampering, on the 209-byte plaintext with 64-byte chunks: header (32),
    // three full segments (80 each), the last (17 + 16).
    let c = seal(64, &plaintext(209));
    let seg = |i: usize| 32 + i * 80..32 + (i + 1) * 80;
    let flip = |at: usize| {
        let mut b = c.clone();
        b[at] ^= 1;
        b
    };
    let mut swapped = c.clone();
    swapped[seg(0)].copy_from_slice(&c[seg(1)]);
    swapped[seg(1)].copy_from_slice(&c[seg(0)]);
    let mut appended = c.clone();
    appended.push(0);
    let mut other_key = key();
    other_key[0] ^= 1;
    let with_header_byte = |at: usize, v: &[u8]| {
        let mut b = c.clone();
        b[at..at + v.len()].copy_from_slice(v);
        b
    };
    let multiple = seal(64, &plaintext(128));
    let refuse = vec![
        refusal("bit flip in the header", &key(), &flip(20)),
        refusal("bit flip in segment 1", &key(), &flip(seg(1).start + 5)),
        refusal("bit flip in the last tag", &key(), &flip(c.len() - 1)),
        refusal("segments 0 and 1 swapped", &key(), &swapped),
        refusal("truncated at a segment boundary", &key(), &c[..seg(2).end]),
        refusal(
            "empty last segment dropped",
            &key(),
            &multiple[..multiple.len() - TAG_LEN],
        ),
        refusal("truncated inside a segment", &key(), &c[..c.len() - 5]),
        refusal("truncated inside the header", &key(), &c[..10]),
        refusal("header only", &key(), &c[..HEADER_LEN]),
        refusal("one byte appended", &key(), &appended),
        refusal("wrong data key", &other_key, &c),
        refusal("version 2", &key(), &with_header_byte(8, &[2])),
        refusal(
            "chunk size 0",
            &key(),
            &with_header_byte(9, &0u32.to_le_bytes()),
        ),
        refusal(
            "chunk size above the maximum",
            &key(),
            &with_header_byte(9, &(MAX_CHUNK + 1).to_le_bytes()),
        ),
        refusal(
            "not a medvault ciphertext",
            &key(),
            b"not a vault ciphertext at all, no",
        ),
        refusal("empty input", &key(), &[]),
    ];

    let wrong_secret: [u8; 32] = std::array::from_fn(|i| 0x41 + i as u8);
    let unwrap_refusals: Vec<Value> = [
        ("wrong recipient secret key", wrapped.clone(), wrong_secret),
        ("wrapped key truncated", wrapped[..40].to_vec(), recipient_secret()),
        (
            "wrapped key with a flipped bit",
            {
                let mut w = wrapped.clone();
                w[50] ^= 1;
                w
            },
            recipient_secret(),
        ),
    ]
    .into_iter()
    .map(|(name, w, s)| {
        let err = unwrap_key(&w, &SecretKey::from_bytes(s)).expect_err(name);
        json!({ "name": name, "wrapped": hex::encode(&w), "secret_key": hex::encode(s), "code": err.code() })
    })
    .collect();

    let hash = sha(&c);
    let tampered_hash = sha(&flip(100));
    let hash_err = check_hash(&hash, &tampered_hash).expect_err("mismatch");

    json!({
        "about": "medvault ciphertext format version 1 (vault/core/src/lib.rs). Written by `MEDVAULT_WRITE_VECTORS=1 cargo test -p medvault-core --test vectors`; checked by that test and by client/test/vault-vectors.test.js (WebAssembly). Not edited by hand.",
        "plaintext": "byte i of a plaintext of length n is (7 * i + 3) mod 256",
        "key": hex::encode(key()),
        "nonce_prefix": hex::encode(nonce_prefix()),
        "seal": seal_cases,
        "wrap": {
            "key": hex::encode(key()),
            "recipient_secret_key": hex::encode(recipient_secret()),
            "recipient_public_key": hex::encode(public.as_bytes()),
            "ephemeral_secret_key": hex::encode(ephemeral_secret()),
            "wrapped": hex::encode(&wrapped),
        },
        "refuse": refuse,
        "refuse_unwrap": unwrap_refusals,
        "refuse_hash": {
            "expected": hex::encode(hash),
            "actual": hex::encode(tampered_hash),
            "code": hash_err.code(),
        },
    })
}

#[test]
fn the_committed_vectors_are_reproduced_byte_for_byte() {
    let built = build();
    if std::env::var_os("MEDVAULT_WRITE_VECTORS").is_some() {
        let text = serde_json::to_string_pretty(&built).expect("json") + "\n";
        std::fs::write(PATH, text).expect("write the vectors");
        return;
    }
    let text = std::fs::read_to_string(PATH)
        .expect("vault/test-vectors/medvault-v1.json (MEDVAULT_WRITE_VECTORS=1 writes it)");
    let committed: Value = serde_json::from_str(&text).expect("vectors json");
    assert_eq!(
        committed, built,
        "the format's output changed: bump VERSION and rewrite the vectors deliberately"
    );
}

#[test]
fn the_refusals_name_the_kinds_the_issue_lists() {
    let built = build();
    let codes: Vec<&str> = built["refuse"]
        .as_array()
        .expect("refuse")
        .iter()
        .map(|r| r["code"].as_str().expect("code"))
        .collect();
    for want in [
        "SegmentAuth",
        "Truncated",
        "BadHeader",
        "UnsupportedVersion",
        "BadChunkSize",
    ] {
        assert!(codes.contains(&want), "no vector refused with {want}");
    }
    assert_eq!(built["refuse_unwrap"][0]["code"], "WrongKey");
    assert_eq!(built["refuse_hash"]["code"], "HashMismatch");
}
