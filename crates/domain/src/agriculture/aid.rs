//! Input aid (bantuan saprodi): members' land per crop, the per-hectare dose table, the
//! season allocation plan computed from them, and the distributions made against the plan.
//!
//! Quantities are whole numbers in a base unit: grams (`g`), millilitres (`ml`) or pieces;
//! land in whole square metres. Kilograms, tonnes, litres and hectares are only ways of
//! writing them: [`parse_amount`] and [`parse_area`] read a decimal ("1,5 ha", "2.25 kg")
//! exactly into the base unit, with no floating point anywhere, and refuse what the base unit
//! cannot hold ("0,00001 ha" is a tenth of a square metre).
//!
//! The allocation ([`allocate`]) follows the e-RDKK rule: a member's land counts up to a cap
//! (2 ha by default; [`CapRule`]), and the part over it is not counted. For each member, crop
//! and input item: `quantity = floor(eligible_m2 × dose_per_ha / 10 000)` in the base unit
//! (rounded down to the gram, millilitre or piece).

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::registry::text::{self, Checker, Invalid, shorten};
use crate::registry::{Id, Version};
use crate::vocabulary;

vocabulary! {
    /// The crops land is registered under.
    Crop {
        Rice => "rice", "Padi", "Rice";
        Maize => "maize", "Jagung", "Maize";
        Soybean => "soybean", "Kedelai", "Soybean";
        Chilli => "chilli", "Cabai", "Chilli";
        Shallot => "shallot", "Bawang merah", "Shallot";
        Garlic => "garlic", "Bawang putih", "Garlic";
        Sugarcane => "sugarcane", "Tebu", "Sugarcane";
        Cocoa => "cocoa", "Kakao", "Cocoa";
        Coffee => "coffee", "Kopi", "Coffee";
        DragonFruit => "dragon_fruit", "Buah naga", "Dragon fruit";
        Other => "other", "Lainnya", "Other";
    }
}

vocabulary! {
    /// What an input item is.
    ItemKind {
        Seed => "seed", "Benih", "Seed";
        Seedling => "seedling", "Bibit", "Seedling";
        Fertilizer => "fertilizer", "Pupuk", "Fertilizer";
        Pesticide => "pesticide", "Pestisida", "Pesticide";
        Other => "other", "Lainnya", "Other";
    }
}

vocabulary! {
    /// The base unit an item is counted in.
    BaseUnit {
        Gram => "g", "gram", "gram";
        Millilitre => "ml", "mililiter", "millilitre";
        Piece => "piece", "buah", "piece";
    }
}

vocabulary! {
    /// The planting season (musim tanam) of a year.
    Term {
        Mt1 => "mt1", "MT1", "MT1";
        Mt2 => "mt2", "MT2", "MT2";
        Mt3 => "mt3", "MT3", "MT3";
    }
}

vocabulary! {
    /// How land above the cap counts.
    OverCap {
        /// The member's land counts up to the cap; the part over it is not counted (default).
        Truncate => "truncate", "Dihitung sampai batas; kelebihannya tidak dihitung", "Counted up to the cap; the excess is not counted";
        /// A member with more land than the cap gets nothing.
        Exclude => "exclude", "Anggota di atas batas tidak mendapat alokasi", "Members above the cap get nothing";
    }
}

/// The largest quantity or area accepted (a thousand tonnes in grams).
pub const MAX_AMOUNT: i64 = 1_000_000_000_000;

/// One hectare in square metres.
pub const HECTARE_M2: i64 = 10_000;

// --- Numbers ------------------------------------------------------------------------------

/// A decimal number written with one decimal comma or point ("1,5", "2.25", "250"), read
/// exactly as `value × 10^exp` in whole units; `what` names the unit in the message when the
/// number is more precise than a whole unit.
pub fn scaled(raw: &str, exp: u32, what: &str) -> Result<i64, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("is required".into());
    }
    if s.starts_with('-') {
        return Err("must be more than zero".into());
    }
    let s = s.strip_prefix('+').unwrap_or(s);
    let not_a_number = || {
        format!(
            "`{}` is not a number (write e.g. 1,5: one decimal comma, no thousands separators)",
            shorten(raw.trim())
        )
    };
    let mut parts = s.split([',', '.']);
    let whole = parts.next().unwrap_or("");
    let fraction = parts.next().unwrap_or("");
    if parts.next().is_some()
        || whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
        || (s.len() > whole.len() && fraction.is_empty())
    {
        return Err(not_a_number());
    }
    let exp = exp as usize;
    let (kept, dropped) = if fraction.len() > exp { fraction.split_at(exp) } else { (fraction, "") };
    if dropped.bytes().any(|b| b != b'0') {
        return Err(format!("`{}` is more precise than one {what}", shorten(raw.trim())));
    }
    let too_large = || format!("`{}` is too large", shorten(raw.trim()));
    let whole = whole.trim_start_matches('0');
    if whole.len() > 18 {
        return Err(too_large());
    }
    let mut value: i128 = if whole.is_empty() { 0 } else { whole.parse::<i128>().map_err(|_| not_a_number())? };
    for _ in 0..exp {
        value *= 10;
    }
    let mut frac: i128 = 0;
    for i in 0..exp {
        let digit = kept.as_bytes().get(i).map_or(0, |b| i128::from(b - b'0'));
        frac = frac * 10 + digit;
    }
    let value = value + frac;
    if value > i128::from(MAX_AMOUNT) {
        return Err(too_large());
    }
    let value = i64::try_from(value).map_err(|_| too_large())?;
    if value == 0 {
        return Err("must be more than zero".into());
    }
    Ok(value)
}

/// A unit one may write and what it is in a base unit: `(base, power of ten)`.
fn unit_of(unit: &str) -> Option<(Measure, u32)> {
    let u = unit.trim().to_lowercase();
    Some(match u.as_str() {
        "g" | "gr" | "gram" => (Measure::Mass, 0),
        "kg" | "kilo" | "kilogram" => (Measure::Mass, 3),
        "kuintal" | "kw" | "ku" => (Measure::Mass, 5),
        "ton" | "t" => (Measure::Mass, 6),
        "ml" | "mililiter" | "millilitre" | "milliliter" => (Measure::Volume, 0),
        "l" | "lt" | "ltr" | "liter" | "litre" => (Measure::Volume, 3),
        "piece" | "pieces" | "pcs" | "pc" | "buah" | "bh" | "batang" | "btg" | "bibit" | "polybag" => {
            (Measure::Count, 0)
        }
        "m2" | "m²" | "meter persegi" => (Measure::Area, 0),
        "are" => (Measure::Area, 2),
        "ha" | "hektar" | "hektare" | "hectare" => (Measure::Area, 4),
        _ => return None,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Measure {
    Mass,
    Volume,
    Count,
    Area,
}

impl Measure {
    fn of(base: BaseUnit) -> Measure {
        match base {
            BaseUnit::Gram => Measure::Mass,
            BaseUnit::Millilitre => Measure::Volume,
            BaseUnit::Piece => Measure::Count,
        }
    }

    /// The units one may write for this measure, for messages.
    fn units(self) -> &'static str {
        match self {
            Measure::Mass => "g, kg, kuintal, ton",
            Measure::Volume => "ml, l",
            Measure::Count => "buah, pcs, batang, bibit",
            Measure::Area => "m2, are, ha",
        }
    }

    fn base_name(self) -> &'static str {
        match self {
            Measure::Mass => "gram",
            Measure::Volume => "millilitre",
            Measure::Count => "piece",
            Measure::Area => "square metre",
        }
    }
}

/// Splits "2,5 kg" into ("2,5", "kg"); the unit is empty when none is written.
fn split_unit(raw: &str) -> (&str, &str) {
    let s = raw.trim();
    let end = s.find(|c: char| !(c.is_ascii_digit() || matches!(c, ',' | '.' | '-' | '+' | ' '))).unwrap_or(s.len());
    (s[..end].trim(), s[end..].trim())
}

/// Why an amount was refused, and on which field: the number (`quantity`) or the unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AmountError {
    Quantity(String),
    Unit(String),
}

impl AmountError {
    /// Records the error under `quantity_field` or `unit_field`.
    pub fn record(self, c: &mut Checker, quantity_field: &str, unit_field: &str) {
        match self {
            AmountError::Quantity(m) => c.push(quantity_field, m),
            AmountError::Unit(m) => c.push(unit_field, m),
        }
    }
}

fn amount_in(raw: &str, unit: Option<&str>, measure: Measure, default_exp: Option<u32>) -> Result<i64, AmountError> {
    let (number, written) = split_unit(raw);
    let unit = if written.is_empty() { unit.map(str::trim).unwrap_or("") } else { written };
    let exp = if unit.is_empty() {
        match default_exp {
            Some(e) => e,
            None if number.is_empty() => return Err(AmountError::Quantity("is required".into())),
            None => return Err(AmountError::Unit(format!("is required (one of: {})", measure.units()))),
        }
    } else {
        match unit_of(unit) {
            Some((m, e)) if m == measure => e,
            Some(_) => {
                return Err(AmountError::Unit(format!(
                    "`{}` does not measure {}s; use one of: {}",
                    shorten(unit),
                    measure.base_name(),
                    measure.units()
                )));
            }
            None => {
                return Err(AmountError::Unit(format!(
                    "`{}` is not a known unit; use one of: {}",
                    shorten(unit),
                    measure.units()
                )));
            }
        }
    };
    if number.is_empty() && !raw.trim().is_empty() && !written.is_empty() {
        return Err(AmountError::Quantity(format!(
            "`{}` is not a number (write e.g. 1,5: one decimal comma, no thousands separators)",
            shorten(raw.trim())
        )));
    }
    scaled(number, exp, measure.base_name()).map_err(AmountError::Quantity)
}

/// A quantity of an item counted in `base`, written with its unit ("25 kg", "1,5 l", "40
/// bibit") or as a number with the unit given apart (`unit`). Zero and negative amounts,
/// unknown units and units of another measure are refused.
pub fn parse_amount(raw: &str, unit: Option<&str>, base: BaseUnit) -> Result<i64, AmountError> {
    amount_in(raw, unit, Measure::of(base), None)
}

/// An area in whole square metres, written in m² (the default: "2500"), are or hectares
/// ("0,25 ha" → 2 500).
pub fn parse_area(raw: &str) -> Result<i64, String> {
    amount_in(raw, None, Measure::Area, Some(0)).map_err(|e| match e {
        AmountError::Quantity(m) | AmountError::Unit(m) => m,
    })
}

/// `1234567` as `1.234.567` (Indonesian thousands separators).
pub fn thousands(n: i64) -> String {
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

/// `n / 10^exp` written the Indonesian way: `1.234,5` (no trailing zeros).
pub fn decimal(n: i64, exp: u32) -> String {
    let scale = 10_i64.pow(exp);
    let (whole, rest) = (n / scale, (n % scale).abs());
    let mut s = thousands(whole);
    if n < 0 && whole == 0 {
        s = format!("-{s}");
    }
    if rest > 0 {
        let frac = format!("{rest:0width$}", width = exp as usize);
        s.push(',');
        s.push_str(frac.trim_end_matches('0'));
    }
    s
}

/// A quantity in its base unit as people read it: `1.234,5 kg`, `250 g`, `2 l`, `40 buah`.
pub fn show_amount(n: i64, base: BaseUnit, lang: &str) -> String {
    match base {
        BaseUnit::Gram if n.abs() >= 1_000 => format!("{} kg", decimal(n, 3)),
        BaseUnit::Gram => format!("{} g", thousands(n)),
        BaseUnit::Millilitre if n.abs() >= 1_000 => format!("{} l", decimal(n, 3)),
        BaseUnit::Millilitre => format!("{} ml", thousands(n)),
        BaseUnit::Piece => format!("{} {}", thousands(n), if lang == "en" { "pcs" } else { "buah" }),
    }
}

/// An area as people read it: `2.500 m²`, or `1,25 ha` from a hectare up.
pub fn show_area(m2: i64) -> String {
    if m2.abs() >= HECTARE_M2 { format!("{} ha", decimal(m2, 4)) } else { format!("{} m²", thousands(m2)) }
}

// --- Season -------------------------------------------------------------------------------

/// A planting season: `MT1 2023`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Season {
    pub year: i32,
    pub term: Term,
}

impl Season {
    /// Reads `MT1 2023` (also `mt1-2023`, `MT1/2023`).
    pub fn parse(raw: &str) -> Result<Season, String> {
        let s = raw.trim();
        if s.is_empty() {
            return Err("is required".into());
        }
        let bad = || format!("`{}` is not a season written like MT1 2023 (MT1, MT2 or MT3, then the year)", shorten(s));
        let mut parts = s.split([' ', '-', '/']).filter(|p| !p.is_empty());
        let (Some(term), Some(year), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        let term = Term::parse(term).map_err(|_| bad())?;
        let year: i32 = year.parse().map_err(|_| bad())?;
        if !(2000..=2100).contains(&year) {
            return Err(format!("the year {year} is not between 2000 and 2100"));
        }
        Ok(Season { year, term })
    }

    /// `MT1 2023`.
    pub fn code(&self) -> String {
        format!("{} {}", self.term.label("id"), self.year)
    }
}

impl std::fmt::Display for Season {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.code())
    }
}

// --- Land ---------------------------------------------------------------------------------

/// A member's land under one crop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Land {
    pub id: Id,
    pub person_id: Id,
    /// The owner's name, joined in for display.
    pub person_name: String,
    pub crop: Crop,
    pub area_m2: i64,
    pub note: Option<String>,
    pub version: Version,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLand {
    pub person_id: Id,
    pub crop: Crop,
    pub area_m2: i64,
    pub note: Option<String>,
}

/// Land as a form or the API sends it: the area in m² or ha ("0,25 ha").
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LandDraft {
    pub person_id: String,
    pub crop: String,
    /// In m² or ha: `2500`, `0,25 ha`.
    pub land_area: String,
    #[serde(default)]
    pub note: Option<String>,
}

impl LandDraft {
    pub fn parse(&self) -> Result<NewLand, Invalid> {
        let mut c = Checker::new();
        let person_id = c.field("person_id", text::id(&self.person_id));
        let crop = c.field("crop", Crop::parse(&self.crop));
        let area_m2 = c.field("land_area", parse_area(&self.land_area));
        let note = c.field("note", text::optional_text(self.note.as_deref(), 500));
        c.finish()?;
        match (person_id, crop, area_m2, note) {
            (Some(person_id), Some(crop), Some(area_m2), Some(note)) => Ok(NewLand { person_id, crop, area_m2, note }),
            _ => Err(Invalid::one("land", "incomplete")),
        }
    }
}

impl From<&Land> for LandDraft {
    fn from(l: &Land) -> Self {
        LandDraft {
            person_id: l.person_id.to_string(),
            crop: l.crop.code().into(),
            land_area: format!("{} m2", l.area_m2),
            note: l.note.clone(),
        }
    }
}

// --- Items and doses ----------------------------------------------------------------------

/// An input item: urea, SP-36, seed of a variety…
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub id: Id,
    pub code: String,
    pub name: String,
    pub kind: ItemKind,
    pub unit: BaseUnit,
    pub version: Version,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewItem {
    pub code: String,
    pub name: String,
    pub kind: ItemKind,
    pub unit: BaseUnit,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ItemDraft {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub unit: String,
}

/// An item code: lower-case letters, digits, `_` and `-`, up to 40.
fn item_code(raw: &str) -> Result<String, String> {
    let s = raw.trim().to_lowercase();
    if s.is_empty() {
        return Err("is required".into());
    }
    if s.len() > 40 || !s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-') {
        return Err(format!("`{}` is not a code (letters, digits, _ and -, up to 40)", shorten(raw.trim())));
    }
    Ok(s)
}

impl ItemDraft {
    pub fn parse(&self) -> Result<NewItem, Invalid> {
        let mut c = Checker::new();
        let code = c.field("code", item_code(&self.code));
        let name = c.field("name", text::text(&self.name, 1, 100));
        let kind = c.field("kind", ItemKind::parse(&self.kind));
        let unit = c.field("unit", BaseUnit::parse(&self.unit));
        c.finish()?;
        match (code, name, kind, unit) {
            (Some(code), Some(name), Some(kind), Some(unit)) => Ok(NewItem { code, name, kind, unit }),
            _ => Err(Invalid::one("item", "incomplete")),
        }
    }
}

/// One row of the dose table: so much of an item per hectare of a crop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dose {
    pub id: Id,
    pub crop: Crop,
    pub item_id: Id,
    /// The item's name and unit, joined in.
    pub item_name: String,
    pub unit: BaseUnit,
    /// Per hectare, in the item's base unit (urea 250 kg/ha: 250 000).
    pub per_ha: i64,
    /// Where the figure comes from.
    pub source: Option<String>,
    pub version: Version,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDose {
    pub crop: Crop,
    pub item_id: Id,
    pub per_ha: i64,
    pub source: Option<String>,
}

/// A dose as a form or the API sends it: `per_ha` with its unit ("250 kg") or apart.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DoseDraft {
    pub crop: String,
    pub item_id: String,
    pub per_ha: String,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
}

impl DoseDraft {
    /// The item id alone, to look the item (and its unit) up before [`DoseDraft::parse`].
    pub fn item(&self) -> Result<Id, Invalid> {
        text::id(&self.item_id).map_err(|m| Invalid::one("item_id", m))
    }

    /// Parses the dose of an item counted in `base`.
    pub fn parse(&self, base: BaseUnit) -> Result<NewDose, Invalid> {
        let mut c = Checker::new();
        let crop = c.field("crop", Crop::parse(&self.crop));
        let item_id = c.field("item_id", text::id(&self.item_id));
        let per_ha = match parse_amount(&self.per_ha, self.unit.as_deref(), base) {
            Ok(v) => Some(v),
            Err(e) => {
                e.record(&mut c, "per_ha", "unit");
                None
            }
        };
        let source = c.field("source", text::optional_text(self.source.as_deref(), 300));
        c.finish()?;
        match (crop, item_id, per_ha, source) {
            (Some(crop), Some(item_id), Some(per_ha), Some(source)) => Ok(NewDose { crop, item_id, per_ha, source }),
            _ => Err(Invalid::one("dose", "incomplete")),
        }
    }
}

/// How much land counts: up to `cap_m2`, and what happens above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapRule {
    pub cap_m2: i64,
    pub over_cap: OverCap,
}

impl Default for CapRule {
    /// The e-RDKK rule: 2 ha, counted up to the cap.
    fn default() -> Self {
        CapRule { cap_m2: 2 * HECTARE_M2, over_cap: OverCap::Truncate }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CapRuleDraft {
    pub cap: String,
    pub over_cap: String,
}

impl CapRuleDraft {
    pub fn parse(&self) -> Result<CapRule, Invalid> {
        let mut c = Checker::new();
        let cap_m2 = c.field("cap", parse_area(&self.cap));
        let over_cap = c.field("over_cap", OverCap::parse(&self.over_cap));
        c.finish()?;
        match (cap_m2, over_cap) {
            (Some(cap_m2), Some(over_cap)) => Ok(CapRule { cap_m2, over_cap }),
            _ => Err(Invalid::one("cap", "incomplete")),
        }
    }
}

// --- Allocation -----------------------------------------------------------------------------

/// A member's land, as the allocation reads it: every parcel, by crop (several rows of one
/// crop add up).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberLand {
    pub person_id: Id,
    pub parcels: Vec<(Crop, i64)>,
}

/// A dose as the allocation reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DoseRate {
    pub crop: Crop,
    pub item_id: Id,
    pub per_ha: i64,
}

/// One line of an allocation: a member's quantity of an item for a crop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allocation {
    pub person_id: Id,
    pub crop: Crop,
    pub item_id: Id,
    /// The member's land under the crop that counts, after the cap.
    pub eligible_m2: i64,
    pub per_ha: i64,
    /// `floor(eligible_m2 × per_ha / 10 000)`, in the item's base unit.
    pub quantity: i64,
}

/// The season allocation of `crops` (in the plan's order) for `members`, from the dose
/// table and the cap rule.
///
/// - Only land under the plan's crops counts; several parcels of one crop add up.
/// - The cap is shared crop by crop in the plan's order: the first crop's land counts up to
///   the cap, the next crop's up to what is left, and so on ([`OverCap::Truncate`]). With
///   [`OverCap::Exclude`], a member whose land under the plan's crops exceeds the cap gets no
///   line at all.
/// - For each crop with eligible land and each dose of that crop, one line with
///   `quantity = floor(eligible_m2 × per_ha / 10 000)`: rounded down, so a plan never gives
///   more than the table says.
///
/// Lines come in the members' order, then the crops', then the doses'.
pub fn allocate(members: &[MemberLand], doses: &[DoseRate], crops: &[Crop], rule: CapRule) -> Vec<Allocation> {
    let mut out = Vec::new();
    for m in members {
        let mut by_crop: Vec<(Crop, i64)> = Vec::with_capacity(crops.len());
        for &crop in crops {
            let area: i64 = m.parcels.iter().filter(|(c, _)| *c == crop).map(|(_, a)| (*a).max(0)).sum();
            if area > 0 {
                by_crop.push((crop, area));
            }
        }
        let total: i64 = by_crop.iter().map(|(_, a)| a).sum();
        if rule.over_cap == OverCap::Exclude && total > rule.cap_m2 {
            continue;
        }
        let mut left = rule.cap_m2.max(0);
        for (crop, area) in by_crop {
            let eligible = area.min(left);
            left -= eligible;
            if eligible == 0 {
                continue;
            }
            for d in doses.iter().filter(|d| d.crop == crop) {
                out.push(Allocation {
                    person_id: m.person_id,
                    crop,
                    item_id: d.item_id,
                    eligible_m2: eligible,
                    per_ha: d.per_ha,
                    quantity: quantity(eligible, d.per_ha),
                });
            }
        }
    }
    out
}

/// `floor(area_m2 × per_ha / 10 000)`, computed in 128 bits.
pub fn quantity(area_m2: i64, per_ha: i64) -> i64 {
    let q = i128::from(area_m2.max(0)) * i128::from(per_ha.max(0)) / i128::from(HECTARE_M2);
    i64::try_from(q).unwrap_or(i64::MAX)
}

/// Totals per item, in the order items first appear.
pub fn totals(lines: &[Allocation]) -> Vec<(Id, i64)> {
    let mut out: Vec<(Id, i64)> = Vec::new();
    for l in lines {
        match out.iter_mut().find(|(i, _)| *i == l.item_id) {
            Some((_, q)) => *q += l.quantity,
            None => out.push((l.item_id, l.quantity)),
        }
    }
    out
}

// --- Plans ----------------------------------------------------------------------------------

/// A season allocation plan of a group in a program, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub id: Id,
    pub program_id: Id,
    pub group_id: Id,
    /// The group's name, joined in.
    pub group_name: String,
    pub season: Season,
    pub crops: Vec<Crop>,
    /// The cap rule the plan was computed with.
    pub rule: CapRule,
    pub computed_by: Option<Id>,
    pub computed_by_name: String,
    pub computed_at: OffsetDateTime,
    pub version: Version,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPlan {
    pub program_id: Id,
    pub group_id: Id,
    pub season: Season,
    pub crops: Vec<Crop>,
}

/// A plan as a form or the API asks for it: crops as codes (a list, or one text with commas).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PlanDraft {
    pub program_id: String,
    pub group_id: String,
    pub season: String,
    #[serde(default)]
    pub crops: Vec<String>,
}

impl PlanDraft {
    pub fn parse(&self) -> Result<NewPlan, Invalid> {
        let mut c = Checker::new();
        let program_id = c.field("program_id", text::id(&self.program_id));
        let group_id = c.field("group_id", text::id(&self.group_id));
        let season = c.field("season", Season::parse(&self.season));
        let mut crops = Vec::new();
        for raw in self.crops.iter().flat_map(|s| s.split(',')).map(str::trim).filter(|s| !s.is_empty()) {
            match Crop::parse(raw) {
                Ok(crop) if !crops.contains(&crop) => crops.push(crop),
                Ok(_) => {}
                Err(m) => c.push("crops", m),
            }
        }
        if crops.is_empty() && c.is_ok() {
            c.push("crops", "name at least one crop");
        }
        c.finish()?;
        match (program_id, group_id, season) {
            (Some(program_id), Some(group_id), Some(season)) => Ok(NewPlan { program_id, group_id, season, crops }),
            _ => Err(Invalid::one("plan", "incomplete")),
        }
    }
}

/// One stored line of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanLine {
    pub id: Id,
    pub plan_id: Id,
    pub person_id: Id,
    pub person_name: String,
    pub crop: Crop,
    pub item_id: Id,
    pub item_name: String,
    pub unit: BaseUnit,
    pub eligible_m2: i64,
    pub per_ha: i64,
    pub quantity: i64,
}

// --- Distributions ----------------------------------------------------------------------------

/// Aid handed to a member against a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Distribution {
    pub id: Id,
    pub plan_id: Id,
    pub person_id: Id,
    pub person_name: String,
    pub item_id: Id,
    pub item_name: String,
    pub unit: BaseUnit,
    pub quantity: i64,
    pub given_on: Date,
    pub received_by_person_id: Option<Id>,
    pub received_by_name: Option<String>,
    pub note: Option<String>,
    /// Set when an officer let it exceed the plan; the reason they gave.
    pub override_reason: Option<String>,
    pub recorded_by_name: String,
    pub version: Version,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDistribution {
    pub person_id: Id,
    pub item_id: Id,
    pub quantity: i64,
    pub given_on: Date,
    pub received_by_person_id: Option<Id>,
    pub received_by_name: Option<String>,
    pub note: Option<String>,
    pub override_reason: Option<String>,
}

/// A distribution as a form or the API sends it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DistributionDraft {
    pub person_id: String,
    pub item_id: String,
    pub quantity: String,
    #[serde(default)]
    pub unit: Option<String>,
    pub given_on: String,
    #[serde(default)]
    pub received_by_person_id: Option<String>,
    #[serde(default)]
    pub received_by_name: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub override_reason: Option<String>,
}

impl DistributionDraft {
    /// The item id alone, to look the item (and its unit) up before parsing.
    pub fn item(&self) -> Result<Id, Invalid> {
        text::id(&self.item_id).map_err(|m| Invalid::one("item_id", m))
    }

    /// Parses a distribution of an item counted in `base`.
    pub fn parse(&self, base: BaseUnit) -> Result<NewDistribution, Invalid> {
        let mut c = Checker::new();
        let person_id = c.field("person_id", text::id(&self.person_id));
        let item_id = c.field("item_id", text::id(&self.item_id));
        let quantity = match parse_amount(&self.quantity, self.unit.as_deref(), base) {
            Ok(v) => Some(v),
            Err(e) => {
                e.record(&mut c, "quantity", "unit");
                None
            }
        };
        let given_on = c.field("given_on", text::date(&self.given_on));
        let received_by_person_id = c.field(
            "received_by_person_id",
            match self.received_by_person_id.as_deref().map(str::trim) {
                None | Some("") => Ok(None),
                Some(s) => text::id(s).map(Some),
            },
        );
        let received_by_name = c.field("received_by_name", text::optional_text(self.received_by_name.as_deref(), 150));
        let note = c.field("note", text::optional_text(self.note.as_deref(), 1000));
        let override_reason = c.field("override_reason", text::optional_text(self.override_reason.as_deref(), 1000));
        if let (Some(Some(_)), Some(Some(_))) = (&received_by_person_id, &received_by_name) {
            c.push("received_by_name", "give either the member who received it or a name, not both");
        }
        c.finish()?;
        match (person_id, item_id, quantity, given_on, received_by_person_id, received_by_name, note, override_reason) {
            (
                Some(person_id),
                Some(item_id),
                Some(quantity),
                Some(given_on),
                Some(received_by_person_id),
                Some(received_by_name),
                Some(note),
                Some(override_reason),
            ) => Ok(NewDistribution {
                person_id,
                item_id,
                quantity,
                given_on,
                received_by_person_id,
                received_by_name,
                note,
                override_reason,
            }),
            _ => Err(Invalid::one("distribution", "incomplete")),
        }
    }
}

/// Planned against received for one member (or a whole group, `person_id` `None`) and item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanVsReceived {
    pub person_id: Option<Id>,
    pub person_name: Option<String>,
    pub item_id: Id,
    pub item_name: String,
    pub unit: BaseUnit,
    pub planned: i64,
    pub received: i64,
}

impl PlanVsReceived {
    /// What is still to be received (never below zero).
    pub fn outstanding(&self) -> i64 {
        (self.planned - self.received).max(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_read_exactly() {
        assert_eq!(parse_area("0,25 ha"), Ok(2_500));
        assert_eq!(parse_area("0.25 ha"), Ok(2_500));
        assert_eq!(parse_area("2500"), Ok(2_500));
        assert_eq!(parse_area("2500 m2"), Ok(2_500));
        assert_eq!(parse_area("2500 m²"), Ok(2_500));
        assert_eq!(parse_area("1,5ha"), Ok(15_000));
        assert_eq!(parse_area("2 ha"), Ok(20_000));
        assert_eq!(parse_area("0,0001 ha"), Ok(1));
        assert_eq!(parse_area("3 are"), Ok(300));
        assert!(parse_area("0,00001 ha").expect_err("too precise").contains("more precise than one square metre"));
        assert!(parse_area("1.234,5 m2").expect_err("two separators").contains("not a number"));
        assert!(parse_area("-1 ha").expect_err("negative").contains("more than zero"));
        assert!(parse_area("0 ha").expect_err("zero").contains("more than zero"));
        assert!(parse_area("2 acre").expect_err("unit").contains("not a known unit"));
        assert!(parse_area("2 kg").expect_err("measure").contains("does not measure square metres"));
        assert!(parse_area("").expect_err("blank").contains("required"));
        assert!(parse_area("ha").expect_err("no number").contains("not a number"));
    }

    #[test]
    fn amounts_read_to_the_base_unit() {
        assert_eq!(parse_amount("2.25 kg", None, BaseUnit::Gram), Ok(2_250));
        assert_eq!(parse_amount("2,25", Some("kg"), BaseUnit::Gram), Ok(2_250));
        assert_eq!(parse_amount("250", Some("g"), BaseUnit::Gram), Ok(250));
        assert_eq!(parse_amount("1,5 ton", None, BaseUnit::Gram), Ok(1_500_000));
        assert_eq!(parse_amount("1,5 l", None, BaseUnit::Millilitre), Ok(1_500));
        assert_eq!(parse_amount("40 bibit", None, BaseUnit::Piece), Ok(40));
        assert_eq!(parse_amount("0,001 kg", None, BaseUnit::Gram), Ok(1));
        assert!(
            matches!(parse_amount("0,0001 kg", None, BaseUnit::Gram), Err(AmountError::Quantity(m)) if m.contains("more precise than one gram"))
        );
        assert!(matches!(parse_amount("1,5", Some("buah"), BaseUnit::Piece), Err(AmountError::Quantity(_))));
        assert!(
            matches!(parse_amount("-5 kg", None, BaseUnit::Gram), Err(AmountError::Quantity(m)) if m == "must be more than zero")
        );
        assert!(
            matches!(parse_amount("0", Some("kg"), BaseUnit::Gram), Err(AmountError::Quantity(m)) if m == "must be more than zero")
        );
        assert!(
            matches!(parse_amount("5 sak", None, BaseUnit::Gram), Err(AmountError::Unit(m)) if m.contains("`sak` is not a known unit"))
        );
        assert!(
            matches!(parse_amount("5", Some("liter"), BaseUnit::Gram), Err(AmountError::Unit(m)) if m.contains("does not measure grams"))
        );
        assert!(
            matches!(parse_amount("5", None, BaseUnit::Gram), Err(AmountError::Unit(m)) if m.contains("is required"))
        );
        assert!(matches!(parse_amount("", Some("kg"), BaseUnit::Gram), Err(AmountError::Quantity(_))));
        assert!(
            matches!(parse_amount("99999999999999999999 kg", None, BaseUnit::Gram), Err(AmountError::Quantity(m)) if m.contains("too large"))
        );
    }

    #[test]
    fn numbers_show_the_indonesian_way() {
        assert_eq!(thousands(1_234_567), "1.234.567");
        assert_eq!(thousands(999), "999");
        assert_eq!(decimal(1_234_500, 3), "1.234,5");
        assert_eq!(show_amount(1_234_500, BaseUnit::Gram, "id"), "1.234,5 kg");
        assert_eq!(show_amount(250, BaseUnit::Gram, "id"), "250 g");
        assert_eq!(show_amount(2_000, BaseUnit::Millilitre, "id"), "2 l");
        assert_eq!(show_amount(40, BaseUnit::Piece, "id"), "40 buah");
        assert_eq!(show_area(2_500), "2.500 m²");
        assert_eq!(show_area(12_500), "1,25 ha");
    }

    #[test]
    fn seasons_parse() {
        assert_eq!(Season::parse("MT1 2023"), Ok(Season { year: 2023, term: Term::Mt1 }));
        assert_eq!(Season::parse(" mt2-2023 ").map(|s| s.code()), Ok("MT2 2023".into()));
        assert!(Season::parse("MT4 2023").is_err());
        assert!(Season::parse("MT1").is_err());
        assert!(Season::parse("MT1 1990").expect_err("year").contains("2000"));
    }

    const URE: Id = 1;
    const SEED: Id = 2;

    fn doses() -> Vec<DoseRate> {
        vec![
            DoseRate { crop: Crop::Rice, item_id: URE, per_ha: 250_000 },
            DoseRate { crop: Crop::Rice, item_id: SEED, per_ha: 25_000 },
            DoseRate { crop: Crop::Chilli, item_id: URE, per_ha: 333_333 },
        ]
    }

    fn member(id: Id, parcels: &[(Crop, i64)]) -> MemberLand {
        MemberLand { person_id: id, parcels: parcels.to_vec() }
    }

    fn line(lines: &[Allocation], person: Id, crop: Crop, item: Id) -> Option<(i64, i64)> {
        lines
            .iter()
            .find(|l| l.person_id == person && l.crop == crop && l.item_id == item)
            .map(|l| (l.eligible_m2, l.quantity))
    }

    #[test]
    fn allocation_is_exact_to_the_gram_at_the_cap() {
        let members = [
            member(1, &[(Crop::Rice, 20_000)]),                  // exactly 2 ha
            member(2, &[(Crop::Rice, 20_001)]),                  // 2 ha + 1 m²
            member(3, &[(Crop::Rice, 0)]),                       // no land
            member(4, &[(Crop::Rice, 1)]),                       // 1 m²
            member(5, &[(Crop::Rice, 12_345), (Crop::Rice, 3)]), // two parcels add up
            member(6, &[(Crop::Maize, 5_000)]),                  // no dose for maize in the plan
        ];
        let lines = allocate(&members, &doses(), &[Crop::Rice], CapRule::default());
        assert_eq!(line(&lines, 1, Crop::Rice, URE), Some((20_000, 500_000)));
        assert_eq!(line(&lines, 1, Crop::Rice, SEED), Some((20_000, 50_000)));
        assert_eq!(
            line(&lines, 2, Crop::Rice, URE),
            Some((20_000, 500_000)),
            "the square metre over the cap does not count"
        );
        assert_eq!(line(&lines, 3, Crop::Rice, URE), None);
        assert_eq!(line(&lines, 4, Crop::Rice, URE), Some((1, 25)), "1 m² × 250 000 g/ha = 25 g");
        assert_eq!(line(&lines, 4, Crop::Rice, SEED), Some((1, 2)), "2,5 g rounds down to 2 g");
        assert_eq!(line(&lines, 5, Crop::Rice, URE), Some((12_348, 308_700)));
        assert_eq!(line(&lines, 5, Crop::Rice, SEED), Some((12_348, 30_870)));
        assert!(lines.iter().all(|l| l.person_id != 6));
        assert_eq!(totals(&lines), vec![(URE, 500_000 + 500_000 + 25 + 308_700), (SEED, 50_000 + 50_000 + 2 + 30_870)]);
    }

    #[test]
    fn several_crops_share_the_cap_in_the_plans_order() {
        let members = [member(1, &[(Crop::Chilli, 5_000), (Crop::Rice, 18_000)])];
        let lines = allocate(&members, &doses(), &[Crop::Rice, Crop::Chilli], CapRule::default());
        assert_eq!(line(&lines, 1, Crop::Rice, URE), Some((18_000, 450_000)));
        // 2 000 m² left for chilli: floor(2 000 × 333 333 / 10 000) = floor(66 666,6).
        assert_eq!(line(&lines, 1, Crop::Chilli, URE), Some((2_000, 66_666)));
        let swapped = allocate(&members, &doses(), &[Crop::Chilli, Crop::Rice], CapRule::default());
        assert_eq!(line(&swapped, 1, Crop::Chilli, URE), Some((5_000, 166_666)));
        assert_eq!(line(&swapped, 1, Crop::Rice, URE), Some((15_000, 375_000)));
        // Land under a crop outside the plan does not use up the cap.
        let rice_only = allocate(&members, &doses(), &[Crop::Rice], CapRule::default());
        assert_eq!(line(&rice_only, 1, Crop::Rice, URE), Some((18_000, 450_000)));
        assert_eq!(line(&rice_only, 1, Crop::Chilli, URE), None);
    }

    #[test]
    fn excluding_members_above_the_cap() {
        let rule = CapRule { cap_m2: 20_000, over_cap: OverCap::Exclude };
        let members = [member(1, &[(Crop::Rice, 20_000)]), member(2, &[(Crop::Rice, 20_001)])];
        let lines = allocate(&members, &doses(), &[Crop::Rice], rule);
        assert_eq!(line(&lines, 1, Crop::Rice, URE), Some((20_000, 500_000)));
        assert!(lines.iter().all(|l| l.person_id != 2), "over the cap: nothing");
    }

    #[test]
    fn drafts_parse_and_name_fields() {
        let d = DistributionDraft {
            person_id: "3".into(),
            item_id: "1".into(),
            quantity: "-2".into(),
            unit: Some("kg".into()),
            given_on: "2023-10-01".into(),
            ..Default::default()
        };
        let e = d.parse(BaseUnit::Gram).expect_err("negative");
        assert_eq!(e.0[0].field, "quantity");
        let d = DistributionDraft { quantity: "2".into(), unit: Some("karung".into()), ..d };
        let e = d.parse(BaseUnit::Gram).expect_err("unit");
        assert_eq!(e.0[0].field, "unit");
        let d = DistributionDraft { unit: Some("kg".into()), ..d };
        assert_eq!(d.parse(BaseUnit::Gram).map(|n| n.quantity), Ok(2_000));
        let plan = PlanDraft {
            program_id: "1".into(),
            group_id: "2".into(),
            season: "MT1 2023".into(),
            crops: vec!["rice, chilli".into(), "rice".into()],
        };
        assert_eq!(plan.parse().map(|p| p.crops), Ok(vec![Crop::Rice, Crop::Chilli]));
        let e = PlanDraft { crops: vec![], ..plan }.parse().expect_err("no crop");
        assert_eq!(e.0[0].field, "crops");
        let land =
            LandDraft { person_id: "1".into(), crop: "dragon_fruit".into(), land_area: "0,25 ha".into(), note: None };
        assert_eq!(land.parse().map(|l| l.area_m2), Ok(2_500));
    }
}
