//! Feeds arbitrary bytes to the ciphertext parser: it must never panic, never
//! allocate beyond its chunk bound, and never accept input that was not made
//! by `encrypt_stream` under the key. A second mode mutates a genuine
//! ciphertext, which must then be refused.
#![no_main]

use libfuzzer_sys::fuzz_target;

const KEY: [u8; 32] = [7u8; 32];

fuzz_target!(|data: &[u8]| {
    // 1. arbitrary input: any outcome but a panic is fine; acceptance would
    //    mean a forged ciphertext, which the AEAD makes infeasible
    let mut sink = Vec::new();
    if medvault::decrypt_stream(&KEY, &mut &data[..], &mut sink).is_ok() {
        panic!("accepted a ciphertext the fuzzer made up");
    }

    // 2. a genuine ciphertext of the first bytes, with one byte changed or a cut
    if data.len() < 3 {
        return;
    }
    let (ctl, plain) = (data[0] as usize | (data[1] as usize) << 8, &data[2..]);
    let mut cipher = Vec::new();
    medvault::encrypt_stream(&KEY, 16, &mut &plain[..], |p| {
        cipher.extend_from_slice(&p);
        Ok(())
    }, |_| {})
    .expect("encrypt");
    let mut out = Vec::new();
    assert!(medvault::decrypt_stream(&KEY, &mut &cipher[..], &mut out).is_ok());
    assert_eq!(out, plain);
    let pos = ctl % cipher.len();
    let mut flipped = cipher.clone();
    flipped[pos] ^= 1 | (data[1] & 0xfe);
    assert!(medvault::decrypt_stream(&KEY, &mut &flipped[..], &mut Vec::new()).is_err());
    assert!(medvault::decrypt_stream(&KEY, &mut &cipher[..pos], &mut Vec::new()).is_err());
});
