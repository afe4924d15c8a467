//! Block grants (BPM) and the works they pay for: a grant to a community institution (an LKM),
//! paid in tranches, allocated to neighbourhood units (RT/RW); works per unit with their
//! budget and the community's own contribution (swadaya); spending entries against works,
//! physical progress, handover to a maintenance group (KPP) and its maintenance.
//!
//! Money is whole rupiah. Two caps hold at every write (the store checks them in the write's
//! transaction): the units' allocations never exceed the grant ([`allocation_fits`]), and
//! the grant's spending never exceeds the tranches received ([`spending_fits`]) unless a
//! program officer overrides with a reason, which is kept on the entry and in the audit log.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::agriculture::machine::{format_rupiah, optional, parse_milli, parse_rupiah};
use crate::registry::text::{self, Checker, Invalid};
use crate::registry::{Id, RegionCode, Version};
use crate::vocabulary;

vocabulary! {
    WorkKind {
        ConcreteRoad => "concrete_road", "Jalan rabat beton", "Concrete road";
        Drainage => "drainage", "Drainase", "Drainage";
        Borehole => "borehole", "Sumur bor", "Borehole";
        Other => "other", "Lainnya", "Other";
    }
}

vocabulary! {
    TrancheStatus {
        Planned => "planned", "Direncanakan", "Planned";
        Approved => "approved", "Disetujui", "Approved";
        Received => "received", "Diterima", "Received";
    }
}

vocabulary! {
    /// The condition of a work as a maintenance visit found it.
    WorkCondition {
        Good => "good", "Baik", "Good";
        LightDamage => "light_damage", "Rusak ringan", "Light damage";
        HeavyDamage => "heavy_damage", "Rusak berat", "Heavy damage";
    }
}

/// The most a grant, allocation or work may hold (Rp 10 trillion): far above any real one,
/// and sums of many stay within `i64`.
pub const MAX_RP: i64 = 10_000_000_000_000;

fn rupiah(raw: &str) -> Result<i64, String> {
    let v = parse_rupiah(raw)?;
    if v > MAX_RP { Err("is too large".into()) } else { Ok(v) }
}

fn positive_rupiah(raw: &str) -> Result<i64, String> {
    match rupiah(raw)? {
        0 => Err("must be more than zero".into()),
        v => Ok(v),
    }
}

fn year(raw: &str) -> Result<i32, String> {
    match raw.trim().parse::<i32>() {
        Ok(y) if (2000..=2100).contains(&y) => Ok(y),
        _ => Err("must be a year from 2000 to 2100".into()),
    }
}

// --- Grants ---------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub id: Id,
    pub program_id: Id,
    /// `BPM 2019 Kaliawi Persada`.
    pub name: String,
    /// Where the money comes from (`APBN KOTAKU`, `APBD`, `CSR`).
    pub source: String,
    pub year: i32,
    pub amount_rp: i64,
    /// The community institution receiving it (a group: the LKM).
    pub recipient_group_id: Id,
    /// The village or urban village (kelurahan) it is for.
    pub region: RegionCode,
    pub note: Option<String>,
    pub version: Version,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGrant {
    pub program_id: Id,
    pub name: String,
    pub source: String,
    pub year: i32,
    pub amount_rp: i64,
    pub recipient_group_id: Id,
    pub region: RegionCode,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GrantDraft {
    #[serde(default)]
    pub program_id: String,
    pub name: String,
    pub source: String,
    pub year: String,
    pub amount: String,
    pub recipient_group_id: String,
    pub region: String,
    #[serde(default)]
    pub note: Option<String>,
}

impl GrantDraft {
    pub fn parse(&self) -> Result<NewGrant, Invalid> {
        let mut c = Checker::new();
        let program_id = c.field("program_id", text::id(&self.program_id));
        let name = c.field("name", text::text(&self.name, 1, 150));
        let source = c.field("source", text::text(&self.source, 1, 100));
        let year = c.field("year", year(&self.year));
        let amount_rp = c.field("amount", positive_rupiah(&self.amount));
        let recipient = c.field("recipient_group_id", text::id(&self.recipient_group_id));
        let region = c.field("region", RegionCode::parse(&self.region));
        let note = c.field("note", text::optional_text(self.note.as_deref(), 1000));
        c.finish()?;
        match (program_id, name, source, year, amount_rp, recipient, region, note) {
            (
                Some(program_id),
                Some(name),
                Some(source),
                Some(year),
                Some(amount_rp),
                Some(recipient_group_id),
                Some(region),
                Some(note),
            ) => Ok(NewGrant { program_id, name, source, year, amount_rp, recipient_group_id, region, note }),
            _ => Err(Invalid::one("grant", "is invalid")),
        }
    }
}

// --- Tranches -------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tranche {
    pub id: Id,
    pub grant_id: Id,
    /// 1, 2, 3 … in the grant.
    pub seq: i32,
    pub amount_rp: i64,
    pub planned_on: Date,
    /// What must hold before it is paid (`RPLP disetujui`, `laporan tahap I`).
    pub conditions: Option<String>,
    pub status: TrancheStatus,
    pub approved_by: Option<String>,
    pub approved_on: Option<Date>,
    pub received_on: Option<Date>,
    pub version: Version,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTranche {
    pub amount_rp: i64,
    pub planned_on: Date,
    pub conditions: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TrancheDraft {
    pub amount: String,
    pub planned_on: String,
    #[serde(default)]
    pub conditions: Option<String>,
}

impl TrancheDraft {
    pub fn parse(&self) -> Result<NewTranche, Invalid> {
        let mut c = Checker::new();
        let amount_rp = c.field("amount", positive_rupiah(&self.amount));
        let planned_on = c.field("planned_on", text::date(&self.planned_on));
        let conditions = c.field("conditions", text::optional_text(self.conditions.as_deref(), 500));
        c.finish()?;
        match (amount_rp, planned_on, conditions) {
            (Some(amount_rp), Some(planned_on), Some(conditions)) => {
                Ok(NewTranche { amount_rp, planned_on, conditions })
            }
            _ => Err(Invalid::one("tranche", "is invalid")),
        }
    }
}

/// A tranche's next step: approval by the program officer, then receipt by the institution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrancheStep {
    Approve { on: Date },
    Receive { on: Date },
}

impl Tranche {
    /// Checks a step may follow the tranche's status: approve a planned one, receive an
    /// approved one (not before its approval).
    pub fn check_step(&self, step: &TrancheStep) -> Result<(), Invalid> {
        match (step, self.status) {
            (TrancheStep::Approve { .. }, TrancheStatus::Planned) => Ok(()),
            (TrancheStep::Receive { on }, TrancheStatus::Approved) => match self.approved_on {
                Some(a) if *on < a => Err(Invalid::one("received_on", "must not be before the approval")),
                _ => Ok(()),
            },
            (TrancheStep::Approve { .. }, _) => Err(Invalid::one("status", "only a planned tranche can be approved")),
            (TrancheStep::Receive { .. }, _) => {
                Err(Invalid::one("status", "only an approved tranche can be marked received"))
            }
        }
    }
}

/// The total of tranches may not exceed the grant.
pub fn tranches_fit(grant_rp: i64, other_tranches_rp: i64, amount_rp: i64) -> Result<(), Invalid> {
    let free = grant_rp - other_tranches_rp;
    if amount_rp > free {
        return Err(Invalid::one(
            "amount",
            format!("the tranches would exceed the grant: {} is left to schedule", format_rupiah(free.max(0))),
        ));
    }
    Ok(())
}

// --- Units and allocations ------------------------------------------------------------------

/// A neighbourhood unit of a grant (an RT of a lingkungan/RW) and what it is allocated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub id: Id,
    pub grant_id: Id,
    /// `RT 03 Lingkungan 1`.
    pub name: String,
    /// The village it lies in.
    pub region: RegionCode,
    /// The RT and RW (lingkungan) numbers as written (`003`, `01`), matched to households'.
    pub rt: Option<String>,
    pub rw: Option<String>,
    pub amount_rp: i64,
    pub version: Version,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUnit {
    pub name: String,
    pub region: RegionCode,
    pub rt: Option<String>,
    pub rw: Option<String>,
    pub amount_rp: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UnitDraft {
    pub name: String,
    pub region: String,
    #[serde(default)]
    pub rt: Option<String>,
    #[serde(default)]
    pub rw: Option<String>,
    pub amount: String,
}

fn rt_rw(raw: Option<&str>) -> Result<Option<String>, String> {
    match text::optional_text(raw, 3)? {
        Some(s) if s.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(format!("{:0>3}", s))),
        Some(_) => Err("must be a number of at most 3 digits".into()),
        None => Ok(None),
    }
}

impl UnitDraft {
    pub fn parse(&self) -> Result<NewUnit, Invalid> {
        let mut c = Checker::new();
        let name = c.field("name", text::text(&self.name, 1, 100));
        let region = c.field("region", RegionCode::parse(&self.region));
        let rt = c.field("rt", rt_rw(self.rt.as_deref()));
        let rw = c.field("rw", rt_rw(self.rw.as_deref()));
        let amount_rp = c.field("amount", rupiah(&self.amount));
        c.finish()?;
        match (name, region, rt, rw, amount_rp) {
            (Some(name), Some(region), Some(rt), Some(rw), Some(amount_rp)) => {
                Ok(NewUnit { name, region, rt, rw, amount_rp })
            }
            _ => Err(Invalid::one("unit", "is invalid")),
        }
    }
}

/// The units' allocations may not exceed the grant: `others_rp` is what the grant's other
/// units hold.
pub fn allocation_fits(grant_rp: i64, others_rp: i64, amount_rp: i64) -> Result<(), Invalid> {
    let free = grant_rp - others_rp;
    if amount_rp > free {
        return Err(Invalid::one(
            "amount",
            format!(
                "the allocations would exceed the grant of {}: {} is left to allocate",
                format_rupiah(grant_rp),
                format_rupiah(free.max(0))
            ),
        ));
    }
    Ok(())
}

// --- Works ----------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Work {
    pub id: Id,
    pub unit_id: Id,
    pub kind: WorkKind,
    pub name: String,
    /// Thousandths of the unit (`120 500` = 120,5 m).
    pub volume_milli: i64,
    /// `m`, `m²`, `unit`.
    pub volume_unit: String,
    pub location: Option<String>,
    pub budget_rp: i64,
    /// The community's contribution: cash, and labour valued in rupiah.
    pub swadaya_cash_rp: i64,
    pub swadaya_labour_rp: i64,
    /// Who builds it: a contractor's name, or the community group.
    pub builder: String,
    pub builder_group_id: Option<Id>,
    /// Latest physical progress, 0–100.
    pub progress_pct: i32,
    /// The maintenance group (KPP) it was handed over to, and when.
    pub keeper_group_id: Option<Id>,
    pub handed_over_on: Option<Date>,
    /// Days between maintenance visits once handed over.
    pub maintain_every_days: Option<i32>,
    pub version: Version,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWork {
    pub kind: WorkKind,
    pub name: String,
    pub volume_milli: i64,
    pub volume_unit: String,
    pub location: Option<String>,
    pub budget_rp: i64,
    pub swadaya_cash_rp: i64,
    pub swadaya_labour_rp: i64,
    pub builder: String,
    pub builder_group_id: Option<Id>,
    pub maintain_every_days: Option<i32>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WorkDraft {
    pub kind: String,
    pub name: String,
    pub volume: String,
    pub volume_unit: String,
    #[serde(default)]
    pub location: Option<String>,
    pub budget: String,
    #[serde(default)]
    pub swadaya_cash: Option<String>,
    #[serde(default)]
    pub swadaya_labour: Option<String>,
    pub builder: String,
    #[serde(default)]
    pub builder_group_id: Option<String>,
    #[serde(default)]
    pub maintain_every_days: Option<String>,
}

fn days(raw: &str) -> Result<i32, String> {
    match raw.trim().parse::<i32>() {
        Ok(d) if (1..=3660).contains(&d) => Ok(d),
        _ => Err("must be a number of days from 1 to 3660".into()),
    }
}

impl WorkDraft {
    pub fn parse(&self) -> Result<NewWork, Invalid> {
        let mut c = Checker::new();
        let kind = c.field("kind", WorkKind::parse(&self.kind));
        let name = c.field("name", text::text(&self.name, 1, 150));
        let volume_milli = c.field("volume", parse_milli(&self.volume));
        let volume_unit = c.field("volume_unit", text::text(&self.volume_unit, 1, 20));
        let location = c.field("location", text::optional_text(self.location.as_deref(), 200));
        let budget_rp = c.field("budget", rupiah(&self.budget));
        let cash = c.field("swadaya_cash", optional(self.swadaya_cash.as_deref(), rupiah).map(|v| v.unwrap_or(0)));
        let labour =
            c.field("swadaya_labour", optional(self.swadaya_labour.as_deref(), rupiah).map(|v| v.unwrap_or(0)));
        let builder = c.field("builder", text::text(&self.builder, 1, 150));
        let builder_group_id = c.field("builder_group_id", optional(self.builder_group_id.as_deref(), text::id));
        let every = c.field("maintain_every_days", optional(self.maintain_every_days.as_deref(), days));
        c.finish()?;
        match (
            kind,
            name,
            volume_milli,
            volume_unit,
            location,
            budget_rp,
            cash,
            labour,
            builder,
            builder_group_id,
            every,
        ) {
            (
                Some(kind),
                Some(name),
                Some(volume_milli),
                Some(volume_unit),
                Some(location),
                Some(budget_rp),
                Some(swadaya_cash_rp),
                Some(swadaya_labour_rp),
                Some(builder),
                Some(builder_group_id),
                Some(maintain_every_days),
            ) => Ok(NewWork {
                kind,
                name,
                volume_milli,
                volume_unit,
                location,
                budget_rp,
                swadaya_cash_rp,
                swadaya_labour_rp,
                builder,
                builder_group_id,
                maintain_every_days,
            }),
            _ => Err(Invalid::one("work", "is invalid")),
        }
    }
}

// --- Spending -------------------------------------------------------------------------------

/// Money spent on a work. Entries are never edited; a mistake is answered by a reversing
/// entry (negative amount naming the entry it reverses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spending {
    pub id: Id,
    pub work_id: Id,
    pub spent_on: Date,
    pub item: String,
    /// Positive; negative only on a reversal.
    pub amount_rp: i64,
    /// The receipt (an attachment of this entry).
    pub receipt_id: Option<Id>,
    pub reverses_id: Option<Id>,
    /// Why the officer let it pass the tranches received, when it did.
    pub override_reason: Option<String>,
    pub recorded_by: String,
    pub recorded_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSpending {
    pub spent_on: Date,
    pub item: String,
    pub amount_rp: i64,
    /// Set by a program officer to pass the cap of tranches received.
    pub override_reason: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SpendingDraft {
    pub spent_on: String,
    pub item: String,
    pub amount: String,
    #[serde(default)]
    pub override_reason: Option<String>,
}

impl SpendingDraft {
    pub fn parse(&self, today: Date) -> Result<NewSpending, Invalid> {
        let mut c = Checker::new();
        let spent_on = c.field("spent_on", text::date(&self.spent_on).and_then(|d| not_future(d, today)));
        let item = c.field("item", text::text(&self.item, 1, 200));
        let amount_rp = c.field("amount", positive_rupiah(&self.amount));
        let override_reason = c.field("override_reason", text::optional_text(self.override_reason.as_deref(), 500));
        c.finish()?;
        match (spent_on, item, amount_rp, override_reason) {
            (Some(spent_on), Some(item), Some(amount_rp), Some(override_reason)) => {
                Ok(NewSpending { spent_on, item, amount_rp, override_reason })
            }
            _ => Err(Invalid::one("spending", "is invalid")),
        }
    }
}

pub(crate) fn not_future(d: Date, today: Date) -> Result<Date, String> {
    if d > today { Err("must not be in the future".into()) } else { Ok(d) }
}

/// The grant's spending may not exceed the tranches received, unless overridden with a
/// reason: `spent_rp` is what the grant's works have spent so far.
pub fn spending_fits(received_rp: i64, spent_rp: i64, amount_rp: i64, overridden: bool) -> Result<(), Invalid> {
    if overridden || spent_rp + amount_rp <= received_rp {
        return Ok(());
    }
    Err(Invalid::one(
        "amount",
        format!(
            "the spending would exceed the tranches received: {} received, {} spent, {} left",
            format_rupiah(received_rp),
            format_rupiah(spent_rp),
            format_rupiah((received_rp - spent_rp).max(0))
        ),
    ))
}

// --- Progress, handover, maintenance --------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub id: Id,
    pub work_id: Id,
    pub on: Date,
    pub percent: i32,
    pub note: Option<String>,
    /// A dated photo (an attachment of this work).
    pub photo_id: Option<Id>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProgress {
    pub on: Date,
    pub percent: i32,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProgressDraft {
    pub on: String,
    pub percent: String,
    #[serde(default)]
    pub note: Option<String>,
}

fn percent(raw: &str) -> Result<i32, String> {
    match raw.trim().trim_end_matches('%').trim().parse::<i32>() {
        Ok(p) if (0..=100).contains(&p) => Ok(p),
        _ => Err("must be a whole percentage from 0 to 100".into()),
    }
}

impl ProgressDraft {
    pub fn parse(&self, today: Date) -> Result<NewProgress, Invalid> {
        let mut c = Checker::new();
        let on = c.field("on", text::date(&self.on).and_then(|d| not_future(d, today)));
        let pct = c.field("percent", percent(&self.percent));
        let note = c.field("note", text::optional_text(self.note.as_deref(), 500));
        c.finish()?;
        match (on, pct, note) {
            (Some(on), Some(percent), Some(note)) => Ok(NewProgress { on, percent, note }),
            _ => Err(Invalid::one("progress", "is invalid")),
        }
    }
}

/// Progress only moves forward: a report may not go below an earlier one nor be dated
/// before it.
pub fn progress_follows(last: Option<(Date, i32)>, new: &NewProgress) -> Result<(), Invalid> {
    match last {
        Some((on, _)) if new.on < on => Err(Invalid::one("on", "must not be before the last progress report")),
        Some((_, pct)) if new.percent < pct => {
            Err(Invalid::one("percent", format!("must not be below the last progress report ({pct} %)")))
        }
        _ => Ok(()),
    }
}

/// Handing a finished work to its maintenance group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handover {
    pub keeper_group_id: Id,
    pub on: Date,
    pub maintain_every_days: i32,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HandoverDraft {
    pub keeper_group_id: String,
    pub on: String,
    #[serde(default)]
    pub maintain_every_days: Option<String>,
}

impl HandoverDraft {
    pub fn parse(&self, today: Date) -> Result<Handover, Invalid> {
        let mut c = Checker::new();
        let keeper = c.field("keeper_group_id", text::id(&self.keeper_group_id));
        let on = c.field("on", text::date(&self.on).and_then(|d| not_future(d, today)));
        let every = c.field("maintain_every_days", optional(self.maintain_every_days.as_deref(), days));
        c.finish()?;
        match (keeper, on, every) {
            (Some(keeper_group_id), Some(on), Some(every)) => {
                Ok(Handover { keeper_group_id, on, maintain_every_days: every.unwrap_or(90) })
            }
            _ => Err(Invalid::one("handover", "is invalid")),
        }
    }
}

impl Work {
    /// Checks the work may be handed over: finished (100 %) and not handed over yet.
    pub fn check_handover(&self) -> Result<(), Invalid> {
        if self.keeper_group_id.is_some() {
            return Err(Invalid::one("keeper_group_id", "the work has already been handed over"));
        }
        if self.progress_pct < 100 {
            return Err(Invalid::one(
                "on",
                format!("only a finished work can be handed over (progress {} %)", self.progress_pct),
            ));
        }
        Ok(())
    }

    /// The day its next maintenance is due: `every` days after the last visit (or the
    /// handover); `None` before handover.
    pub fn maintenance_due(&self, last_done: Option<Date>) -> Option<Date> {
        let from = last_done.or(self.handed_over_on)?;
        let every = self.maintain_every_days.unwrap_or(90);
        from.checked_add(time::Duration::days(i64::from(every)))
    }

    /// The community's contribution, cash and labour.
    pub fn swadaya_rp(&self) -> i64 {
        self.swadaya_cash_rp + self.swadaya_labour_rp
    }
}

/// A maintenance visit of a KPP to a work: scheduled, then done with its cost and the
/// condition found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upkeep {
    pub id: Id,
    pub work_id: Id,
    pub group_id: Id,
    pub done_on: Date,
    pub cost_rp: i64,
    pub condition: WorkCondition,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUpkeep {
    pub done_on: Date,
    pub cost_rp: i64,
    pub condition: WorkCondition,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UpkeepDraft {
    pub done_on: String,
    #[serde(default)]
    pub cost: Option<String>,
    pub condition: String,
    #[serde(default)]
    pub note: Option<String>,
}

impl UpkeepDraft {
    pub fn parse(&self, today: Date) -> Result<NewUpkeep, Invalid> {
        let mut c = Checker::new();
        let done_on = c.field("done_on", text::date(&self.done_on).and_then(|d| not_future(d, today)));
        let cost = c.field("cost", optional(self.cost.as_deref(), rupiah).map(|v| v.unwrap_or(0)));
        let condition = c.field("condition", WorkCondition::parse(&self.condition));
        let note = c.field("note", text::optional_text(self.note.as_deref(), 500));
        c.finish()?;
        match (done_on, cost, condition, note) {
            (Some(done_on), Some(cost_rp), Some(condition), Some(note)) => {
                Ok(NewUpkeep { done_on, cost_rp, condition, note })
            }
            _ => Err(Invalid::one("maintenance", "is invalid")),
        }
    }
}

// --- Budget against realisation -------------------------------------------------------------

/// Budget against realisation of one line (a work, a unit, the grant).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Realisation {
    pub budget_rp: i64,
    pub spent_rp: i64,
    pub swadaya_rp: i64,
}

impl Realisation {
    /// Spent over budget, in whole per mille (0 when there is no budget).
    pub fn per_mille(&self) -> i64 {
        if self.budget_rp == 0 { 0 } else { self.spent_rp * 1000 / self.budget_rp }
    }

    /// What is left of the budget (negative when overspent).
    pub fn left_rp(&self) -> i64 {
        self.budget_rp - self.spent_rp
    }

    pub fn add(&mut self, other: &Realisation) {
        self.budget_rp += other.budget_rp;
        self.spent_rp += other.spent_rp;
        self.swadaya_rp += other.swadaya_rp;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn allocations_stop_at_the_grant() {
        assert!(allocation_fits(1_500_000_000, 1_000_000_000, 500_000_000).is_ok());
        let e = allocation_fits(1_500_000_000, 1_000_000_000, 500_000_001).unwrap_err();
        assert_eq!(e.0[0].field, "amount");
        assert!(e.0[0].message.contains("Rp 500.000.000 is left"), "{}", e.0[0].message);
        assert!(tranches_fit(100, 60, 40).is_ok());
        assert!(tranches_fit(100, 60, 41).is_err());
    }

    #[test]
    fn spending_stops_at_the_tranches_received_unless_overridden() {
        assert!(spending_fits(600, 500, 100, false).is_ok());
        let e = spending_fits(600, 500, 101, false).unwrap_err();
        assert!(e.0[0].message.contains("Rp 600 received, Rp 500 spent, Rp 100 left"), "{}", e.0[0].message);
        assert!(spending_fits(600, 500, 101, true).is_ok());
        assert!(spending_fits(0, 0, 1, false).is_err());
    }

    #[test]
    fn tranche_steps_go_in_order() {
        let mut t = Tranche {
            id: 1,
            grant_id: 1,
            seq: 1,
            amount_rp: 10,
            planned_on: date!(2019 - 03 - 01),
            conditions: None,
            status: TrancheStatus::Planned,
            approved_by: None,
            approved_on: None,
            received_on: None,
            version: 1,
        };
        assert!(t.check_step(&TrancheStep::Receive { on: date!(2019 - 03 - 02) }).is_err());
        assert!(t.check_step(&TrancheStep::Approve { on: date!(2019 - 03 - 02) }).is_ok());
        t.status = TrancheStatus::Approved;
        t.approved_on = Some(date!(2019 - 03 - 02));
        assert!(t.check_step(&TrancheStep::Approve { on: date!(2019 - 03 - 02) }).is_err());
        assert!(t.check_step(&TrancheStep::Receive { on: date!(2019 - 03 - 01) }).is_err());
        assert!(t.check_step(&TrancheStep::Receive { on: date!(2019 - 03 - 02) }).is_ok());
        t.status = TrancheStatus::Received;
        assert!(t.check_step(&TrancheStep::Receive { on: date!(2019 - 03 - 03) }).is_err());
    }

    #[test]
    fn drafts_parse_money_and_volumes_exactly() {
        let w = WorkDraft {
            kind: "concrete_road".into(),
            name: "Rabat beton gang Mawar".into(),
            volume: "120,5".into(),
            volume_unit: "m".into(),
            budget: "Rp 150.000.000".into(),
            swadaya_cash: Some("2.500.000".into()),
            builder: "KSM Mawar".into(),
            ..Default::default()
        }
        .parse()
        .expect("work");
        assert_eq!(
            (w.volume_milli, w.budget_rp, w.swadaya_cash_rp, w.swadaya_labour_rp),
            (120_500, 150_000_000, 2_500_000, 0)
        );
        let e = WorkDraft { volume: "1,2345".into(), kind: "x".into(), ..Default::default() }.parse().unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert!(fields.contains(&"volume") && fields.contains(&"kind") && fields.contains(&"budget"), "{fields:?}");
        let s = SpendingDraft {
            spent_on: "2030-01-01".into(),
            item: "Semen".into(),
            amount: "0".into(),
            ..Default::default()
        }
        .parse(date!(2026 - 01 - 01))
        .unwrap_err();
        assert_eq!(s.0.len(), 2);
        let u = UnitDraft {
            name: "RT 3".into(),
            region: "18.71.01.1001".into(),
            rt: Some("3".into()),
            amount: "1".into(),
            ..Default::default()
        }
        .parse()
        .expect("unit");
        assert_eq!(u.rt.as_deref(), Some("003"));
    }

    #[test]
    fn progress_moves_forward_and_handover_needs_a_finished_work() {
        let p = NewProgress { on: date!(2019 - 06 - 01), percent: 40, note: None };
        assert!(progress_follows(None, &p).is_ok());
        assert!(progress_follows(Some((date!(2019 - 05 - 01), 50)), &p).is_err());
        assert!(progress_follows(Some((date!(2019 - 07 - 01), 10)), &p).is_err());
        assert!(progress_follows(Some((date!(2019 - 05 - 01), 40)), &p).is_ok());
        let mut w = WorkDraft {
            kind: "drainage".into(),
            name: "Drainase".into(),
            volume: "80".into(),
            volume_unit: "m".into(),
            budget: "1000".into(),
            builder: "KSM".into(),
            ..Default::default()
        }
        .parse()
        .map(|n| Work {
            id: 1,
            unit_id: 1,
            kind: n.kind,
            name: n.name,
            volume_milli: n.volume_milli,
            volume_unit: n.volume_unit,
            location: None,
            budget_rp: n.budget_rp,
            swadaya_cash_rp: 0,
            swadaya_labour_rp: 0,
            builder: n.builder,
            builder_group_id: None,
            progress_pct: 90,
            keeper_group_id: None,
            handed_over_on: None,
            maintain_every_days: None,
            version: 1,
        })
        .expect("work");
        assert!(w.check_handover().is_err());
        w.progress_pct = 100;
        assert!(w.check_handover().is_ok());
        assert_eq!(w.maintenance_due(None), None);
        w.handed_over_on = Some(date!(2019 - 12 - 01));
        w.maintain_every_days = Some(30);
        assert_eq!(w.maintenance_due(None), Some(date!(2019 - 12 - 31)));
        assert_eq!(w.maintenance_due(Some(date!(2020 - 01 - 10))), Some(date!(2020 - 02 - 09)));
        w.keeper_group_id = Some(3);
        assert!(w.check_handover().is_err());
    }
}
