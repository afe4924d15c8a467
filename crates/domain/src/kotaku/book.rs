//! Group books: the cash book any group keeps (a KWT, KSM, KPP, LKM or farmer group) —
//! income, costs and the uses of profit, each entry dated with a category, an amount in whole
//! rupiah, a counterpart and a receipt — and the sales of its products.
//!
//! The book is append-only: an entry is never changed or deleted (the database refuses it);
//! a mistake is corrected by a **reversing entry**, the same line with the amount negated,
//! dated the day of the correction. There is no stored balance: the cash on hand is the sum
//! of the entries, so it cannot be edited apart from them.
//!
//! A statement for a period: income, costs, profit (income − costs), how profit was used
//! (by category), and the cash on hand at its start and end.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::agriculture::machine::{format_rupiah, optional, parse_rupiah};
use crate::kotaku::grant::{MAX_RP, not_future};
use crate::registry::Id;
use crate::registry::text::{self, Checker, Invalid};
use crate::vocabulary;

vocabulary! {
    /// Which side of the statement an entry counts on.
    EntryKind {
        Income => "income", "Pemasukan", "Income";
        Cost => "cost", "Biaya", "Cost";
        ProfitUse => "profit_use", "Penggunaan laba", "Use of profit";
    }
}

impl EntryKind {
    /// The sign of the entry's amount in the cash on hand.
    pub fn cash_sign(self) -> i64 {
        match self {
            EntryKind::Income => 1,
            EntryKind::Cost | EntryKind::ProfitUse => -1,
        }
    }

    /// The categories offered for the kind (a group may write its own).
    pub fn categories(self) -> &'static [(&'static str, &'static str, &'static str)] {
        match self {
            EntryKind::Income => &[
                ("penjualan", "Penjualan", "Sales"),
                ("iuran", "Iuran anggota", "Members' fees"),
                ("hibah", "Hibah / bantuan", "Grant"),
                ("lainnya", "Lainnya", "Other"),
            ],
            EntryKind::Cost => &[
                ("bahan_baku", "Bahan baku", "Raw materials"),
                ("kemasan", "Kemasan", "Packaging"),
                ("upah", "Upah", "Wages"),
                ("transport", "Transportasi", "Transport"),
                ("sewa_lapak", "Sewa lapak", "Outlet fee"),
                ("lainnya", "Lainnya", "Other"),
            ],
            EntryKind::ProfitUse => &[
                ("pemeliharaan", "Pemeliharaan", "Maintenance"),
                ("benih", "Benih", "Seed"),
                ("operasional", "Operasional", "Operations"),
                ("tabungan", "Tabungan / kas", "Savings"),
                ("lainnya", "Lainnya", "Other"),
            ],
        }
    }
}

/// The label of a category: the default's, or the code as the group wrote it.
pub fn category_label(kind: EntryKind, code: &str, lang: &str) -> String {
    kind.categories()
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, id, en)| if lang == "en" { *en } else { *id }.to_string())
        .unwrap_or_else(|| code.to_string())
}

fn category(raw: &str) -> Result<String, String> {
    let s = text::text(raw, 1, 60)?;
    Ok(s.to_lowercase().replace(' ', "_"))
}

/// A sale: what was sold, how many, at what price, where. Its amount is quantity × price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sale {
    pub product: String,
    pub quantity: i64,
    /// `bungkus`, `kg`, `ikat`.
    pub unit: String,
    pub price_rp: i64,
    pub outlet: Option<String>,
}

/// One line of a group's book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: Id,
    pub group_id: Id,
    pub entry_on: Date,
    pub kind: EntryKind,
    pub category: String,
    /// Positive; negative on a reversal.
    pub amount_rp: i64,
    pub counterpart: Option<String>,
    pub note: Option<String>,
    pub receipt_id: Option<Id>,
    pub sale: Option<Sale>,
    /// The entry this one reverses.
    pub reverses_id: Option<Id>,
    /// Whether a later entry reverses this one.
    pub reversed: bool,
    pub recorded_by: String,
    pub recorded_at: OffsetDateTime,
}

impl Entry {
    /// What the entry adds to the cash on hand.
    pub fn cash_rp(&self) -> i64 {
        self.kind.cash_sign() * self.amount_rp
    }

    /// Checks the entry may be reversed: not a reversal itself, not reversed already.
    pub fn check_reversible(&self) -> Result<(), Invalid> {
        if self.reverses_id.is_some() {
            return Err(Invalid::one("entry", "a reversing entry cannot itself be reversed"));
        }
        if self.reversed {
            return Err(Invalid::one("entry", "the entry has already been reversed"));
        }
        Ok(())
    }

    /// The reversing entry of this one, dated `on` (not before the entry).
    pub fn reversal(&self, on: Date, reason: &str) -> Result<NewEntry, Invalid> {
        self.check_reversible()?;
        if on < self.entry_on {
            return Err(Invalid::one("entry_on", "a reversal must not be dated before the entry it reverses"));
        }
        let reason = text::text(reason, 1, 500).map_err(|m| Invalid::one("reason", m))?;
        Ok(NewEntry {
            entry_on: on,
            kind: self.kind,
            category: self.category.clone(),
            amount_rp: -self.amount_rp,
            counterpart: self.counterpart.clone(),
            note: Some(reason),
            sale: None,
            reverses_id: Some(self.id),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub entry_on: Date,
    pub kind: EntryKind,
    pub category: String,
    pub amount_rp: i64,
    pub counterpart: Option<String>,
    pub note: Option<String>,
    pub sale: Option<Sale>,
    pub reverses_id: Option<Id>,
}

/// An income or expense line as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EntryDraft {
    pub entry_on: String,
    pub kind: String,
    pub category: String,
    pub amount: String,
    #[serde(default)]
    pub counterpart: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

impl EntryDraft {
    pub fn parse(&self, today: Date) -> Result<NewEntry, Invalid> {
        let mut c = Checker::new();
        let entry_on = c.field("entry_on", text::date(&self.entry_on).and_then(|d| not_future(d, today)));
        let kind = c.field("kind", EntryKind::parse(&self.kind));
        let category = c.field("category", category(&self.category));
        let amount_rp = c.field("amount", amount(&self.amount));
        let counterpart = c.field("counterpart", text::optional_text(self.counterpart.as_deref(), 150));
        let note = c.field("note", text::optional_text(self.note.as_deref(), 500));
        c.finish()?;
        match (entry_on, kind, category, amount_rp, counterpart, note) {
            (Some(entry_on), Some(kind), Some(category), Some(amount_rp), Some(counterpart), Some(note)) => {
                Ok(NewEntry { entry_on, kind, category, amount_rp, counterpart, note, sale: None, reverses_id: None })
            }
            _ => Err(Invalid::one("entry", "is invalid")),
        }
    }
}

fn amount(raw: &str) -> Result<i64, String> {
    match parse_rupiah(raw)? {
        0 => Err("must be more than zero".into()),
        v if v > MAX_RP => Err("is too large".into()),
        v => Ok(v),
    }
}

fn quantity(raw: &str) -> Result<i64, String> {
    match raw.trim().replace('.', "").parse::<i64>() {
        Ok(q) if (1..=10_000_000).contains(&q) => Ok(q),
        _ => Err("must be a whole number from 1 to 10.000.000".into()),
    }
}

/// A sale as typed: product, quantity, unit, price each, outlet.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SaleDraft {
    pub entry_on: String,
    pub product: String,
    pub quantity: String,
    pub unit: String,
    pub price: String,
    #[serde(default)]
    pub outlet: Option<String>,
    #[serde(default)]
    pub counterpart: Option<String>,
}

impl SaleDraft {
    pub fn parse(&self, today: Date) -> Result<NewEntry, Invalid> {
        let mut c = Checker::new();
        let entry_on = c.field("entry_on", text::date(&self.entry_on).and_then(|d| not_future(d, today)));
        let product = c.field("product", text::text(&self.product, 1, 100));
        let quantity = c.field("quantity", quantity(&self.quantity));
        let unit = c.field("unit", text::text(&self.unit, 1, 20));
        let price = c.field("price", amount(&self.price));
        let outlet = c.field("outlet", text::optional_text(self.outlet.as_deref(), 100));
        let counterpart = c.field("counterpart", text::optional_text(self.counterpart.as_deref(), 150));
        c.finish()?;
        match (entry_on, product, quantity, unit, price, outlet, counterpart) {
            (
                Some(entry_on),
                Some(product),
                Some(quantity),
                Some(unit),
                Some(price_rp),
                Some(outlet),
                Some(counterpart),
            ) => {
                let amount_rp = quantity
                    .checked_mul(price_rp)
                    .filter(|v| *v <= MAX_RP)
                    .ok_or_else(|| Invalid::one("price", "quantity × price is too large"))?;
                Ok(NewEntry {
                    entry_on,
                    kind: EntryKind::Income,
                    category: "penjualan".into(),
                    amount_rp,
                    counterpart,
                    note: None,
                    sale: Some(Sale { product, quantity, unit, price_rp, outlet }),
                    reverses_id: None,
                })
            }
            _ => Err(Invalid::one("sale", "is invalid")),
        }
    }
}

// --- Statements -----------------------------------------------------------------------------

/// The sums of one period of a book, by kind and category (what the store aggregates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodSums {
    /// `YYYY-MM` or `YYYY`.
    pub period: String,
    /// (kind, category, sum of amounts, entries).
    pub lines: Vec<(EntryKind, String, i64, u64)>,
}

/// A statement of one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    pub period: String,
    pub income_rp: i64,
    pub cost_rp: i64,
    /// Income − costs.
    pub profit_rp: i64,
    /// Uses of profit by category, in the order of their first appearance.
    pub profit_use: Vec<(String, i64)>,
    pub profit_use_rp: i64,
    /// Sales income (turnover).
    pub sales_rp: i64,
    pub opening_rp: i64,
    pub closing_rp: i64,
    pub entries: u64,
}

/// Statements of consecutive periods from their sums, the cash on hand carried from one to
/// the next from `opening_rp` (what the book held before the first period).
pub fn statements(opening_rp: i64, periods: &[PeriodSums]) -> Vec<Statement> {
    let mut cash = opening_rp;
    periods
        .iter()
        .map(|p| {
            let mut s = Statement {
                period: p.period.clone(),
                income_rp: 0,
                cost_rp: 0,
                profit_rp: 0,
                profit_use: Vec::new(),
                profit_use_rp: 0,
                sales_rp: 0,
                opening_rp: cash,
                closing_rp: 0,
                entries: 0,
            };
            for (kind, category, sum, n) in &p.lines {
                s.entries += n;
                match kind {
                    EntryKind::Income => {
                        s.income_rp += sum;
                        if category == "penjualan" {
                            s.sales_rp += sum;
                        }
                    }
                    EntryKind::Cost => s.cost_rp += sum,
                    EntryKind::ProfitUse => {
                        s.profit_use_rp += sum;
                        match s.profit_use.iter_mut().find(|(c, _)| c == category) {
                            Some((_, v)) => *v += sum,
                            None => s.profit_use.push((category.clone(), *sum)),
                        }
                    }
                }
            }
            s.profit_rp = s.income_rp - s.cost_rp;
            cash += s.profit_rp - s.profit_use_rp;
            s.closing_rp = cash;
            s
        })
        .collect()
}

/// The month of a date, `YYYY-MM`.
pub fn month_of(d: Date) -> String {
    format!("{:04}-{:02}", d.year(), u8::from(d.month()))
}

/// `YYYY-MM` or `YYYY` as typed in a query: checks it.
pub fn period(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    let ok = match s.len() {
        4 => s.parse::<u16>().is_ok_and(|y| (2000..=2100).contains(&y)),
        7 => {
            s.as_bytes()[4] == b'-'
                && s[..4].parse::<u16>().is_ok_and(|y| (2000..=2100).contains(&y))
                && s[5..].parse::<u8>().is_ok_and(|m| (1..=12).contains(&m))
        }
        _ => false,
    };
    if ok { Ok(s.to_string()) } else { Err("must be a month YYYY-MM or a year YYYY".into()) }
}

/// Rupiah for statements.
pub fn rp(v: i64) -> String {
    format_rupiah(v)
}

/// An optional text field of a reversal form.
pub fn reason(raw: Option<&str>) -> Result<String, Invalid> {
    match optional(raw, |s| text::text(s, 1, 500)) {
        Ok(Some(r)) => Ok(r),
        Ok(None) => Err(Invalid::one("reason", "is required")),
        Err(m) => Err(Invalid::one("reason", m)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn entry(id: Id, kind: EntryKind, amount: i64) -> Entry {
        Entry {
            id,
            group_id: 1,
            entry_on: date!(2024 - 01 - 10),
            kind,
            category: "lainnya".into(),
            amount_rp: amount,
            counterpart: None,
            note: None,
            receipt_id: None,
            sale: None,
            reverses_id: None,
            reversed: false,
            recorded_by: "x".into(),
            recorded_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn a_sale_is_quantity_times_price() {
        let e = SaleDraft {
            entry_on: "2024-01-06".into(),
            product: "Keripik bayam".into(),
            quantity: "40".into(),
            unit: "bungkus".into(),
            price: "Rp 15.000".into(),
            outlet: Some("Outlet KSM".into()),
            counterpart: None,
        }
        .parse(date!(2024 - 02 - 01))
        .expect("sale");
        assert_eq!((e.kind, e.category.as_str(), e.amount_rp), (EntryKind::Income, "penjualan", 600_000));
        let bad = SaleDraft { quantity: "0".into(), price: "abc".into(), ..Default::default() }
            .parse(date!(2024 - 02 - 01))
            .unwrap_err();
        let fields: Vec<&str> = bad.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["entry_on", "product", "quantity", "unit", "price"]);
    }

    #[test]
    fn a_reversal_negates_once() {
        let e = entry(7, EntryKind::Cost, 50_000);
        let r = e.reversal(date!(2024 - 02 - 01), "salah ketik").expect("reversal");
        assert_eq!((r.amount_rp, r.reverses_id, r.kind), (-50_000, Some(7), EntryKind::Cost));
        assert!(e.reversal(date!(2024 - 01 - 01), "x").is_err());
        let mut done = e.clone();
        done.reversed = true;
        assert!(done.reversal(date!(2024 - 02 - 01), "x").is_err());
        let mut rev = entry(8, EntryKind::Cost, -50_000);
        rev.reverses_id = Some(7);
        assert!(rev.check_reversible().is_err());
        assert_eq!(e.cash_rp() + rev.cash_rp(), 0);
    }

    #[test]
    fn statements_carry_the_cash_on_hand() {
        let jan = PeriodSums {
            period: "2024-01".into(),
            lines: vec![
                (EntryKind::Income, "penjualan".into(), 3_000_000, 12),
                (EntryKind::Cost, "bahan_baku".into(), 1_800_000, 8),
                (EntryKind::ProfitUse, "pemeliharaan".into(), 400_000, 1),
                (EntryKind::ProfitUse, "benih".into(), 300_000, 1),
            ],
        };
        let feb = PeriodSums { period: "2024-02".into(), lines: vec![(EntryKind::Income, "iuran".into(), 100_000, 1)] };
        let s = statements(500_000, &[jan, feb]);
        assert_eq!(
            (s[0].income_rp, s[0].cost_rp, s[0].profit_rp, s[0].profit_use_rp),
            (3_000_000, 1_800_000, 1_200_000, 700_000)
        );
        assert_eq!(
            (s[0].opening_rp, s[0].closing_rp, s[0].sales_rp, s[0].entries),
            (500_000, 1_000_000, 3_000_000, 22)
        );
        assert_eq!(s[0].profit_use, vec![("pemeliharaan".to_string(), 400_000), ("benih".to_string(), 300_000)]);
        assert_eq!((s[1].opening_rp, s[1].closing_rp, s[1].sales_rp), (1_000_000, 1_100_000, 0));
    }

    #[test]
    fn periods_are_months_or_years() {
        assert_eq!(period("2024-03"), Ok("2024-03".into()));
        assert_eq!(period("2024"), Ok("2024".into()));
        assert!(period("2024-13").is_err());
        assert!(period("24-01").is_err());
        assert_eq!(month_of(date!(2024 - 03 - 31)), "2024-03");
    }

    proptest! {
        /// The closing cash of the last statement is the opening plus every entry's cash,
        /// however the entries fall into periods.
        #[test]
        fn closing_cash_is_the_sum_of_entries(
            lines in prop::collection::vec((0usize..3, 0usize..4, -1_000_000i64..5_000_000, 0usize..6), 0..60),
            opening in 0i64..10_000_000,
        ) {
            let kinds = [EntryKind::Income, EntryKind::Cost, EntryKind::ProfitUse];
            let mut periods: Vec<PeriodSums> =
                (0..6).map(|m| PeriodSums { period: format!("2024-{:02}", m + 1), lines: Vec::new() }).collect();
            let mut cash = opening;
            for (k, c, amount, m) in lines {
                let kind = kinds[k];
                cash += kind.cash_sign() * amount;
                periods[m].lines.push((kind, format!("c{c}"), amount, 1));
            }
            let s = statements(opening, &periods);
            prop_assert_eq!(s.last().map(|s| s.closing_rp), Some(cash));
            for w in s.windows(2) {
                prop_assert_eq!(w[0].closing_rp, w[1].opening_rp);
            }
        }
    }
}
