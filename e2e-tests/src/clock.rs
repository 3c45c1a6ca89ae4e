//! A sandbox whose block time the journeys can set.
//!
//! ink_e2e 5.1's sandbox client keeps its runtime private and only builds
//! blocks on its own, so block time stands still within a test. Expiry is
//! part of the rules (consents, permissions, emergency windows, retention),
//! so the journeys run on [`ClockedSandbox`]: the stock `DefaultSandbox`
//! runtime, except that before each execution it writes the time set with
//! [`set_time`] into `pallet_timestamp::Now`, which is what a contract's
//! `block_timestamp()` reads on a real chain too.

use ink_sandbox::{DefaultSandbox, Extension, RuntimeMetadataPrefixed, Sandbox, Snapshot};
use std::cell::Cell;

type Runtime = <DefaultSandbox as Sandbox>::Runtime;

thread_local! {
    /// Block time in milliseconds for this thread's sandbox (the e2e client
    /// runs on the test's own thread).
    static NOW_MS: Cell<Option<u64>> = const { Cell::new(None) };
}

/// Sets the block time (ms since the epoch) seen by the next calls.
pub fn set_time(ms: u64) {
    NOW_MS.with(|n| n.set(Some(ms)));
}

/// Moves the block time forward by `ms`.
pub fn advance_time(ms: u64) {
    NOW_MS.with(|n| n.set(Some(n.get().unwrap_or(0).saturating_add(ms))));
}

/// The block time set with [`set_time`], if any.
pub fn now() -> Option<u64> {
    NOW_MS.with(|n| n.get())
}

/// `DefaultSandbox` with a settable clock.
#[derive(Default)]
pub struct ClockedSandbox {
    inner: DefaultSandbox,
}

impl Sandbox for ClockedSandbox {
    type Runtime = Runtime;

    fn execute_with<T>(&mut self, execute: impl FnOnce() -> T) -> T {
        let now = now();
        self.inner.execute_with(|| {
            if let Some(ms) = now {
                ink_sandbox::pallet_timestamp::Now::<Runtime>::put(ms);
            }
            execute()
        })
    }

    fn dry_run<T>(&mut self, action: impl FnOnce(&mut Self) -> T) -> T {
        let snapshot = self.inner.take_snapshot();
        let result = action(self);
        self.inner.restore_snapshot(snapshot);
        result
    }

    fn register_extension<E: std::any::Any + Extension>(&mut self, ext: E) {
        self.inner.register_extension(ext)
    }

    fn initialize_block(
        height: ink_sandbox::frame_system::pallet_prelude::BlockNumberFor<Self::Runtime>,
        parent_hash: <Self::Runtime as ink_sandbox::frame_system::Config>::Hash,
    ) {
        DefaultSandbox::initialize_block(height, parent_hash)
    }

    fn finalize_block(
        height: ink_sandbox::frame_system::pallet_prelude::BlockNumberFor<Self::Runtime>,
    ) -> <Self::Runtime as ink_sandbox::frame_system::Config>::Hash {
        DefaultSandbox::finalize_block(height)
    }

    fn default_actor() -> ink_sandbox::AccountIdFor<Self::Runtime> {
        DefaultSandbox::default_actor()
    }

    fn get_metadata() -> RuntimeMetadataPrefixed {
        DefaultSandbox::get_metadata()
    }

    fn convert_account_to_origin(
        account: ink_sandbox::AccountIdFor<Self::Runtime>,
    ) -> <<Self::Runtime as ink_sandbox::frame_system::Config>::RuntimeCall as ink_sandbox::frame_support::sp_runtime::traits::Dispatchable>::RuntimeOrigin{
        DefaultSandbox::convert_account_to_origin(account)
    }

    fn take_snapshot(&mut self) -> Snapshot {
        self.inner.take_snapshot()
    }

    fn restore_snapshot(&mut self, snapshot: Snapshot) {
        self.inner.restore_snapshot(snapshot)
    }
}
