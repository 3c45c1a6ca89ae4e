//! medvault: round trips, every tamper case, wrong keys, the hash check
//! before decryption, shredding, and clean errors that leave nothing behind.

use medvault::*;
use proptest::prelude::*;
use std::path::Path;

const SMALL_CHUNK: u32 = 64;

fn encrypt(key: &[u8; 32], chunk: u32, plain: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    encrypt_stream(
        key,
        chunk,
        &mut &plain[..],
        |p| {
            out.extend_from_slice(&p);
            Ok(())
        },
        |_| {},
    )
    .expect("encrypt");
    out
}

fn decrypt(key: &[u8; 32], cipher: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    decrypt_stream(key, &mut &cipher[..], &mut out)?;
    Ok(out)
}

fn sample(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + 3) as u8).collect()
}

/// Header, then segments of `SMALL_CHUNK + TAG_LEN`.
fn segment_range(i: usize) -> std::ops::Range<usize> {
    let seg = SMALL_CHUNK as usize + TAG_LEN;
    HEADER_LEN + i * seg..HEADER_LEN + (i + 1) * seg
}

#[test]
fn round_trips_at_every_interesting_size() {
    let key = generate_data_key();
    let c = SMALL_CHUNK as usize;
    for len in [0, 1, c - 1, c, c + 1, 2 * c, 5 * c + 17] {
        let plain = sample(len);
        let cipher = encrypt(&key, SMALL_CHUNK, &plain);
        // every full chunk, plus one short (possibly empty) final segment
        let segments = len / c + 1;
        assert_eq!(
            cipher.len(),
            HEADER_LEN + len + segments * TAG_LEN,
            "len {len}"
        );
        assert_eq!(decrypt(&key, &cipher).expect("decrypt"), plain, "len {len}");
    }
}

#[test]
fn same_plaintext_twice_gives_different_ciphertexts() {
    let key = generate_data_key();
    let plain = sample(100);
    assert_ne!(
        encrypt(&key, SMALL_CHUNK, &plain),
        encrypt(&key, SMALL_CHUNK, &plain)
    );
}

#[test]
fn truncation_is_detected() {
    let key = generate_data_key();
    let cipher = encrypt(&key, SMALL_CHUNK, &sample(3 * SMALL_CHUNK as usize + 10));
    // dropping the final segment exactly at a segment boundary
    let at_boundary = segment_range(2).end;
    assert!(matches!(
        decrypt(&key, &cipher[..at_boundary]),
        Err(VaultError::Decrypt(DecryptError::Truncated))
    ));
    // cutting inside a segment
    assert!(matches!(
        decrypt(&key, &cipher[..at_boundary - 5]),
        Err(VaultError::Decrypt(DecryptError::SegmentAuth { .. }))
    ));
    // cutting into the header, or to nothing
    assert!(matches!(
        decrypt(&key, &cipher[..10]),
        Err(VaultError::Decrypt(DecryptError::Truncated))
    ));
    assert!(matches!(
        decrypt(&key, &[]),
        Err(VaultError::Decrypt(DecryptError::BadHeader))
    ));
    // a multiple-of-chunk plaintext without its empty final segment
    let cipher = encrypt(&key, SMALL_CHUNK, &sample(2 * SMALL_CHUNK as usize));
    assert!(matches!(
        decrypt(&key, &cipher[..cipher.len() - TAG_LEN]),
        Err(VaultError::Decrypt(DecryptError::Truncated))
    ));
}

#[test]
fn reordering_segments_is_detected() {
    let key = generate_data_key();
    let mut cipher = encrypt(&key, SMALL_CHUNK, &sample(3 * SMALL_CHUNK as usize + 10));
    let (a, b) = (segment_range(0), segment_range(1));
    let first: Vec<u8> = cipher[a.clone()].to_vec();
    let second: Vec<u8> = cipher[b.clone()].to_vec();
    cipher[a].copy_from_slice(&second);
    cipher[b].copy_from_slice(&first);
    assert!(matches!(
        decrypt(&key, &cipher),
        Err(VaultError::Decrypt(DecryptError::SegmentAuth { index: 0 }))
    ));
}

#[test]
fn every_single_bit_flip_is_detected() {
    let key = generate_data_key();
    let cipher = encrypt(&key, SMALL_CHUNK, &sample(2 * SMALL_CHUNK as usize + 5));
    for byte in 0..cipher.len() {
        for bit in [0u8, 3, 7] {
            let mut bad = cipher.clone();
            bad[byte] ^= 1 << bit;
            assert!(
                decrypt(&key, &bad).is_err(),
                "flip at byte {byte} bit {bit} went unnoticed"
            );
        }
    }
}

#[test]
fn appended_data_is_refused() {
    let key = generate_data_key();
    let cipher = encrypt(&key, SMALL_CHUNK, &sample(10));
    // one byte more: it joins the final segment, whose tag then fails
    let mut longer = cipher.clone();
    longer.push(0);
    assert!(matches!(
        decrypt(&key, &longer),
        Err(VaultError::Decrypt(DecryptError::SegmentAuth { index: 0 }))
    ));
    // a whole segment more: the final segment is no longer last
    let mut longer = cipher.clone();
    longer.extend_from_slice(&[0u8; 100]);
    assert!(matches!(
        decrypt(&key, &longer),
        Err(VaultError::Decrypt(DecryptError::SegmentAuth { index: 0 }))
    ));
}

#[test]
fn the_wrong_data_key_fails_authentication() {
    let cipher = encrypt(&generate_data_key(), SMALL_CHUNK, &sample(10));
    assert!(matches!(
        decrypt(&generate_data_key(), &cipher),
        Err(VaultError::Decrypt(DecryptError::SegmentAuth { index: 0 }))
    ));
}

#[test]
fn headers_are_validated() {
    let key = generate_data_key();
    let cipher = encrypt(&key, SMALL_CHUNK, &sample(10));
    let mut bad = cipher.clone();
    bad[8] = 2;
    assert!(matches!(
        decrypt(&key, &bad),
        Err(VaultError::Decrypt(DecryptError::UnsupportedVersion(2)))
    ));
    for size in [0u32, MAX_CHUNK + 1] {
        let mut bad = cipher.clone();
        bad[9..13].copy_from_slice(&size.to_le_bytes());
        assert!(
            matches!(decrypt(&key, &bad), Err(VaultError::Decrypt(DecryptError::BadChunkSize(s))) if s == size)
        );
    }
    assert!(matches!(
        decrypt(&key, b"not a vault ciphertext at all, no"),
        Err(VaultError::Decrypt(DecryptError::BadHeader))
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_plaintext_round_trips(plain in proptest::collection::vec(any::<u8>(), 0..700), chunk in 1u32..200) {
        let key = generate_data_key();
        let cipher = encrypt(&key, chunk, &plain);
        prop_assert_eq!(decrypt(&key, &cipher).expect("decrypt"), plain);
    }

    /// The parser never panics and never accepts altered input.
    #[test]
    fn mangled_ciphertexts_are_refused_without_panicking(
        plain in proptest::collection::vec(any::<u8>(), 0..300),
        cut in any::<prop::sample::Index>(),
        flip in any::<prop::sample::Index>(),
    ) {
        let key = generate_data_key();
        let cipher = encrypt(&key, 32, &plain);
        let cut = cut.index(cipher.len());
        prop_assert!(decrypt(&key, &cipher[..cut]).is_err());
        let mut flipped = cipher.clone();
        flipped[flip.index(cipher.len())] ^= 0x80;
        prop_assert!(decrypt(&key, &flipped).is_err());
    }
}

// ---------------------------------------------------------------------------
// The store: seal, wrap, open, shred
// ---------------------------------------------------------------------------

struct Env {
    dir: tempfile::TempDir,
    store: Store,
}

fn env() -> Env {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path().join("store")).expect("store");
    Env { dir, store }
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).expect("write");
}

#[test]
fn seal_wrap_open_round_trip_through_the_store() {
    let e = env();
    let file = e.dir.path().join("record.pdf");
    let plain = sample(200_000);
    write(&file, &plain);

    let sealed = e
        .store
        .seal_file(&file, DEFAULT_CHUNK, |_| {})
        .expect("seal");
    // the data hash is the SHA-256 of the exact stored bytes, found by locator
    let object = e.store.object_path(&sealed.locator).expect("locator");
    assert_eq!(sha256_file(&object).expect("hash"), sealed.data_hash);
    assert_eq!(
        std::fs::metadata(&object).expect("object").len(),
        sealed.size
    );
    assert!(sealed.locator.len() <= 128);
    assert_eq!(
        sealed.locator,
        format!("vault://sha256/{}", hex::encode(sealed.data_hash))
    );
    // the ciphertext does not contain the plaintext
    let stored = std::fs::read(&object).expect("read");
    assert!(!stored.windows(64).any(|w| w == &plain[1000..1064]));

    let doctor_secret = e.dir.path().join("doctor.key");
    let doctor_public = keygen(&doctor_secret).expect("keygen");
    let wrapped = e
        .store
        .wrap_key(&sealed.key_id, &doctor_public)
        .expect("wrap");
    assert_eq!(wrapped.len(), 80);

    let out = e.dir.path().join("opened.pdf");
    let secret = read_secret_key(&doctor_secret).expect("secret");
    let n = e
        .store
        .open_to_file(&sealed.locator, &sealed.data_hash, &wrapped, &secret, &out)
        .expect("open");
    assert_eq!(n, plain.len() as u64);
    assert_eq!(std::fs::read(&out).expect("read"), plain);
}

#[cfg(unix)]
#[test]
fn secret_files_are_private_and_never_overwritten() {
    use std::os::unix::fs::PermissionsExt;
    let e = env();
    let path = e.dir.path().join("me.key");
    keygen(&path).expect("keygen");
    assert_eq!(
        std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777,
        0o600
    );
    assert!(matches!(keygen(&path), Err(VaultError::Io { .. })));
    let file = e.dir.path().join("f");
    write(&file, b"x");
    let sealed = e
        .store
        .seal_file(&file, DEFAULT_CHUNK, |_| {})
        .expect("seal");
    let key_file = e
        .store
        .root()
        .join("keys")
        .join(format!("{}.key", sealed.key_id));
    assert_eq!(
        std::fs::metadata(&key_file)
            .expect("meta")
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
}

#[test]
fn a_hash_mismatch_is_refused_before_decrypting_and_writes_nothing() {
    let e = env();
    let file = e.dir.path().join("r");
    write(&file, &sample(5000));
    let sealed = e.store.seal_file(&file, 1024, |_| {}).expect("seal");
    let secret_path = e.dir.path().join("k");
    let public = keygen(&secret_path).expect("keygen");
    let wrapped = e.store.wrap_key(&sealed.key_id, &public).expect("wrap");
    let secret = read_secret_key(&secret_path).expect("secret");
    let out = e.dir.path().join("out");

    // the chain says another hash
    let mut other = sealed.data_hash;
    other[0] ^= 1;
    let r = e
        .store
        .open_to_file(&sealed.locator, &other, &wrapped, &secret, &out);
    assert!(matches!(
        r,
        Err(VaultError::Decrypt(DecryptError::HashMismatch { .. }))
    ));
    assert!(!out.exists());

    // the stored object was altered: its hash no longer matches the chain's
    let object = e.store.object_path(&sealed.locator).expect("path");
    let mut bytes = std::fs::read(&object).expect("read");
    bytes[100] ^= 1;
    write(&object, &bytes);
    let r = e
        .store
        .open_to_file(&sealed.locator, &sealed.data_hash, &wrapped, &secret, &out);
    assert!(matches!(
        r,
        Err(VaultError::Decrypt(DecryptError::HashMismatch { .. }))
    ));
    assert!(!out.exists());
}

#[test]
fn a_corrupt_object_that_matches_its_hash_still_fails_and_writes_nothing() {
    // The chain could only hold such a hash if the writer sealed garbage; the
    // AEAD still refuses it and no partial plaintext appears.
    let e = env();
    let file = e.dir.path().join("r");
    write(&file, &sample(5000));
    let sealed = e.store.seal_file(&file, 1024, |_| {}).expect("seal");
    let object = e.store.object_path(&sealed.locator).expect("path");
    let mut bytes = std::fs::read(&object).expect("read");
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    write(&object, &bytes);
    let new_hash = sha256_file(&object).expect("hash");
    let secret_path = e.dir.path().join("k");
    let public = keygen(&secret_path).expect("keygen");
    let wrapped = e.store.wrap_key(&sealed.key_id, &public).expect("wrap");
    let secret = read_secret_key(&secret_path).expect("secret");
    let out = e.dir.path().join("out");
    let r = e
        .store
        .open_to_file(&sealed.locator, &new_hash, &wrapped, &secret, &out);
    assert!(
        matches!(
            r,
            Err(VaultError::Decrypt(DecryptError::SegmentAuth { .. }))
        ),
        "{r:?}"
    );
    assert!(!out.exists());
    let leftovers: Vec<_> = std::fs::read_dir(e.dir.path())
        .expect("dir")
        .filter_map(|d| d.ok())
        .filter(|d| d.file_name().to_string_lossy().starts_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
}

#[test]
fn the_wrong_recipient_key_cannot_unwrap() {
    let e = env();
    let file = e.dir.path().join("r");
    write(&file, b"hello");
    let sealed = e
        .store
        .seal_file(&file, DEFAULT_CHUNK, |_| {})
        .expect("seal");
    let doctor = keygen(&e.dir.path().join("doctor")).expect("keygen");
    keygen(&e.dir.path().join("nurse")).expect("keygen");
    let wrapped = e.store.wrap_key(&sealed.key_id, &doctor).expect("wrap");
    let nurse_secret = read_secret_key(&e.dir.path().join("nurse")).expect("secret");
    let out = e.dir.path().join("out");
    let r = e.store.open_to_file(
        &sealed.locator,
        &sealed.data_hash,
        &wrapped,
        &nurse_secret,
        &out,
    );
    assert!(matches!(
        r,
        Err(VaultError::Decrypt(DecryptError::WrongKey))
    ));
    assert!(!out.exists());
    // a truncated wrapped key too
    let doctor_secret = read_secret_key(&e.dir.path().join("doctor")).expect("secret");
    let r = e.store.open_to_file(
        &sealed.locator,
        &sealed.data_hash,
        &wrapped[..40],
        &doctor_secret,
        &out,
    );
    assert!(matches!(
        r,
        Err(VaultError::Decrypt(DecryptError::WrongKey))
    ));
}

#[test]
fn shredding_makes_the_record_unreadable_from_the_store() {
    let e = env();
    let file = e.dir.path().join("r");
    write(&file, b"to be forgotten");
    let sealed = e
        .store
        .seal_file(&file, DEFAULT_CHUNK, |_| {})
        .expect("seal");
    let public = keygen(&e.dir.path().join("k")).expect("keygen");
    assert!(e.store.wrap_key(&sealed.key_id, &public).is_ok());
    e.store.shred(&sealed.key_id).expect("shred");
    assert!(matches!(
        e.store.data_key(&sealed.key_id),
        Err(VaultError::UnknownKey(_))
    ));
    assert!(matches!(
        e.store.wrap_key(&sealed.key_id, &public),
        Err(VaultError::UnknownKey(_))
    ));
    assert!(matches!(
        e.store.shred(&sealed.key_id),
        Err(VaultError::UnknownKey(_))
    ));
    // the ciphertext is still there, but no key opens it here any more
    assert!(e.store.object_path(&sealed.locator).expect("path").exists());
}

#[test]
fn bad_input_gets_a_clear_error() {
    let e = env();
    let missing = e.dir.path().join("nope");
    assert!(matches!(
        e.store.seal_file(&missing, DEFAULT_CHUNK, |_| {}),
        Err(VaultError::Io { .. })
    ));
    assert!(matches!(
        e.store.object_path("http://x"),
        Err(VaultError::BadLocator(_))
    ));
    assert!(matches!(
        e.store.object_path("vault://sha256/zz"),
        Err(VaultError::BadLocator(_))
    ));
    let secret_path = e.dir.path().join("k");
    keygen(&secret_path).expect("keygen");
    let secret = read_secret_key(&secret_path).expect("secret");
    let unknown = format!("vault://sha256/{}", "ab".repeat(32));
    let r = e.store.open_to_file(
        &unknown,
        &[0xab; 32],
        &[0; 80],
        &secret,
        &e.dir.path().join("o"),
    );
    assert!(matches!(r, Err(VaultError::UnknownLocator(_))));
    assert!(matches!(
        e.store.data_key("not-an-id"),
        Err(VaultError::BadKeyId(_))
    ));
    assert!(matches!(
        parse_public_key("1234"),
        Err(VaultError::BadHex(_))
    ));
    // nothing half-written in the store after a failed seal
    let tmp = e.store.root().join("tmp");
    assert_eq!(std::fs::read_dir(tmp).expect("dir").count(), 0);
}
