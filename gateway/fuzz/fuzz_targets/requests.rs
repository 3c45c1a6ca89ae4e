//! Everything the gateway parses from a request before it asks the chain:
//! the signature headers, the release and deposit bodies, accounts (hex or
//! SS58), and what a deposit's sealed box opened to. None may panic; each
//! either parses or is refused as malformed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use medrec_gateway::{auth, http, keys, parse_account, Refusal};

fuzz_target!(|data: &[u8]| {
    let _ = http::parse_release(data);
    let _ = http::parse_deposit(data);
    let _ = keys::Secret::from_deposit(data);
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = parse_account(s);
        // Four header values split from the input
        let mut parts = s.splitn(4, '\n');
        let mut h = axum::http::HeaderMap::new();
        for name in [
            auth::HEADER_ACCOUNT,
            auth::HEADER_TIMESTAMP,
            auth::HEADER_NONCE,
            auth::HEADER_SIGNATURE,
        ] {
            if let Some(v) = parts.next() {
                if let Ok(v) = axum::http::HeaderValue::from_str(v) {
                    h.insert(name, v);
                }
            }
        }
        let nonces = auth::Nonces::new(300_000);
        let r = auth::authenticate(&h, "POST", "/v1/release", data, 1_800_000_000_000, 300_000, &nonces);
        // Random bytes never carry a valid sr25519 signature
        assert!(r.is_err());
        assert!(matches!(
            r,
            Err(Refusal::BadSignature) | Err(Refusal::StaleTimestamp) | Err(Refusal::ReplayedNonce)
        ));
    }
});
