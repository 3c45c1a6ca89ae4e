//! The streaming API: any split of the input gives the same bytes and the same
//! errors as one push, memory stays at one segment, and the std::io adapters
//! make the same ciphertext as a Sealer.

use medvault_core::*;
use proptest::prelude::*;

const KEY: [u8; 32] = [9u8; 32];
const NONCE: [u8; NONCE_PREFIX_LEN] = [3u8; NONCE_PREFIX_LEN];

fn sample(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 13 + 1) as u8).collect()
}

/// Pushes `input` in pieces of the given sizes (cycled), then finishes.
fn seal_split(chunk: u32, input: &[u8], sizes: &[usize]) -> Vec<u8> {
    let mut sealer = Sealer::with_fixed_nonce(KEY, chunk, NONCE).expect("sealer");
    let mut out = Vec::new();
    let mut rest = input;
    for &n in sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let n = n.clamp(1, rest.len());
        sealer.push(&rest[..n], &mut out).expect("push");
        rest = &rest[n..];
    }
    sealer.finish(&mut out).expect("finish");
    out
}

fn open_split(cipher: &[u8], sizes: &[usize]) -> Result<Vec<u8>, DecryptError> {
    let mut opener = Opener::new(&KEY);
    let mut out = Vec::new();
    let mut rest = cipher;
    for &n in sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let n = n.clamp(1, rest.len());
        opener.push(&rest[..n], &mut out)?;
        rest = &rest[n..];
    }
    opener.finish(&mut out)?;
    Ok(out)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_split_seals_and_opens_to_the_same_bytes(
        plain in proptest::collection::vec(any::<u8>(), 0..600),
        chunk in 1u32..100,
        sizes in proptest::collection::vec(1usize..300, 1..8),
    ) {
        let one = seal_split(chunk, &plain, &[usize::MAX]);
        prop_assert_eq!(one.len() as u64, ciphertext_len(plain.len() as u64, chunk));
        prop_assert_eq!(&seal_split(chunk, &plain, &sizes), &one);
        prop_assert_eq!(open_split(&one, &sizes).expect("open"), plain);
    }

    #[test]
    fn any_split_refuses_tampering_with_the_same_error(
        plain in proptest::collection::vec(any::<u8>(), 0..400),
        at in any::<prop::sample::Index>(),
        cut in any::<prop::sample::Index>(),
        sizes in proptest::collection::vec(1usize..200, 1..6),
    ) {
        let cipher = seal_split(32, &plain, &[usize::MAX]);
        let mut flipped = cipher.clone();
        flipped[at.index(cipher.len())] ^= 0x10;
        let whole = open_split(&flipped, &[usize::MAX]);
        prop_assert!(whole.is_err());
        prop_assert_eq!(open_split(&flipped, &sizes), whole);
        let short = &cipher[..cut.index(cipher.len())];
        let whole = open_split(short, &[usize::MAX]);
        prop_assert!(whole.is_err());
        prop_assert_eq!(open_split(short, &sizes), whole);
    }
}

#[test]
fn segments_come_out_as_soon_as_they_are_known_not_to_be_last() {
    let chunk = 64u32;
    let plain = sample(10 * 64 + 5);
    let mut sealer = Sealer::with_fixed_nonce(KEY, chunk, NONCE).expect("sealer");
    let mut out = Vec::new();
    sealer.push(&plain, &mut out).expect("push");
    // header + 10 full segments; only the 5 bytes of the last wait
    assert_eq!(out.len(), HEADER_LEN + 10 * (64 + TAG_LEN));
    sealer.finish(&mut out).expect("finish");

    let mut opener = Opener::new(&KEY);
    let mut plain_out = Vec::new();
    opener.push(&out, &mut plain_out).expect("push");
    // every full segment but none of the last (which might still grow)
    assert_eq!(plain_out.len(), 10 * 64);
    assert_eq!(
        opener.finish(&mut plain_out).expect("finish"),
        plain.len() as u64
    );
    assert_eq!(plain_out, plain);
}

#[test]
fn an_opener_stays_failed_after_an_error() {
    let cipher = seal_split(16, &sample(100), &[usize::MAX]);
    let mut bad = cipher.clone();
    bad[HEADER_LEN + 2] ^= 1;
    let mut opener = Opener::new(&KEY);
    let mut out = Vec::new();
    let first = opener.push(&bad, &mut out).expect_err("tampered");
    assert_eq!(first, DecryptError::SegmentAuth { index: 0 });
    assert!(out.is_empty(), "nothing of a failed segment is handed out");
    assert_eq!(opener.push(&cipher, &mut out), Err(first.clone()));
    assert_eq!(opener.finish(&mut out), Err(first));
}

#[test]
fn the_io_adapters_match_the_sealer_and_opener() {
    let plain = sample(5 * 1024 + 3);
    let mut cipher = Vec::new();
    let n = encrypt_stream(
        &KEY,
        1024,
        &mut &plain[..],
        |p| {
            cipher.extend_from_slice(&p);
            Ok(())
        },
        |_| {},
    )
    .expect("encrypt");
    assert_eq!(n, plain.len() as u64);
    // same key, its own random nonce: opens with an Opener, same length
    assert_eq!(open_split(&cipher, &[777]).expect("open"), plain);
    assert_eq!(cipher.len(), seal_split(1024, &plain, &[usize::MAX]).len());
    let mut back = Vec::new();
    let sealed = seal_split(1024, &plain, &[100]);
    decrypt_stream(&KEY, &mut &sealed[..], &mut back).expect("decrypt");
    assert_eq!(back, plain);
}

#[test]
fn chunk_sizes_are_checked_when_sealing() {
    for bad in [0, MAX_CHUNK + 1] {
        assert_eq!(
            Sealer::new(bad).err(),
            Some(EncryptError::BadChunkSize(bad))
        );
    }
    assert!(Sealer::new(MAX_CHUNK).is_ok());
}

#[test]
fn headers_round_trip_and_locators_parse() {
    let sealer = Sealer::with_fixed_nonce(KEY, 4096, NONCE).expect("sealer");
    let header = Header::parse(&sealer.header()).expect("parse");
    assert_eq!(header.chunk_size(), 4096);
    assert_eq!(header.nonce_prefix(), &NONCE);
    assert_eq!(header.to_bytes(), sealer.header());
    let hash = [0xab; 32];
    let loc = locator(&hash);
    assert_eq!(loc.len(), 79);
    assert_eq!(parse_locator(&loc), Some(hash));
    for bad in ["http://x", "vault://sha256/zz", "vault://sha256/abab"] {
        assert_eq!(parse_locator(bad), None);
    }
}

#[test]
fn key_wrapping_round_trips_and_refuses_other_keys() {
    let key = generate_data_key();
    let doctor = generate_secret_key();
    let nurse = generate_secret_key();
    let wrapped = wrap_key(&key, &doctor.public_key()).expect("wrap");
    assert_eq!(wrapped.len(), WRAPPED_KEY_LEN);
    assert_eq!(*unwrap_key(&wrapped, &doctor).expect("unwrap"), *key);
    assert_eq!(
        unwrap_key(&wrapped, &nurse).err(),
        Some(DecryptError::WrongKey)
    );
    assert_ne!(wrapped, wrap_key(&key, &doctor.public_key()).expect("wrap"));
    assert_eq!(key_id(&key).len(), 64);
}
