//! The administration core the three contracts share: two-step ownership,
//! pause, and announced-then-delayed changes (code upgrades, and repointing
//! a contract at another contract).
//!
//! [`Admin`] is a plain value stored inside each contract's root. Its methods
//! take the caller and the time explicitly and return the event to emit, so
//! they are unit-tested here without a chain. Each contract maps
//! [`AdminError`] into its own `Error`, whose variants carry the same names,
//! so a refusal reads the same on the wire whichever contract gave it.
//!
//! Delays: an upgrade or a repoint is announced (event), may be cancelled,
//! and is applied by the owner only once `effective_at` has passed. The
//! delay is an owner setting between [`MIN_UPGRADE_DELAY`] and
//! [`MAX_UPGRADE_DELAY`]; an announcement keeps the delay it was made with.

use crate::{Link, Timestamp};
use ink::primitives::{AccountId, Hash};

/// One day in milliseconds.
const DAY: Timestamp = 24 * 60 * 60 * 1000;
/// Delay of a new deployment: two days.
pub const DEFAULT_UPGRADE_DELAY: Timestamp = 2 * DAY;
/// The floor: an owner cannot make changes take effect sooner than a day
/// after they were announced.
pub const MIN_UPGRADE_DELAY: Timestamp = DAY;
/// The ceiling, so that a typo cannot freeze upgrades for years.
pub const MAX_UPGRADE_DELAY: Timestamp = 30 * DAY;

/// A change announced now that the owner may apply from `effective_at`.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Announced<T> {
    pub value: T,
    pub effective_at: Timestamp,
}

/// Owner, pending owner, pause flag, upgrade delay and the announced code
/// upgrade of one contract.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admin {
    owner: AccountId,
    pending_owner: Option<AccountId>,
    paused: bool,
    upgrade_delay: Timestamp,
    pending_code: Option<Announced<Hash>>,
}

/// Every way an administration message can fail. Each contract's `Error`
/// has a variant of the same name for each.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminError {
    /// Only the contract owner may do this.
    NotOwner,
    /// Only the proposed owner may accept ownership.
    NotPendingOwner,
    /// No ownership transfer is proposed.
    NoPendingOwner,
    /// The owner cannot propose itself (or repoint a contract at itself).
    CannotTargetSelf,
    /// The contract is paused.
    ContractPaused,
    /// `pause` on a paused contract.
    AlreadyPaused,
    /// `unpause` on a running contract.
    NotPaused,
    /// An announcement of that kind is pending already: cancel it first.
    AlreadyAnnounced,
    /// Nothing of that kind was announced.
    NothingAnnounced,
    /// The announced change's delay has not passed yet.
    TooEarly,
    /// The delay is outside 1 day ..= 30 days.
    InvalidUpgradeDelay,
    /// The runtime refused the code hash (no code uploaded under it).
    CodeUpgradeFailed,
    /// A time would overflow.
    Overflow,
}

pub type Result<T> = core::result::Result<T, AdminError>;

/// An ownership transfer was proposed; `proposed` must accept it.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnershipProposed {
    #[ink(topic)]
    pub actor: AccountId,
    #[ink(topic)]
    pub proposed: AccountId,
}

/// The owner withdrew its proposal.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnershipProposalCancelled {
    #[ink(topic)]
    pub actor: AccountId,
    #[ink(topic)]
    pub proposed: AccountId,
}

/// The proposed owner accepted: `actor` owns the contract now.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnershipTransferred {
    #[ink(topic)]
    pub actor: AccountId,
    #[ink(topic)]
    pub previous_owner: AccountId,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paused {
    #[ink(topic)]
    pub actor: AccountId,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unpaused {
    #[ink(topic)]
    pub actor: AccountId,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradeDelayChanged {
    #[ink(topic)]
    pub actor: AccountId,
    pub old_delay: Timestamp,
    pub new_delay: Timestamp,
}

/// A code upgrade was announced; it can be applied from `effective_at`.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeUpgradeAnnounced {
    #[ink(topic)]
    pub actor: AccountId,
    #[ink(topic)]
    pub code_hash: Hash,
    pub effective_at: Timestamp,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeUpgradeCancelled {
    #[ink(topic)]
    pub actor: AccountId,
    #[ink(topic)]
    pub code_hash: Hash,
}

/// The contract's code was replaced; storage and address stay.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeUpgraded {
    #[ink(topic)]
    pub actor: AccountId,
    #[ink(topic)]
    pub code_hash: Hash,
}

/// Repointing `link` at `target` was announced; it can be applied from
/// `effective_at`.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkAnnounced {
    #[ink(topic)]
    pub actor: AccountId,
    pub link: Link,
    #[ink(topic)]
    pub target: AccountId,
    pub effective_at: Timestamp,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkAnnouncementCancelled {
    #[ink(topic)]
    pub actor: AccountId,
    pub link: Link,
    #[ink(topic)]
    pub target: AccountId,
}

/// `link` now points at `new` (a repoint applied, or a first wiring).
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkChanged {
    #[ink(topic)]
    pub actor: AccountId,
    pub link: Link,
    pub old: Option<AccountId>,
    #[ink(topic)]
    pub new: AccountId,
}

/// An event of the administration core, emitted by the contract's shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminEvent {
    OwnershipProposed(OwnershipProposed),
    OwnershipProposalCancelled(OwnershipProposalCancelled),
    OwnershipTransferred(OwnershipTransferred),
    Paused(Paused),
    Unpaused(Unpaused),
    UpgradeDelayChanged(UpgradeDelayChanged),
    CodeUpgradeAnnounced(CodeUpgradeAnnounced),
    CodeUpgradeCancelled(CodeUpgradeCancelled),
    CodeUpgraded(CodeUpgraded),
    LinkAnnounced(LinkAnnounced),
    LinkAnnouncementCancelled(LinkAnnouncementCancelled),
    LinkChanged(LinkChanged),
}

/// Emits an administration event (the contracts use the default
/// environment).
pub fn emit(event: AdminEvent) {
    use ink::env::{emit_event, DefaultEnvironment as E};
    match event {
        AdminEvent::OwnershipProposed(e) => emit_event::<E, _>(e),
        AdminEvent::OwnershipProposalCancelled(e) => emit_event::<E, _>(e),
        AdminEvent::OwnershipTransferred(e) => emit_event::<E, _>(e),
        AdminEvent::Paused(e) => emit_event::<E, _>(e),
        AdminEvent::Unpaused(e) => emit_event::<E, _>(e),
        AdminEvent::UpgradeDelayChanged(e) => emit_event::<E, _>(e),
        AdminEvent::CodeUpgradeAnnounced(e) => emit_event::<E, _>(e),
        AdminEvent::CodeUpgradeCancelled(e) => emit_event::<E, _>(e),
        AdminEvent::CodeUpgraded(e) => emit_event::<E, _>(e),
        AdminEvent::LinkAnnounced(e) => emit_event::<E, _>(e),
        AdminEvent::LinkAnnouncementCancelled(e) => emit_event::<E, _>(e),
        AdminEvent::LinkChanged(e) => emit_event::<E, _>(e),
    }
}

impl Admin {
    /// A running contract owned by `owner`, with the default delay.
    pub fn new(owner: AccountId) -> Self {
        Self {
            owner,
            pending_owner: None,
            paused: false,
            upgrade_delay: DEFAULT_UPGRADE_DELAY,
            pending_code: None,
        }
    }

    pub fn owner(&self) -> AccountId {
        self.owner
    }

    pub fn pending_owner(&self) -> Option<AccountId> {
        self.pending_owner
    }

    pub fn paused(&self) -> bool {
        self.paused
    }

    pub fn upgrade_delay(&self) -> Timestamp {
        self.upgrade_delay
    }

    pub fn pending_code(&self) -> Option<Announced<Hash>> {
        self.pending_code
    }

    pub fn is_owner(&self, who: AccountId) -> bool {
        who == self.owner
    }

    pub fn ensure_owner(&self, caller: AccountId) -> Result<()> {
        if caller == self.owner {
            Ok(())
        } else {
            Err(AdminError::NotOwner)
        }
    }

    pub fn ensure_running(&self) -> Result<()> {
        if self.paused {
            Err(AdminError::ContractPaused)
        } else {
            Ok(())
        }
    }

    /// Requirements: the caller is the owner; `new_owner` is not the owner.
    /// A second proposal replaces the first.
    pub fn propose_owner(&mut self, caller: AccountId, new_owner: AccountId) -> Result<AdminEvent> {
        self.ensure_owner(caller)?;
        if new_owner == caller {
            return Err(AdminError::CannotTargetSelf);
        }
        self.pending_owner = Some(new_owner);
        Ok(AdminEvent::OwnershipProposed(OwnershipProposed {
            actor: caller,
            proposed: new_owner,
        }))
    }

    /// Requirements: the caller is the proposed owner.
    pub fn accept_ownership(&mut self, caller: AccountId) -> Result<AdminEvent> {
        match self.pending_owner {
            None => Err(AdminError::NoPendingOwner),
            Some(p) if p != caller => Err(AdminError::NotPendingOwner),
            Some(_) => {
                let previous_owner = self.owner;
                self.owner = caller;
                self.pending_owner = None;
                Ok(AdminEvent::OwnershipTransferred(OwnershipTransferred {
                    actor: caller,
                    previous_owner,
                }))
            }
        }
    }

    /// Requirements: the caller is the owner; a transfer is proposed.
    pub fn cancel_ownership_proposal(&mut self, caller: AccountId) -> Result<AdminEvent> {
        self.ensure_owner(caller)?;
        let proposed = self
            .pending_owner
            .take()
            .ok_or(AdminError::NoPendingOwner)?;
        Ok(AdminEvent::OwnershipProposalCancelled(
            OwnershipProposalCancelled {
                actor: caller,
                proposed,
            },
        ))
    }

    /// Requirements: the caller is the owner; the contract is running.
    pub fn pause(&mut self, caller: AccountId) -> Result<AdminEvent> {
        self.ensure_owner(caller)?;
        if self.paused {
            return Err(AdminError::AlreadyPaused);
        }
        self.paused = true;
        Ok(AdminEvent::Paused(Paused { actor: caller }))
    }

    /// Requirements: the caller is the owner; the contract is paused.
    pub fn unpause(&mut self, caller: AccountId) -> Result<AdminEvent> {
        self.ensure_owner(caller)?;
        if !self.paused {
            return Err(AdminError::NotPaused);
        }
        self.paused = false;
        Ok(AdminEvent::Unpaused(Unpaused { actor: caller }))
    }

    /// Requirements: the caller is the owner; `delay` is within 1 day ..= 30
    /// days. Pending announcements keep their `effective_at`.
    pub fn set_upgrade_delay(&mut self, caller: AccountId, delay: Timestamp) -> Result<AdminEvent> {
        self.ensure_owner(caller)?;
        if !(MIN_UPGRADE_DELAY..=MAX_UPGRADE_DELAY).contains(&delay) {
            return Err(AdminError::InvalidUpgradeDelay);
        }
        let old_delay = self.upgrade_delay;
        self.upgrade_delay = delay;
        Ok(AdminEvent::UpgradeDelayChanged(UpgradeDelayChanged {
            actor: caller,
            old_delay,
            new_delay: delay,
        }))
    }

    /// An announcement of `value` made now by the owner, effective after the
    /// delay. `pending` is the slot it goes into: it must be empty.
    pub fn announce<T>(
        &self,
        caller: AccountId,
        now: Timestamp,
        pending: &Option<Announced<T>>,
        value: T,
    ) -> Result<Announced<T>> {
        self.ensure_owner(caller)?;
        if pending.is_some() {
            return Err(AdminError::AlreadyAnnounced);
        }
        let effective_at = now
            .checked_add(self.upgrade_delay)
            .ok_or(AdminError::Overflow)?;
        Ok(Announced {
            value,
            effective_at,
        })
    }

    /// The announced value, when the owner asks and its time has come.
    pub fn due<T>(
        &self,
        caller: AccountId,
        now: Timestamp,
        pending: Option<Announced<T>>,
    ) -> Result<T> {
        self.ensure_owner(caller)?;
        let announced = pending.ok_or(AdminError::NothingAnnounced)?;
        if now < announced.effective_at {
            return Err(AdminError::TooEarly);
        }
        Ok(announced.value)
    }

    /// Requirements: the caller is the owner; no upgrade is announced.
    pub fn announce_code(
        &mut self,
        caller: AccountId,
        now: Timestamp,
        code_hash: Hash,
    ) -> Result<AdminEvent> {
        let announced = self.announce(caller, now, &self.pending_code, code_hash)?;
        self.pending_code = Some(announced);
        Ok(AdminEvent::CodeUpgradeAnnounced(CodeUpgradeAnnounced {
            actor: caller,
            code_hash,
            effective_at: announced.effective_at,
        }))
    }

    /// Requirements: the caller is the owner; an upgrade is announced.
    pub fn cancel_code(&mut self, caller: AccountId) -> Result<AdminEvent> {
        self.ensure_owner(caller)?;
        let announced = self
            .pending_code
            .take()
            .ok_or(AdminError::NothingAnnounced)?;
        Ok(AdminEvent::CodeUpgradeCancelled(CodeUpgradeCancelled {
            actor: caller,
            code_hash: announced.value,
        }))
    }

    /// The announced code hash, once due, taken out of the slot; the shell
    /// then asks the runtime to switch code and emits
    /// [`Admin::code_upgraded`]. If the runtime refuses, the shell returns
    /// `CodeUpgradeFailed` and the whole call (this take included) reverts.
    ///
    /// Requirements: the caller is the owner; an upgrade is announced and
    /// its delay has passed.
    pub fn take_due_code(&mut self, caller: AccountId, now: Timestamp) -> Result<Hash> {
        let code_hash = self.due(caller, now, self.pending_code)?;
        self.pending_code = None;
        Ok(code_hash)
    }

    pub fn code_upgraded(caller: AccountId, code_hash: Hash) -> AdminEvent {
        AdminEvent::CodeUpgraded(CodeUpgraded {
            actor: caller,
            code_hash,
        })
    }

    /// Announces repointing `link` (currently `current`) at `target`.
    ///
    /// Requirements: the caller is the owner; `target` is not `this`
    /// contract; nothing is announced for that link.
    pub fn announce_link(
        &self,
        caller: AccountId,
        now: Timestamp,
        this: AccountId,
        link: Link,
        target: AccountId,
        pending: &Option<Announced<AccountId>>,
    ) -> Result<(Announced<AccountId>, AdminEvent)> {
        self.ensure_owner(caller)?;
        if target == this {
            return Err(AdminError::CannotTargetSelf);
        }
        let announced = self.announce(caller, now, pending, target)?;
        Ok((
            announced,
            AdminEvent::LinkAnnounced(LinkAnnounced {
                actor: caller,
                link,
                target,
                effective_at: announced.effective_at,
            }),
        ))
    }

    /// Requirements: the caller is the owner; a repoint of `link` is
    /// announced.
    pub fn cancel_link(
        &self,
        caller: AccountId,
        link: Link,
        pending: Option<Announced<AccountId>>,
    ) -> Result<AdminEvent> {
        self.ensure_owner(caller)?;
        let announced = pending.ok_or(AdminError::NothingAnnounced)?;
        Ok(AdminEvent::LinkAnnouncementCancelled(
            LinkAnnouncementCancelled {
                actor: caller,
                link,
                target: announced.value,
            },
        ))
    }

    /// The new target of `link` once due, and the event saying so.
    ///
    /// Requirements: the caller is the owner; a repoint of `link` is
    /// announced and its delay has passed.
    pub fn apply_link(
        &self,
        caller: AccountId,
        now: Timestamp,
        link: Link,
        old: Option<AccountId>,
        pending: Option<Announced<AccountId>>,
    ) -> Result<(AccountId, AdminEvent)> {
        let new = self.due(caller, now, pending)?;
        Ok((
            new,
            AdminEvent::LinkChanged(LinkChanged {
                actor: caller,
                link,
                old,
                new,
            }),
        ))
    }
}

/// Implements `From<AdminError>` for a contract's `Error`, which must have a
/// variant of the same name for each [`AdminError`] variant: a refusal of
/// the admin core reads the same on the wire in every contract.
#[macro_export]
macro_rules! impl_from_admin_error {
    ($error:ty) => {
        impl From<$crate::AdminError> for $error {
            fn from(e: $crate::AdminError) -> Self {
                match e {
                    $crate::AdminError::NotOwner => Self::NotOwner,
                    $crate::AdminError::NotPendingOwner => Self::NotPendingOwner,
                    $crate::AdminError::NoPendingOwner => Self::NoPendingOwner,
                    $crate::AdminError::CannotTargetSelf => Self::CannotTargetSelf,
                    $crate::AdminError::ContractPaused => Self::ContractPaused,
                    $crate::AdminError::AlreadyPaused => Self::AlreadyPaused,
                    $crate::AdminError::NotPaused => Self::NotPaused,
                    $crate::AdminError::AlreadyAnnounced => Self::AlreadyAnnounced,
                    $crate::AdminError::NothingAnnounced => Self::NothingAnnounced,
                    $crate::AdminError::TooEarly => Self::TooEarly,
                    $crate::AdminError::InvalidUpgradeDelay => Self::InvalidUpgradeDelay,
                    $crate::AdminError::CodeUpgradeFailed => Self::CodeUpgradeFailed,
                    $crate::AdminError::Overflow => Self::Overflow,
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWNER: AccountId = AccountId([1; 32]);
    const OTHER: AccountId = AccountId([2; 32]);
    const THIS: AccountId = AccountId([9; 32]);
    const T: Timestamp = 1_000_000;

    fn code(n: u8) -> Hash {
        Hash::from([n; 32])
    }

    #[test]
    fn ownership_moves_in_two_steps() {
        let mut a = Admin::new(OWNER);
        assert_eq!(a.propose_owner(OTHER, OTHER), Err(AdminError::NotOwner));
        assert_eq!(
            a.propose_owner(OWNER, OWNER),
            Err(AdminError::CannotTargetSelf)
        );
        assert_eq!(a.accept_ownership(OTHER), Err(AdminError::NoPendingOwner));
        assert_eq!(
            a.propose_owner(OWNER, OTHER),
            Ok(AdminEvent::OwnershipProposed(OwnershipProposed {
                actor: OWNER,
                proposed: OTHER
            }))
        );
        assert_eq!(a.pending_owner(), Some(OTHER));
        assert_eq!(a.owner(), OWNER, "nothing moves before acceptance");
        assert_eq!(a.accept_ownership(OWNER), Err(AdminError::NotPendingOwner));
        assert_eq!(
            a.accept_ownership(OTHER),
            Ok(AdminEvent::OwnershipTransferred(OwnershipTransferred {
                actor: OTHER,
                previous_owner: OWNER
            }))
        );
        assert_eq!((a.owner(), a.pending_owner()), (OTHER, None));
        assert_eq!(a.ensure_owner(OWNER), Err(AdminError::NotOwner));
    }

    #[test]
    fn a_proposal_can_be_cancelled_by_the_owner_only() {
        let mut a = Admin::new(OWNER);
        assert_eq!(
            a.cancel_ownership_proposal(OWNER),
            Err(AdminError::NoPendingOwner)
        );
        a.propose_owner(OWNER, OTHER).unwrap();
        assert_eq!(
            a.cancel_ownership_proposal(OTHER),
            Err(AdminError::NotOwner)
        );
        assert!(a.cancel_ownership_proposal(OWNER).is_ok());
        assert_eq!(a.pending_owner(), None);
        assert_eq!(a.accept_ownership(OTHER), Err(AdminError::NoPendingOwner));
    }

    #[test]
    fn pause_and_unpause() {
        let mut a = Admin::new(OWNER);
        assert_eq!(a.ensure_running(), Ok(()));
        assert_eq!(a.pause(OTHER), Err(AdminError::NotOwner));
        assert_eq!(a.unpause(OWNER), Err(AdminError::NotPaused));
        assert!(a.pause(OWNER).is_ok());
        assert_eq!(a.pause(OWNER), Err(AdminError::AlreadyPaused));
        assert_eq!(a.ensure_running(), Err(AdminError::ContractPaused));
        assert_eq!(a.unpause(OTHER), Err(AdminError::NotOwner));
        assert!(a.unpause(OWNER).is_ok());
        assert!(!a.paused());
    }

    #[test]
    fn the_upgrade_delay_is_bounded() {
        let mut a = Admin::new(OWNER);
        assert_eq!(a.upgrade_delay(), DEFAULT_UPGRADE_DELAY);
        assert_eq!(a.set_upgrade_delay(OTHER, DAY), Err(AdminError::NotOwner));
        for bad in [0, MIN_UPGRADE_DELAY - 1, MAX_UPGRADE_DELAY + 1, u64::MAX] {
            assert_eq!(
                a.set_upgrade_delay(OWNER, bad),
                Err(AdminError::InvalidUpgradeDelay)
            );
        }
        assert!(a.set_upgrade_delay(OWNER, MIN_UPGRADE_DELAY).is_ok());
        assert!(a.set_upgrade_delay(OWNER, MAX_UPGRADE_DELAY).is_ok());
        assert_eq!(a.upgrade_delay(), MAX_UPGRADE_DELAY);
    }

    #[test]
    fn code_upgrades_wait_for_their_delay() {
        let mut a = Admin::new(OWNER);
        assert_eq!(a.take_due_code(OWNER, T), Err(AdminError::NothingAnnounced));
        assert_eq!(
            a.announce_code(OTHER, T, code(7)),
            Err(AdminError::NotOwner)
        );
        assert!(a.announce_code(OWNER, T, code(7)).is_ok());
        let effective_at = T + DEFAULT_UPGRADE_DELAY;
        assert_eq!(
            a.pending_code(),
            Some(Announced {
                value: code(7),
                effective_at
            })
        );
        assert_eq!(
            a.announce_code(OWNER, T, code(8)),
            Err(AdminError::AlreadyAnnounced)
        );
        // A shorter delay set later does not shorten the pending one.
        a.set_upgrade_delay(OWNER, MIN_UPGRADE_DELAY).unwrap();
        assert_eq!(
            a.take_due_code(OWNER, effective_at - 1),
            Err(AdminError::TooEarly)
        );
        assert_eq!(
            a.take_due_code(OTHER, effective_at),
            Err(AdminError::NotOwner)
        );
        assert_eq!(a.take_due_code(OWNER, effective_at), Ok(code(7)));
        assert_eq!(a.pending_code(), None);
    }

    #[test]
    fn a_code_announcement_can_be_cancelled() {
        let mut a = Admin::new(OWNER);
        assert_eq!(a.cancel_code(OWNER), Err(AdminError::NothingAnnounced));
        a.announce_code(OWNER, T, code(7)).unwrap();
        assert_eq!(a.cancel_code(OTHER), Err(AdminError::NotOwner));
        assert_eq!(
            a.cancel_code(OWNER),
            Ok(AdminEvent::CodeUpgradeCancelled(CodeUpgradeCancelled {
                actor: OWNER,
                code_hash: code(7)
            }))
        );
        assert_eq!(
            a.take_due_code(OWNER, u64::MAX),
            Err(AdminError::NothingAnnounced)
        );
    }

    #[test]
    fn links_are_announced_then_applied_after_the_delay() {
        let a = Admin::new(OWNER);
        let link = Link::PatientConsent;
        assert_eq!(
            a.announce_link(OWNER, T, THIS, link, THIS, &None).err(),
            Some(AdminError::CannotTargetSelf)
        );
        assert_eq!(
            a.announce_link(OTHER, T, THIS, link, OTHER, &None).err(),
            Some(AdminError::NotOwner)
        );
        let (pending, _) = a.announce_link(OWNER, T, THIS, link, OTHER, &None).unwrap();
        assert_eq!(
            a.announce_link(OWNER, T, THIS, link, OTHER, &Some(pending))
                .err(),
            Some(AdminError::AlreadyAnnounced)
        );
        assert_eq!(
            a.apply_link(OWNER, pending.effective_at - 1, link, None, Some(pending))
                .err(),
            Some(AdminError::TooEarly)
        );
        let (new, event) = a
            .apply_link(OWNER, pending.effective_at, link, Some(THIS), Some(pending))
            .unwrap();
        assert_eq!(new, OTHER);
        assert_eq!(
            event,
            AdminEvent::LinkChanged(LinkChanged {
                actor: OWNER,
                link,
                old: Some(THIS),
                new: OTHER
            })
        );
        assert_eq!(
            a.cancel_link(OWNER, link, None).err(),
            Some(AdminError::NothingAnnounced)
        );
        assert!(a.cancel_link(OWNER, link, Some(pending)).is_ok());
    }

    #[test]
    fn an_announcement_that_would_overflow_is_refused() {
        let mut a = Admin::new(OWNER);
        assert_eq!(
            a.announce_code(OWNER, u64::MAX, code(1)),
            Err(AdminError::Overflow)
        );
    }
}
