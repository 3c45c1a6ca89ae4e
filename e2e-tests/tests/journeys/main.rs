//! End-to-end journeys on the compiled contracts, one file per journey, all
//! in one test binary so that ink_e2e builds each contract once per run.
//!
//! Backend: the in-process sandbox runtime (real pallet-contracts, no node).

mod provider_lifecycle;
