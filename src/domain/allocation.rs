//! Allocation of the call's budget ceiling over the awarded applications: pro rata in whole euros
//! (the default policy) or amounts set by hand and checked here.

use std::fmt::Display;

use rust_decimal::Decimal;
use serde::Serialize;

use super::call::AllocationPolicy;
use super::money::Money;
use crate::error::FieldError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allocation<K> {
    /// Per application, in the order of the requests.
    pub amounts: Vec<(K, Money)>,
    pub allocated_total: Money,
    /// What stays of the ceiling; never negative.
    pub unallocated: Money,
}

/// Whole cents of an amount. Exact: a `Money` has at most two decimals and a 96-bit mantissa, so
/// the cents fit an `i128` with room to spare.
fn cents(m: Money) -> i128 {
    // round_dp is a no-op for a valid Money; it only guarantees the scale is at most 2.
    let d = m.as_decimal().round_dp(2).normalize();
    d.mantissa() * 10_i128.pow(2 - d.scale().min(2))
}

/// `floor(a × b / c)` exactly, for `0 <= a <= c`, `c > 0`, without ever forming `a × b`:
/// long multiplication over the bits of `b`, keeping the running product as `q × c + r` with
/// `r < c`. No intermediate exceeds `c` or the result, so it cannot overflow.
fn mul_div_floor(a: u128, b: u128, c: u128) -> u128 {
    let (mut q, mut r) = (0_u128, 0_u128);
    for bit in (0..u128::BITS).rev() {
        // double: 2r, carrying into q when it reaches c
        if r >= c - r {
            r -= c - r;
            q = 2 * q + 1;
        } else {
            r *= 2;
            q *= 2;
        }
        if (b >> bit) & 1 == 1 {
            if r >= c - a {
                r -= c - a;
                q += 1;
            } else {
                r += a;
            }
        }
    }
    q
}

/// If the requests fit under the ceiling, each gets its request exactly (cents kept). Otherwise
/// each gets `floor(request × ceiling / Σ requests)` in whole euros, computed exactly on integer
/// cents; what remains of the ceiling is unallocated. A negative request (which parsed input never
/// has) counts as zero.
pub fn pro_rata_whole_euros<K: Clone>(ceiling: Money, requests: &[(K, Money)]) -> Allocation<K> {
    let request_cents: Vec<u128> =
        requests.iter().map(|(_, m)| u128::try_from(cents(*m)).unwrap_or(0)).collect();
    // Saturating only matters beyond 2^128 cents in total, far past any budget.
    let sum = request_cents.iter().fold(0_u128, |s, c| s.saturating_add(*c));
    let ceiling_cents = u128::try_from(cents(ceiling)).unwrap_or(0);

    let amounts: Vec<(K, Money)> = if sum <= ceiling_cents {
        requests
            .iter()
            .zip(&request_cents)
            .map(|((k, m), c)| (k.clone(), if *c == 0 { Money::ZERO } else { *m }))
            .collect()
    } else {
        requests
            .iter()
            .zip(&request_cents)
            .map(|((k, _), c)| {
                let share_cents = mul_div_floor(*c, ceiling_cents, sum);
                // The share is at most the ceiling, itself a valid Money, so it always converts;
                // should it ever not, it stays unallocated rather than overspending.
                let share = whole_euros(share_cents / 100).unwrap_or(Money::ZERO);
                (k.clone(), share)
            })
            .collect()
    };
    let allocated_total: Money = amounts.iter().map(|(_, m)| *m).sum();
    Allocation { amounts, allocated_total, unallocated: ceiling - allocated_total }
}

fn whole_euros(euros: u128) -> Option<Money> {
    let euros = i128::try_from(euros).ok()?;
    let d = Decimal::try_from_i128_with_scale(euros, 0).ok()?;
    Money::from_decimal(d).ok()
}

/// Checks amounts set by hand: every awarded application (a key of `requests`) gets exactly one
/// amount, none more than its request or negative, together at most the ceiling. Lists every
/// problem at once, with fields `amounts.<key>` and `amounts`.
pub fn check_manual<K: Clone + Display + PartialEq>(
    ceiling: Money,
    requests: &[(K, Money)],
    amounts: &[(K, Money)],
) -> Result<Allocation<K>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let field = |k: &K| format!("amounts.{k}");

    for (i, (k, amount)) in amounts.iter().enumerate() {
        if amounts[..i].iter().any(|(earlier, _)| earlier == k) {
            errors.push(FieldError::new(
                field(k),
                "an amount is given more than once for this application",
            ));
            continue;
        }
        match requests.iter().find(|(r, _)| r == k) {
            None => {
                errors.push(FieldError::new(field(k), "not an awarded application of this call"))
            }
            Some((_, request)) => {
                if amount.is_negative() {
                    errors.push(FieldError::new(field(k), "an amount cannot be negative"));
                } else if cents(*amount) > cents(*request) {
                    errors.push(FieldError::new(
                        field(k),
                        format!("{amount} is more than the requested {request}"),
                    ));
                }
            }
        }
    }
    for (k, _) in requests {
        if !amounts.iter().any(|(a, _)| a == k) {
            errors.push(FieldError::new(field(k), "every awarded application needs an amount"));
        }
    }

    let mut ordered = Vec::with_capacity(requests.len());
    for (k, _) in requests {
        if let Some((_, m)) = amounts.iter().find(|(a, _)| a == k) {
            ordered.push((k.clone(), *m));
        }
    }
    // Summed on cents so that absurd inputs cannot overflow a Decimal.
    let total_cents = ordered.iter().fold(0_i128, |s, (_, m)| s.saturating_add(cents(*m)));
    if total_cents > cents(ceiling) {
        let total: Decimal =
            Decimal::try_from_i128_with_scale(total_cents, 2).unwrap_or(Decimal::MAX);
        errors.push(FieldError::new(
            "amounts",
            format!("the amounts add up to {total}, more than the budget ceiling of {ceiling}"),
        ));
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    let allocated_total: Money = ordered.iter().map(|(_, m)| *m).sum();
    Ok(Allocation { amounts: ordered, allocated_total, unallocated: ceiling - allocated_total })
}

/// How a letter explains the division of the budget over the awarded applications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllocationBasis {
    /// Everything awarded fits under the ceiling.
    Requested,
    /// Pro rata in whole euros, over the requests of the awarded applications.
    ProRata { requested_awarded: Money },
    /// Set by hand by staff, with their reason.
    Manual { reason: String },
}

/// The basis of the division: staff's amounts when the policy is by hand and they set them;
/// otherwise the requests when the awarded requests fit under the ceiling, else pro rata.
pub fn basis(
    policy: AllocationPolicy,
    manual_reason: Option<&str>,
    requested_awarded: Money,
    ceiling: Money,
) -> AllocationBasis {
    match (policy, manual_reason) {
        (AllocationPolicy::Manual, Some(reason)) => {
            AllocationBasis::Manual { reason: reason.to_string() }
        }
        _ if requested_awarded.as_decimal() <= ceiling.as_decimal() => AllocationBasis::Requested,
        _ => AllocationBasis::ProRata { requested_awarded },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    fn reqs(list: &[(&'static str, &str)]) -> Vec<(&'static str, Money)> {
        list.iter().map(|(k, s)| (*k, m(s))).collect()
    }

    fn fields(r: Result<Allocation<&str>, Vec<FieldError>>) -> Vec<String> {
        r.unwrap_err().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn pro_rata_floors_to_whole_euros_and_shows_the_remainder() {
        let a = pro_rata_whole_euros(
            m("4000000.00"),
            &reqs(&[
                ("a", "1116500.00"),
                ("b", "1055250.00"),
                ("c", "1234000.00"),
                ("d", "942750.50"),
            ]),
        );
        let amounts: Vec<String> = a.amounts.iter().map(|(_, m)| m.to_string()).collect();
        assert_eq!(amounts, ["1027020.00", "970679.00", "1135103.00", "867195.00"]);
        assert_eq!(a.allocated_total, m("3999997"));
        assert_eq!(a.unallocated, m("3.00"));
        assert_eq!(a.amounts[3].0, "d");
    }

    #[test]
    fn pro_rata_on_a_small_split() {
        // 100 over three equal requests of 50: 33.33.. each, floored to 33; 1 left
        let a = pro_rata_whole_euros(m("100"), &reqs(&[("a", "50"), ("b", "50"), ("c", "50")]));
        assert!(a.amounts.iter().all(|(_, x)| *x == m("33")));
        assert_eq!(a.unallocated, m("1"));
    }

    #[test]
    fn requests_under_the_ceiling_are_granted_to_the_cent() {
        let a = pro_rata_whole_euros(m("1000.00"), &reqs(&[("a", "400.55"), ("b", "599.45")]));
        assert_eq!(a.amounts, reqs(&[("a", "400.55"), ("b", "599.45")]));
        assert_eq!(a.allocated_total, m("1000.00"));
        assert!(a.unallocated.is_zero());

        let a = pro_rata_whole_euros(m("1000.00"), &reqs(&[("a", "0.01")]));
        assert_eq!(a.unallocated.to_string(), "999.99");
        let a = pro_rata_whole_euros::<&str>(m("1000.00"), &[]);
        assert_eq!(a.unallocated, m("1000"));
    }

    #[test]
    fn mul_div_floor_is_exact_where_decimal_would_round() {
        assert_eq!(mul_div_floor(1, 2, 3), 0);
        assert_eq!(mul_div_floor(2, 3, 3), 2);
        assert_eq!(mul_div_floor(7, 7, 7), 7);
        // products beyond u128 still come out exact: (2^100 - 1) × 2^100 / 2^100
        let big = (1_u128 << 100) - 1;
        assert_eq!(mul_div_floor(big, 1 << 100, 1 << 100), big);
        assert_eq!(mul_div_floor(big, big, big + 1), big - 1);
    }

    #[test]
    fn manual_amounts_within_requests_and_ceiling() {
        let r = reqs(&[("a", "600"), ("b", "500")]);
        let a = check_manual(m("1000"), &r, &reqs(&[("b", "400.50"), ("a", "599.50")])).unwrap();
        assert_eq!(a.amounts, reqs(&[("a", "599.50"), ("b", "400.50")]));
        assert_eq!(a.allocated_total, m("1000"));
        assert!(a.unallocated.is_zero());
    }

    #[test]
    fn manual_over_the_request_or_the_ceiling_is_refused() {
        let r = reqs(&[("a", "600"), ("b", "500")]);
        let over_request = check_manual(m("2000"), &r, &reqs(&[("a", "600.01"), ("b", "500")]));
        assert_eq!(fields(over_request), ["amounts.a"]);

        let over_ceiling = check_manual(m("1000"), &r, &reqs(&[("a", "600"), ("b", "400.01")]));
        let e = over_ceiling.unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].field, "amounts");
        assert!(
            e[0].message.contains("1000.01") && e[0].message.contains("1000.00"),
            "{}",
            e[0].message
        );
    }

    #[test]
    fn manual_keys_are_known_and_given_once() {
        let r = reqs(&[("a", "600"), ("b", "500")]);
        let bad = check_manual(m("2000"), &r, &reqs(&[("a", "1"), ("a", "2"), ("x", "3")]));
        assert_eq!(fields(bad), ["amounts.a", "amounts.x", "amounts.b"]);
    }

    #[test]
    fn the_basis_follows_policy_and_ceiling() {
        let m = |s: &str| Money::parse(s).unwrap();
        let ceiling = m("100000");
        assert_eq!(
            basis(AllocationPolicy::Manual, Some("afspraak"), m("200000"), ceiling),
            AllocationBasis::Manual { reason: "afspraak".into() }
        );
        assert_eq!(
            basis(AllocationPolicy::Manual, None, m("100000"), ceiling),
            AllocationBasis::Requested
        );
        assert_eq!(
            basis(AllocationPolicy::ProRataWholeEuros, Some("x"), m("100000.01"), ceiling),
            AllocationBasis::ProRata { requested_awarded: m("100000.01") }
        );
    }
}
