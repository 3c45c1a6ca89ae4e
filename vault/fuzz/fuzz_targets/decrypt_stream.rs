//! Feeds arbitrary bytes to the ciphertext parser of medvault-core: it must
//! never panic, never allocate beyond its chunk bound, and never accept input
//! that was not sealed under the key. A second mode mutates a genuine
//! ciphertext, which must then be refused, with the same error whether it is
//! pushed whole or in pieces.
#![no_main]

use libfuzzer_sys::fuzz_target;
use medvault_core::{decrypt_stream, DecryptError, Opener, Sealer};

const KEY: [u8; 32] = [7u8; 32];

/// Opens `cipher` pushed in pieces of `step` bytes.
fn open_in_pieces(cipher: &[u8], step: usize) -> Result<Vec<u8>, DecryptError> {
    let mut opener = Opener::new(&KEY);
    let mut out = Vec::new();
    for piece in cipher.chunks(step.max(1)) {
        opener.push(piece, &mut out)?;
    }
    opener.finish(&mut out)?;
    Ok(out)
}

fuzz_target!(|data: &[u8]| {
    // 1. arbitrary input: any outcome but a panic is fine; acceptance would
    //    mean a forged ciphertext, which the AEAD makes infeasible
    let mut sink = Vec::new();
    if decrypt_stream(&KEY, &mut &data[..], &mut sink).is_ok() {
        panic!("accepted a ciphertext the fuzzer made up");
    }

    // 2. a genuine ciphertext of the first bytes, with one byte changed or a cut
    if data.len() < 3 {
        return;
    }
    let (ctl, plain) = (data[0] as usize | (data[1] as usize) << 8, &data[2..]);
    let mut cipher = Vec::new();
    let mut sealer = Sealer::with_key(KEY.into(), 16).expect("chunk size 16 is valid");
    sealer.push(plain, &mut cipher).expect("push");
    sealer.finish(&mut cipher).expect("finish");
    let step = 1 + data[1] as usize % 40;
    assert_eq!(
        open_in_pieces(&cipher, cipher.len()).expect("genuine"),
        plain
    );
    assert_eq!(open_in_pieces(&cipher, step).expect("genuine"), plain);
    let pos = ctl % cipher.len();
    let mut flipped = cipher.clone();
    flipped[pos] ^= 1 | (data[1] & 0xfe);
    let whole = open_in_pieces(&flipped, flipped.len());
    assert!(whole.is_err());
    assert_eq!(open_in_pieces(&flipped, step), whole);
    let cut = open_in_pieces(&cipher[..pos], cipher.len());
    assert!(cut.is_err());
    assert_eq!(open_in_pieces(&cipher[..pos], step), cut);
});
