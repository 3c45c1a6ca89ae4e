//! Split custody: any k of n shares give the key back; fewer, duplicated or
//! malformed shares do not.

use medvault_core::split::{combine_key, split_key, SplitError, SHARE_LEN};
use medvault_core::{generate_data_key, key_id};

/// Every subset of `0..n` with `k` members.
fn subsets(n: usize, k: usize) -> Vec<Vec<usize>> {
    (0u32..(1 << n))
        .filter(|m| m.count_ones() as usize == k)
        .map(|m| (0..n).filter(|i| m & (1 << i) != 0).collect())
        .collect()
}

#[test]
fn any_k_of_n_shares_give_the_key_back() {
    for (k, n) in [(2, 2), (2, 3), (3, 5), (4, 7)] {
        let key = generate_data_key();
        let shares = split_key(&key, k, n).expect("splits");
        assert_eq!(shares.len(), n);
        assert!(shares.iter().all(|s| s.len() == SHARE_LEN && s[0] != 0));
        for set in subsets(n, k).into_iter().chain(subsets(n, n)) {
            let picked: Vec<&[u8]> = set.iter().map(|i| shares[*i].as_slice()).collect();
            let back = combine_key(&picked).expect("combines");
            assert_eq!(*back, *key, "k={k} n={n} set={set:?}");
        }
        // Fewer than k: some key, not this one (its id tells)
        if k > 2 {
            let picked: Vec<&[u8]> = shares[..k - 1].iter().map(|s| s.as_slice()).collect();
            let wrong = combine_key(&picked).expect("combines to something");
            assert_ne!(key_id(&wrong), key_id(&key));
        }
    }
}

#[test]
fn shares_of_one_key_do_not_reveal_it_byte_for_byte() {
    let key = [0x41u8; 32];
    let shares = split_key(&key, 2, 3).expect("splits");
    for s in &shares {
        assert!(!s.windows(32).any(|w| w == key));
    }
    // A new split of the same key gives other shares
    let again = split_key(&key, 2, 3).expect("splits");
    assert_ne!(shares[0].as_slice(), again[0].as_slice());
}

#[test]
fn bad_parameters_and_shares_are_refused() {
    let key = generate_data_key();
    for (k, n) in [(1, 3), (0, 3), (4, 3), (2, 256)] {
        assert_eq!(
            split_key(&key, k, n).err(),
            Some(SplitError::Parameters),
            "k={k} n={n}"
        );
    }
    let shares = split_key(&key, 2, 3).expect("splits");
    let one = [shares[0].as_slice()];
    assert_eq!(combine_key(&one).err(), Some(SplitError::TooFewShares));
    let dup = [shares[0].as_slice(), shares[0].as_slice()];
    assert_eq!(combine_key(&dup).err(), Some(SplitError::DuplicateShare));
    let short = &shares[1][..32];
    assert_eq!(
        combine_key(&[shares[0].as_slice(), short]).err(),
        Some(SplitError::ShareFormat)
    );
    let mut zero_x = shares[1].to_vec();
    zero_x[0] = 0;
    assert_eq!(
        combine_key(&[shares[0].as_slice(), &zero_x]).err(),
        Some(SplitError::ShareFormat)
    );
}
