//! Grant finance (issue 17): advances (*voorschotten*) against the grant and the schedule's limit,
//! and the settlement (*vaststelling*, Awb art. 4:42-4:49) from the realised costs, the own
//! contribution and the recorded grounds for a lower amount. Pure and exact: every amount is
//! [`Money`](crate::domain::money::Money).

pub mod advance;
pub mod settlement;

pub use advance::*;
pub use settlement::*;
