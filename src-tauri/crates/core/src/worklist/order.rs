//! The order of the results table: what needs a person first.
//!
//! 1. [`OrderGroup::Attention`] — red and amber banners, and any row whose details differ from
//!    PDS (an identity mismatch, whatever its banner or error);
//! 2. [`OrderGroup::Error`] — rows that could not be checked (a lookup error, or a problem
//!    with the row itself);
//! 3. [`OrderGroup::Grey`] — nothing determined, or no record;
//! 4. [`OrderGroup::Green`] — not chargeable.
//!
//! Within a group, rows keep the list's order (by row number).

use crate::banner::BannerColour;

/// What a row came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "colour")]
pub enum RowResult {
    /// A banner of this colour.
    Banner(BannerColour),
    /// An error, or a row that could not be checked.
    Error,
}

/// A group of the results table, in the order shown.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum OrderGroup {
    /// Red or amber, or an identity mismatch.
    Attention,
    /// Not checked: an error.
    Error,
    /// Grey.
    Grey,
    /// Green.
    Green,
}

/// The group of a row: `identity_settled` is false when its details differ from PDS
/// ([`super::CrossCheck::is_settled_identity`]), which puts it first whatever its result.
pub fn order_group(result: RowResult, identity_settled: bool) -> OrderGroup {
    if !identity_settled {
        return OrderGroup::Attention;
    }
    match result {
        RowResult::Banner(BannerColour::Red | BannerColour::Amber) => OrderGroup::Attention,
        RowResult::Error => OrderGroup::Error,
        RowResult::Banner(BannerColour::Grey) => OrderGroup::Grey,
        RowResult::Banner(BannerColour::Green) => OrderGroup::Green,
    }
}

/// Sorts results for display: by [`order_group`], then by row number. `key` gives each item's
/// result, whether its identity is settled, and its row number.
pub fn sort_for_display<T>(items: &mut [T], key: impl Fn(&T) -> (RowResult, bool, usize)) {
    items.sort_by_cached_key(|item| {
        let (result, settled, row_number) = key(item);
        (order_group(result, settled), row_number)
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use BannerColour::{Amber, Green, Grey, Red};

    #[test]
    fn groups() {
        for (result, settled, group) in [
            (RowResult::Banner(Red), true, OrderGroup::Attention),
            (RowResult::Banner(Amber), true, OrderGroup::Attention),
            (RowResult::Error, true, OrderGroup::Error),
            (RowResult::Banner(Grey), true, OrderGroup::Grey),
            (RowResult::Banner(Green), true, OrderGroup::Green),
            (RowResult::Banner(Green), false, OrderGroup::Attention),
            (RowResult::Banner(Grey), false, OrderGroup::Attention),
            (RowResult::Error, false, OrderGroup::Attention),
            (RowResult::Banner(Red), false, OrderGroup::Attention),
        ] {
            assert_eq!(order_group(result, settled), group, "{result:?} {settled}");
        }
    }

    #[test]
    fn sorted_by_group_then_row() {
        let mut rows = vec![
            (2, RowResult::Banner(Green), true),
            (3, RowResult::Error, true),
            (4, RowResult::Banner(Grey), true),
            (5, RowResult::Banner(Amber), true),
            (6, RowResult::Banner(Green), false),
            (7, RowResult::Banner(Red), true),
            (8, RowResult::Error, true),
            (9, RowResult::Banner(Green), true),
        ];
        sort_for_display(&mut rows, |(n, r, s)| (*r, *s, *n));
        let order: Vec<usize> = rows.iter().map(|(n, ..)| *n).collect();
        assert_eq!(order, vec![5, 6, 7, 3, 8, 4, 2, 9]);
    }
}
