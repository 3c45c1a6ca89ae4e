//! The hot/cold split (issue 20): what every contract's two codes share.
//!
//! Loading a contract's code is most of a call's cost (its size goes into
//! the proof byte for byte), and ink!'s dispatch puts every message in the
//! code every call loads. So each contract is built twice:
//!
//! - the **full code** (the `#[ink::contract]` with every message, the
//!   metadata clients use) and
//! - a small **hot shell** (feature `hot`): the same storage struct, the few
//!   messages a gated read or a create runs, and a wildcard message that
//!   sends every other selector to the full code by `delegate_call`
//!   (forwarding the input; a tail call, so the full code's output and
//!   revert flag are the caller's answer unchanged).
//!
//! The full code's constructor runs as usual and then, if it was built
//! knowing its hot shell's code hash (`MEDREC_HOT_CODE_HASH`, set by
//! `build-contracts` after building the shell) and that code is on chain,
//! switches the new contract to the shell ([`switch_to_hot`]): the
//! contract's code becomes the shell, the full code's hash is stored under
//! [`COLD_CODE_KEY`] and pinned with `lock_delegate_dependency` (it cannot
//! be removed while the contract needs it). A shell without a stored full
//! code refuses every message it does not run itself ([`forward`]: a
//! revert), so a forgotten pointer fails closed. Without the hash at build
//! time, or without the shell on chain, the contract stays on the full code,
//! which answers everything the same way at the full cost.
//!
//! Upgrades: `apply_code_upgrade` (run by the full code, by delegation)
//! replaces the contract's code with the announced code, as before, and
//! clears and unpins the stored full code ([`leave_split`]): the announced
//! code answers every message itself, at the full cost. Re-splitting an
//! upgraded contract (a new shell and its full code announced together) is
//! not built.

use ink::env::{call::build_call, CallFlags, DefaultEnvironment as E, ReturnFlags};
use ink::primitives::{Hash, LangError};
use ink::scale::Encode;

/// Where a hot shell finds the full code's hash: a storage key of its own,
/// outside ink!'s layout (whose keys are the root `0x00000000` and hashes of
/// struct and field names; the release-build tests compare this one with
/// every key of the three contracts' layouts).
pub const COLD_CODE_KEY: u32 = 0x636f_6c64; // "cold"

/// Parses a code hash given as 64 hex digits (optionally `0x`-prefixed) at
/// compile time; anything else is `None`.
pub const fn parse_hash(hex: Option<&str>) -> Option<[u8; 32]> {
    let Some(hex) = hex else { return None };
    let mut digits: &[u8] = match hex.as_bytes() {
        [b'0', b'x', rest @ ..] => rest,
        all => all,
    };
    if digits.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    let mut i = 0usize;
    while let [hi, lo, rest @ ..] = digits {
        let (Some(hi), Some(lo)) = (nibble(*hi), nibble(*lo)) else {
            return None;
        };
        // hi < 16, so hi * 16 + lo < 256.
        let Some(high) = hi.checked_mul(16) else {
            return None;
        };
        if i >= out.len() {
            return None;
        }
        out[i] = high | lo;
        i = match i.checked_add(1) {
            Some(next) => next,
            None => return None,
        };
        digits = rest;
    }
    Some(out)
}

const fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => c.checked_sub(b'0'),
        b'a'..=b'f' => match c.checked_sub(b'a') {
            Some(n) => n.checked_add(10),
            None => None,
        },
        b'A'..=b'F' => match c.checked_sub(b'A') {
            Some(n) => n.checked_add(10),
            None => None,
        },
        _ => None,
    }
}

/// Called by the full code's constructor last: if `hot` (the shell's code
/// hash, from the build) is given and on chain, the new contract's code
/// becomes the shell, the full code's hash is stored for it and pinned.
/// Otherwise nothing changes (the contract answers on the full code).
pub fn switch_to_hot(hot: Option<[u8; 32]>) {
    let Some(hot) = hot else { return };
    let Ok(full) = ink::env::own_code_hash::<E>() else {
        return;
    };
    let hot = Hash::from(hot);
    if hot == full || ink::env::set_code_hash::<E>(&hot).is_err() {
        return;
    }
    ink::env::set_contract_storage(&COLD_CODE_KEY, &full);
    // Now that the contract's own code is the shell, the full code can be
    // pinned as its delegate dependency.
    ink::env::lock_delegate_dependency::<E>(&full);
}

/// Called by `apply_code_upgrade` (on the full code) before the contract's
/// code is replaced: the announced code answers every message itself, so
/// the stored full code is cleared and unpinned (its deposit released). A
/// shell installed by a later upgrade then refuses what it does not run
/// rather than forward to a stale full code.
pub fn leave_split() {
    if let Some(full) = cold_code() {
        ink::env::clear_contract_storage(&COLD_CODE_KEY);
        ink::env::unlock_delegate_dependency::<E>(&full);
    }
}

/// The full code's hash a hot shell forwards to, if one is stored.
pub fn cold_code() -> Option<Hash> {
    ink::env::get_contract_storage::<u32, Hash>(&COLD_CODE_KEY)
        .ok()
        .flatten()
}

/// Runs the message the caller asked for on the full code (the input is
/// forwarded as it came; a tail call: the full code's output and flags are
/// the answer). Without a stored full code, or if the delegated call could
/// not run, the call is refused: reverted with `LangError::CouldNotReadInput`,
/// what ink! answers to a selector it does not know.
pub fn forward() -> ! {
    if let Some(cold) = cold_code() {
        let _ = build_call::<E>()
            .delegate(cold)
            .call_flags(CallFlags::FORWARD_INPUT | CallFlags::TAIL_CALL)
            .try_invoke();
    }
    ink::env::return_value::<ink::MessageResult<()>>(
        ReturnFlags::REVERT,
        &Err(LangError::CouldNotReadInput),
    )
}

/// Answers a message whose return type is not a `Result` with `value`, as
/// ink!'s dispatch does.
pub fn reply<T: Encode>(value: T) -> ! {
    ink::env::return_value::<ink::MessageResult<T>>(ReturnFlags::empty(), &Ok(value))
}

/// Answers a message returning `Result` with `result`, reverting on `Err`,
/// as ink!'s dispatch does.
pub fn reply_result<T: Encode, Er: Encode>(result: Result<T, Er>) -> ! {
    let flags = if result.is_err() {
        ReturnFlags::REVERT
    } else {
        ReturnFlags::empty()
    };
    ink::env::return_value::<ink::MessageResult<Result<T, Er>>>(flags, &Ok(result))
}

#[cfg(test)]
mod tests {
    use super::parse_hash;

    #[test]
    fn hashes_parse_from_hex_or_not_at_all() {
        let hex = "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF";
        let mut want = [0u8; 32];
        for (i, b) in want.iter_mut().enumerate() {
            *b = [
                0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
                0xee, 0xff,
            ][i % 16];
        }
        assert_eq!(parse_hash(Some(hex)), Some(want));
        assert_eq!(parse_hash(Some(&format!("0x{hex}"))), Some(want));
        assert_eq!(parse_hash(None), None);
        assert_eq!(parse_hash(Some("")), None);
        assert_eq!(parse_hash(Some(&hex[1..])), None);
        assert_eq!(parse_hash(Some(&hex.replace('a', "g"))), None);
    }
}
