//! Machinery (alsintan) lending: an agency's or its extension center's machines, their
//! bookings and loans to farmer groups, and their maintenance.
//!
//! Quantities are integers: usage in whole minutes (entered as hours, `1,5 jam`) and whole
//! m² (entered as hectares, `0,25 ha`), money in whole rupiah. Decimal input is parsed
//! exactly to the integer unit; a value the unit cannot hold exactly is refused, never rounded.
//!
//! Loan periods are **inclusive**: a loan from the 3rd to the 5th holds the machine on the
//! 3rd, 4th and 5th, so a loan ending on the day another starts overlaps it.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::registry::text::{self, Checker, Invalid};
use crate::registry::{Id, RegionCode, Version};
use crate::vocabulary;

vocabulary! {
    MachineKind {
        HandTractor => "hand_tractor", "Traktor roda dua", "Hand tractor";
        Cultivator => "cultivator", "Kultivator", "Cultivator";
        WaterPump => "water_pump", "Pompa air", "Water pump";
        Other => "other", "Lainnya", "Other";
    }
}

vocabulary! {
    MachineCondition {
        Good => "good", "Baik", "Good";
        LightDamage => "light_damage", "Rusak ringan", "Light damage";
        HeavyDamage => "heavy_damage", "Rusak berat", "Heavy damage";
        InRepair => "in_repair", "Dalam perbaikan", "In repair";
    }
}

impl MachineCondition {
    /// Why a machine in this condition cannot be lent, if it cannot.
    pub fn refuses_lending(self) -> Option<&'static str> {
        match self {
            MachineCondition::InRepair => Some("cannot be lent while the machine is in repair"),
            MachineCondition::HeavyDamage => Some("cannot be lent while the machine is heavily damaged"),
            MachineCondition::Good | MachineCondition::LightDamage => None,
        }
    }
}

vocabulary! {
    LoanStatus {
        Booked => "booked", "Dipesan", "Booked";
        Out => "out", "Dipinjam", "Out";
        Returned => "returned", "Dikembalikan", "Returned";
        Cancelled => "cancelled", "Dibatalkan", "Cancelled";
    }
}

impl LoanStatus {
    /// Whether the loan still holds the machine for its period (booked or out).
    pub fn holds_machine(self) -> bool {
        matches!(self, LoanStatus::Booked | LoanStatus::Out)
    }
}

vocabulary! {
    MaintenanceKind {
        Service => "service", "Servis", "Service";
        Repair => "repair", "Perbaikan", "Repair";
        Inspection => "inspection", "Pemeriksaan", "Inspection";
    }
}

/// Whether two inclusive periods share a day.
pub fn periods_overlap(a: (Date, Date), b: (Date, Date)) -> bool {
    a.0 <= b.1 && b.0 <= a.1
}

// --- Machines --------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    pub id: Id,
    /// The owning agency (a Dinas or its BPP).
    pub agency_id: Id,
    pub kind: MachineKind,
    /// Name or brand and model (`Quick G1000 Boxer`).
    pub name: String,
    /// Serial or inventory number, unique per agency.
    pub inventory_no: String,
    /// Where it is kept.
    pub region: RegionCode,
    pub place: Option<String>,
    pub condition: MachineCondition,
    pub acquired_on: Option<Date>,
    pub note: Option<String>,
    pub version: Version,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMachine {
    pub agency_id: Id,
    pub kind: MachineKind,
    pub name: String,
    pub inventory_no: String,
    pub region: RegionCode,
    pub place: Option<String>,
    pub condition: MachineCondition,
    pub acquired_on: Option<Date>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MachineDraft {
    pub agency_id: String,
    pub kind: String,
    pub name: String,
    pub inventory_no: String,
    pub region: String,
    #[serde(default)]
    pub place: Option<String>,
    pub condition: String,
    #[serde(default)]
    pub acquired_on: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

impl MachineDraft {
    pub fn parse(&self) -> Result<NewMachine, Invalid> {
        let mut c = Checker::new();
        let agency_id = c.field("agency_id", text::id(&self.agency_id));
        let kind = c.field("kind", MachineKind::parse(&self.kind));
        let name = c.field("name", text::text(&self.name, 1, 150));
        let inventory_no = c.field("inventory_no", text::text(&self.inventory_no, 1, 60));
        let region = c.field("region", RegionCode::parse(&self.region));
        let place = c.field("place", text::optional_text(self.place.as_deref(), 200));
        let condition = c.field("condition", MachineCondition::parse(&self.condition));
        let acquired_on = c.field("acquired_on", text::optional_date(self.acquired_on.as_deref()));
        let note = c.field("note", text::optional_text(self.note.as_deref(), 1000));
        c.finish()?;
        match (agency_id, kind, name, inventory_no, region, place, condition, acquired_on, note) {
            (
                Some(agency_id),
                Some(kind),
                Some(name),
                Some(inventory_no),
                Some(region),
                Some(place),
                Some(condition),
                Some(acquired_on),
                Some(note),
            ) => Ok(NewMachine { agency_id, kind, name, inventory_no, region, place, condition, acquired_on, note }),
            _ => Err(Invalid::one("machine", "incomplete")),
        }
    }
}

impl From<&Machine> for MachineDraft {
    fn from(m: &Machine) -> Self {
        MachineDraft {
            agency_id: m.agency_id.to_string(),
            kind: m.kind.code().into(),
            name: m.name.clone(),
            inventory_no: m.inventory_no.clone(),
            region: m.region.to_string(),
            place: m.place.clone(),
            condition: m.condition.code().into(),
            acquired_on: m.acquired_on.map(text::format_date),
            note: m.note.clone(),
        }
    }
}

// --- Loans ------------------------------------------------------------------------------------

/// A booking or loan of one machine to one group for an inclusive period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loan {
    pub id: Id,
    pub machine_id: Id,
    pub group_id: Id,
    /// The program the loan serves, if any (its dashboard counts it).
    pub program_id: Option<Id>,
    pub starts_on: Date,
    pub due_on: Date,
    pub status: LoanStatus,
    pub out_on: Option<Date>,
    pub condition_out: Option<MachineCondition>,
    /// Who handed the machine out or took it (a name, as written on the form).
    pub out_by: Option<String>,
    pub returned_on: Option<Date>,
    pub condition_in: Option<MachineCondition>,
    pub usage_minutes: Option<i64>,
    pub usage_m2: Option<i64>,
    pub damage_note: Option<String>,
    pub note: Option<String>,
    pub version: Version,
}

impl Loan {
    /// Whether the loan is out past its due date on `today`.
    pub fn overdue_on(&self, today: Date) -> bool {
        self.status == LoanStatus::Out && self.due_on < today
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLoan {
    pub machine_id: Id,
    pub group_id: Id,
    pub program_id: Option<Id>,
    pub starts_on: Date,
    pub due_on: Date,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LoanDraft {
    pub machine_id: String,
    pub group_id: String,
    #[serde(default)]
    pub program_id: Option<String>,
    pub starts_on: String,
    pub due_on: String,
    #[serde(default)]
    pub note: Option<String>,
}

impl LoanDraft {
    pub fn parse(&self) -> Result<NewLoan, Invalid> {
        let mut c = Checker::new();
        let machine_id = c.field("machine_id", text::id(&self.machine_id));
        let group_id = c.field("group_id", text::id(&self.group_id));
        let program_id = match self.program_id.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(s) => c.field("program_id", text::id(s)).map(Some),
        };
        let starts_on = c.field("starts_on", text::date(&self.starts_on));
        let due_on = c.field("due_on", text::date(&self.due_on));
        if let (Some(s), Some(d)) = (starts_on, due_on)
            && d < s
        {
            c.push("due_on", "is before the start date");
        }
        let note = c.field("note", text::optional_text(self.note.as_deref(), 1000));
        c.finish()?;
        match (machine_id, group_id, program_id, starts_on, due_on, note) {
            (Some(machine_id), Some(group_id), Some(program_id), Some(starts_on), Some(due_on), Some(note)) => {
                Ok(NewLoan { machine_id, group_id, program_id, starts_on, due_on, note })
            }
            _ => Err(Invalid::one("loan", "incomplete")),
        }
    }
}

/// The machine leaves with the group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOut {
    pub out_on: Date,
    pub condition_out: MachineCondition,
    pub out_by: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CheckOutDraft {
    pub out_on: String,
    pub condition_out: String,
    pub out_by: String,
}

impl CheckOutDraft {
    pub fn parse(&self) -> Result<CheckOut, Invalid> {
        let mut c = Checker::new();
        let out_on = c.field("out_on", text::date(&self.out_on));
        let condition_out = c.field("condition_out", MachineCondition::parse(&self.condition_out));
        if let Some(why) = condition_out.and_then(MachineCondition::refuses_lending) {
            c.push("condition_out", why);
        }
        let out_by = c.field("out_by", text::text(&self.out_by, 1, 150));
        c.finish()?;
        match (out_on, condition_out, out_by) {
            (Some(out_on), Some(condition_out), Some(out_by)) => Ok(CheckOut { out_on, condition_out, out_by }),
            _ => Err(Invalid::one("loan", "incomplete")),
        }
    }
}

/// The machine comes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Return {
    pub returned_on: Date,
    pub condition_in: MachineCondition,
    pub usage_minutes: Option<i64>,
    pub usage_m2: Option<i64>,
    pub damage_note: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ReturnDraft {
    pub returned_on: String,
    pub condition_in: String,
    /// Hours of use, `1,5` or `1,5 jam` (or `90 menit`).
    #[serde(default)]
    pub usage_hours: Option<String>,
    /// Area worked, `0,25` or `0,25 ha` (or `2500 m2`).
    #[serde(default)]
    pub usage_area: Option<String>,
    #[serde(default)]
    pub damage_note: Option<String>,
}

impl ReturnDraft {
    pub fn parse(&self) -> Result<Return, Invalid> {
        let mut c = Checker::new();
        let returned_on = c.field("returned_on", text::date(&self.returned_on));
        let condition_in = c.field("condition_in", MachineCondition::parse(&self.condition_in));
        let usage_minutes = c.field("usage_hours", optional(self.usage_hours.as_deref(), parse_minutes));
        let usage_m2 = c.field("usage_area", optional(self.usage_area.as_deref(), parse_area_m2));
        let damage_note = c.field("damage_note", text::optional_text(self.damage_note.as_deref(), 1000));
        c.finish()?;
        match (returned_on, condition_in, usage_minutes, usage_m2, damage_note) {
            (Some(returned_on), Some(condition_in), Some(usage_minutes), Some(usage_m2), Some(damage_note)) => {
                Ok(Return { returned_on, condition_in, usage_minutes, usage_m2, damage_note })
            }
            _ => Err(Invalid::one("loan", "incomplete")),
        }
    }
}

// --- Maintenance ------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Maintenance {
    pub id: Id,
    pub machine_id: Id,
    pub done_on: Date,
    pub kind: MaintenanceKind,
    pub description: String,
    /// Whole rupiah.
    pub cost_rp: i64,
    pub condition_after: MachineCondition,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMaintenance {
    pub done_on: Date,
    pub kind: MaintenanceKind,
    pub description: String,
    pub cost_rp: i64,
    pub condition_after: MachineCondition,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MaintenanceDraft {
    pub done_on: String,
    pub kind: String,
    pub description: String,
    /// Whole rupiah, `350000` or `Rp 350.000`.
    #[serde(default)]
    pub cost: String,
    pub condition_after: String,
}

impl MaintenanceDraft {
    pub fn parse(&self) -> Result<NewMaintenance, Invalid> {
        let mut c = Checker::new();
        let done_on = c.field("done_on", text::date(&self.done_on));
        let kind = c.field("kind", MaintenanceKind::parse(&self.kind));
        let description = c.field("description", text::text(&self.description, 1, 1000));
        let cost_rp = c.field("cost", optional(Some(&self.cost), parse_rupiah).map(|v| v.unwrap_or(0)));
        let condition_after = c.field("condition_after", MachineCondition::parse(&self.condition_after));
        c.finish()?;
        match (done_on, kind, description, cost_rp, condition_after) {
            (Some(done_on), Some(kind), Some(description), Some(cost_rp), Some(condition_after)) => {
                Ok(NewMaintenance { done_on, kind, description, cost_rp, condition_after })
            }
            _ => Err(Invalid::one("maintenance", "incomplete")),
        }
    }
}

// --- Numbers ----------------------------------------------------------------------------------

pub(crate) fn optional<T>(raw: Option<&str>, parse: impl Fn(&str) -> Result<T, String>) -> Result<Option<T>, String> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => parse(s).map(Some),
    }
}

/// The largest quantity accepted (far above any real use; keeps sums in range).
const MAX_QUANTITY: i128 = 1_000_000_000_000;

/// Splits `1,5 jam` into the number and the unit (lower-cased, may be empty).
fn number_and_unit(raw: &str) -> Result<(&str, String), String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("is required".into());
    }
    let at = s.find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '+' | ' '))).unwrap_or(s.len());
    if s[..at].trim().is_empty() {
        return Err(format!("`{}` is not a number", text::shorten(s)));
    }
    Ok((s[..at].trim(), s[at..].trim().to_lowercase()))
}

/// A decimal written Indonesian style (`1.234,5`) or with a point (`2.25`), as an exact
/// fraction `mantissa / 10^scale`. With both marks the last one is the decimal mark; a comma
/// alone is the decimal mark; a single point is the decimal mark, several points group
/// thousands (money: `point_groups`, a point always groups thousands).
fn decimal(raw: &str, point_groups: bool) -> Result<(i128, u32), String> {
    if raw.trim().is_empty() {
        return Err("is required".into());
    }
    let s: String = raw.chars().filter(|c| *c != ' ').collect();
    if s.starts_with('-') {
        return Err("must not be negative".into());
    }
    let s = s.trim_start_matches('+');
    let not_number = || format!("`{}` is not a number", text::shorten(raw.trim()));
    if s.is_empty() {
        return Err(not_number());
    }
    let (commas, points) = (s.matches(',').count(), s.matches('.').count());
    let decimal_mark = match (commas, points) {
        (0, 0) => None,
        (1, 0) => Some(','),
        (0, 1) if !point_groups => Some('.'),
        (0, _) => None,
        (1, _) if s.rfind(',') > s.rfind('.') => Some(','),
        (_, 1) if s.rfind('.') > s.rfind(',') => Some('.'),
        _ => return Err(not_number()),
    };
    let (whole, frac) = match decimal_mark {
        Some(mark) => s.split_once(mark).unwrap_or((s, "")),
        None => (s, ""),
    };
    let group = if decimal_mark == Some(',') || decimal_mark.is_none() { '.' } else { ',' };
    let groups: Vec<&str> = whole.split(group).collect();
    let grouped_ok = groups.len() == 1
        || (!groups[0].is_empty() && groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3));
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !grouped_ok || !groups.iter().all(|g| digits(g)) || !(frac.is_empty() || digits(frac)) {
        return Err(not_number());
    }
    if frac.len() > 9 || whole.len() > 20 {
        return Err("is too large".into());
    }
    let mut mantissa: i128 = 0;
    for b in groups.concat().bytes().chain(frac.bytes()) {
        mantissa = mantissa * 10 + i128::from(b - b'0');
    }
    Ok((mantissa, frac.len() as u32))
}

/// `mantissa / 10^scale × factor` as a whole number, or the error naming `unit`.
fn exact(raw: &str, mantissa: i128, scale: u32, factor: i128, unit: &str) -> Result<i64, String> {
    let scaled = mantissa * factor;
    let div = 10_i128.pow(scale);
    if scaled % div != 0 {
        return Err(format!("`{}` is not a whole number of {unit}", text::shorten(raw.trim())));
    }
    let v = scaled / div;
    if v > MAX_QUANTITY {
        return Err("is too large".into());
    }
    Ok(v as i64)
}

/// Hours of use as whole minutes: `1,5`, `1,5 jam`, `2.25 h` (hours) or `90 menit`.
pub fn parse_minutes(raw: &str) -> Result<i64, String> {
    let (number, unit) = number_and_unit(raw)?;
    let factor = match unit.as_str() {
        "" | "jam" | "j" | "h" | "hour" | "hours" => 60,
        "menit" | "min" | "m" | "minutes" => 1,
        _ => return Err(format!("`{}` is not a unit of time (use jam or menit)", text::shorten(&unit))),
    };
    let (mantissa, scale) = decimal(number, false)?;
    exact(raw, mantissa, scale, factor, "minutes")
}

/// An area as whole m²: `0,25`, `0,25 ha` (hectares) or `2500 m2`.
pub fn parse_area_m2(raw: &str) -> Result<i64, String> {
    let (number, unit) = number_and_unit(raw)?;
    let factor = match unit.as_str() {
        "" | "ha" | "hektar" | "hectare" | "hectares" => 10_000,
        "m2" | "m²" | "meter persegi" => 1,
        _ => return Err(format!("`{}` is not a unit of area (use ha or m2)", text::shorten(&unit))),
    };
    let (mantissa, scale) = decimal(number, false)?;
    exact(raw, mantissa, scale, factor, "m²")
}

/// Whole rupiah: `350000`, `350.000`, `Rp 350.000` or `Rp350.000,00`.
pub fn parse_rupiah(raw: &str) -> Result<i64, String> {
    let s = raw.trim();
    let s = s.strip_prefix("Rp").or_else(|| s.strip_prefix("rp")).or_else(|| s.strip_prefix("RP")).unwrap_or(s);
    let s = s.trim().trim_start_matches('.').trim();
    let (mantissa, scale) = decimal(s, true)?;
    exact(raw, mantissa, scale, 1, "rupiah")
}

/// A quantity as whole thousandths, exactly: `120,5` → 120 500; more than three decimals is
/// refused, never rounded.
pub fn parse_milli(raw: &str) -> Result<i64, String> {
    let (mantissa, scale) = decimal(raw.trim(), false)?;
    exact(raw, mantissa, scale, 1000, "thousandths")
}

/// Thousandths, Indonesian style: 120 500 → `120,5`.
pub fn format_milli(milli: i64) -> String {
    fraction(milli, 1000, 3)
}

/// Groups the digits of `n` Indonesian style: `1.234.567`.
pub fn group_digits(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// `whole / 10^places`, Indonesian style, without trailing zeros: `1.234,5`.
fn fraction(n: i64, per_unit: i64, places: u32) -> String {
    let whole = n / per_unit;
    let rest = n % per_unit;
    let scaled = rest * 10_i64.pow(places) / per_unit;
    let mut out = group_digits(whole);
    if scaled > 0 {
        let f = format!("{scaled:0width$}", width = places as usize);
        out.push(',');
        out.push_str(f.trim_end_matches('0'));
    }
    out
}

/// Minutes as hours, Indonesian style: 90 → `1,5 jam`; 80 → `1,33 jam` (two places, cut).
pub fn format_hours(minutes: i64) -> String {
    format!("{} jam", fraction(minutes, 60, 2))
}

/// m² as hectares, Indonesian style: 2500 → `0,25 ha`; 12345 → `1,2345 ha`.
pub fn format_hectares(m2: i64) -> String {
    format!("{} ha", fraction(m2, 10_000, 4))
}

/// Whole rupiah: `Rp 1.250.000`.
pub fn format_rupiah(rp: i64) -> String {
    format!("Rp {}", group_digits(rp))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn hours_parse_exactly_to_minutes() {
        assert_eq!(parse_minutes("1,5 jam"), Ok(90));
        assert_eq!(parse_minutes("1,5"), Ok(90));
        assert_eq!(parse_minutes("2.25 h"), Ok(135));
        assert_eq!(parse_minutes("90 menit"), Ok(90));
        assert_eq!(parse_minutes("1.234,5 jam"), Ok(74_070));
        assert!(parse_minutes("1,333").unwrap_err().contains("whole number of minutes"));
        assert!(parse_minutes("-1").unwrap_err().contains("negative"));
        assert!(parse_minutes("1,5 kg").unwrap_err().contains("unit of time"));
        assert!(parse_minutes("abc").unwrap_err().contains("not a number"));
        assert!(parse_minutes("1,2,3").unwrap_err().contains("not a number"));
    }

    #[test]
    fn hectares_parse_exactly_to_m2() {
        assert_eq!(parse_area_m2("0,25 ha"), Ok(2_500));
        assert_eq!(parse_area_m2("0,25"), Ok(2_500));
        assert_eq!(parse_area_m2("1,5"), Ok(15_000));
        assert_eq!(parse_area_m2("2500 m2"), Ok(2_500));
        assert_eq!(parse_area_m2("0,0001 ha"), Ok(1));
        assert!(parse_area_m2("0,00001 ha").unwrap_err().contains("whole number of m²"));
        assert!(parse_area_m2("3 are").unwrap_err().contains("unit of area"));
    }

    #[test]
    fn rupiah_are_whole() {
        assert_eq!(parse_rupiah("Rp 350.000"), Ok(350_000));
        assert_eq!(parse_rupiah("350000"), Ok(350_000));
        assert_eq!(parse_rupiah("350.000"), Ok(350_000));
        assert!(parse_rupiah("35.00").is_err(), "a point groups thousands in rupiah");
        assert_eq!(parse_rupiah("Rp1.250.000,00"), Ok(1_250_000));
        assert!(parse_rupiah("12,5").unwrap_err().contains("whole number of rupiah"));
        assert!(parse_rupiah("-5").is_err());
    }

    #[test]
    fn numbers_show_indonesian_style() {
        assert_eq!(format_hours(90), "1,5 jam");
        assert_eq!(format_hours(600), "10 jam");
        assert_eq!(format_hectares(2_500), "0,25 ha");
        assert_eq!(format_hectares(123_450_000), "12.345 ha");
        assert_eq!(format_rupiah(1_250_000), "Rp 1.250.000");
        assert_eq!(group_digits(999), "999");
    }

    #[test]
    fn periods_are_inclusive() {
        let a = (date!(2025 - 03 - 01), date!(2025 - 03 - 05));
        assert!(periods_overlap(a, (date!(2025 - 03 - 05), date!(2025 - 03 - 07))), "ends the day the other starts");
        assert!(!periods_overlap(a, (date!(2025 - 03 - 06), date!(2025 - 03 - 07))), "starts the day after");
        assert!(periods_overlap(a, (date!(2025 - 02 - 20), date!(2025 - 03 - 01))));
        assert!(!periods_overlap(a, (date!(2025 - 02 - 20), date!(2025 - 02 - 28))));
    }

    #[test]
    fn drafts_name_their_fields() {
        let d = LoanDraft {
            machine_id: "1".into(),
            group_id: "2".into(),
            starts_on: "2025-03-05".into(),
            due_on: "2025-03-04".into(),
            ..Default::default()
        };
        let e = d.parse().unwrap_err();
        assert_eq!(e.0[0].field, "due_on");
        let r = ReturnDraft {
            returned_on: "2025-03-05".into(),
            condition_in: "good".into(),
            usage_hours: Some("1,5 jam".into()),
            usage_area: Some("0,25 ha".into()),
            damage_note: None,
        };
        let r = r.parse().unwrap();
        assert_eq!((r.usage_minutes, r.usage_m2), (Some(90), Some(2_500)));
        let out =
            CheckOutDraft { out_on: "2025-03-05".into(), condition_out: "in_repair".into(), out_by: "Sri".into() };
        assert_eq!(out.parse().unwrap_err().0[0].field, "condition_out");
    }
}
