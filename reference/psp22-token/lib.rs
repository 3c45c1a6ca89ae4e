//! The yardstick of `scripts/bench.sh`: a standard PSP22 fungible token, built
//! the way the `psp22` crate (2.0.0, ink! 5) is meant to be used as a library:
//! its `PSP22Data` holds the balances and allowances and returns the events to
//! emit; this contract only stores it and exposes the standard `PSP22` trait.
//! Not part of the medical-records system; the benchmark reports our messages
//! as multiples of one `PSP22::transfer` on the same runtime.

#![cfg_attr(not(feature = "std"), no_std, no_main)]

pub use self::psp22_token::{Psp22Token, Psp22TokenRef};

#[ink::contract]
mod psp22_token {
    use ink::prelude::vec::Vec;
    use psp22::{PSP22Data, PSP22Error, PSP22Event, PSP22};

    #[ink(storage)]
    pub struct Psp22Token {
        data: PSP22Data,
    }

    impl Psp22Token {
        /// Mints `supply` to the deployer.
        #[ink(constructor)]
        pub fn new(supply: u128) -> Self {
            let (data, events) = PSP22Data::new(supply, Self::env().caller());
            let token = Self { data };
            token.emit(events);
            token
        }

        fn emit(&self, events: Vec<PSP22Event>) {
            for event in events {
                match event {
                    PSP22Event::Transfer(e) => self.env().emit_event(e),
                    PSP22Event::Approval(e) => self.env().emit_event(e),
                }
            }
        }
    }

    impl PSP22 for Psp22Token {
        #[ink(message)]
        fn total_supply(&self) -> u128 {
            self.data.total_supply()
        }

        #[ink(message)]
        fn balance_of(&self, owner: AccountId) -> u128 {
            self.data.balance_of(owner)
        }

        #[ink(message)]
        fn allowance(&self, owner: AccountId, spender: AccountId) -> u128 {
            self.data.allowance(owner, spender)
        }

        #[ink(message)]
        fn transfer(
            &mut self,
            to: AccountId,
            value: u128,
            _data: Vec<u8>,
        ) -> Result<(), PSP22Error> {
            let events = self.data.transfer(self.env().caller(), to, value)?;
            self.emit(events);
            Ok(())
        }

        #[ink(message)]
        fn transfer_from(
            &mut self,
            from: AccountId,
            to: AccountId,
            value: u128,
            _data: Vec<u8>,
        ) -> Result<(), PSP22Error> {
            let events = self
                .data
                .transfer_from(self.env().caller(), from, to, value)?;
            self.emit(events);
            Ok(())
        }

        #[ink(message)]
        fn approve(&mut self, spender: AccountId, value: u128) -> Result<(), PSP22Error> {
            let events = self.data.approve(self.env().caller(), spender, value)?;
            self.emit(events);
            Ok(())
        }

        #[ink(message)]
        fn increase_allowance(
            &mut self,
            spender: AccountId,
            delta: u128,
        ) -> Result<(), PSP22Error> {
            let events = self
                .data
                .increase_allowance(self.env().caller(), spender, delta)?;
            self.emit(events);
            Ok(())
        }

        #[ink(message)]
        fn decrease_allowance(
            &mut self,
            spender: AccountId,
            delta: u128,
        ) -> Result<(), PSP22Error> {
            let events = self
                .data
                .decrease_allowance(self.env().caller(), spender, delta)?;
            self.emit(events);
            Ok(())
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[ink::test]
        fn transfer_moves_balance_and_refuses_overdraft() {
            let accounts = ink::env::test::default_accounts::<ink::env::DefaultEnvironment>();
            ink::env::test::set_caller::<ink::env::DefaultEnvironment>(accounts.alice);
            let mut token = Psp22Token::new(100);
            assert_eq!(token.transfer(accounts.bob, 30, Vec::new()), Ok(()));
            assert_eq!(token.balance_of(accounts.alice), 70);
            assert_eq!(token.balance_of(accounts.bob), 30);
            assert_eq!(
                token.transfer(accounts.bob, 71, Vec::new()),
                Err(PSP22Error::InsufficientBalance)
            );
            assert_eq!(token.balance_of(accounts.alice), 70);
            assert_eq!(token.total_supply(), 100);
        }
    }
}
