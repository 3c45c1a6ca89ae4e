//! A sandbox runtime whose block time the tests set.
//!
//! Expiry is part of the rules (consents, permissions, emergency windows,
//! cooldowns, announced upgrades, retention), so the tests run on
//! [`ClockedSandbox`]: the stock `DefaultSandbox` runtime (ink_sandbox
//! 5.1.1, pallet-contracts 31), except that before each execution it writes
//! its own `now` into `pallet_timestamp::Now`, which is what a contract's
//! `block_timestamp()` reads on a real chain too. The time belongs to the
//! sandbox (see [`crate::session::Session::set_time`]), not to a global.

use ink_sandbox::{DefaultSandbox, Extension, RuntimeMetadataPrefixed, Sandbox, Snapshot};

type Runtime = <DefaultSandbox as Sandbox>::Runtime;

/// `DefaultSandbox` with a settable clock.
#[derive(Default)]
pub struct ClockedSandbox {
    inner: DefaultSandbox,
    /// Block time in milliseconds since the epoch; `None` leaves the
    /// runtime's own.
    pub now: Option<u64>,
}

impl Sandbox for ClockedSandbox {
    type Runtime = Runtime;

    fn execute_with<T>(&mut self, execute: impl FnOnce() -> T) -> T {
        let now = self.now;
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
