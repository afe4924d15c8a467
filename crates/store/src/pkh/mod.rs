//! Storage of PKH, the conditional cash transfer. The core tables (migration `pkh`) are
//! shared by every part: rules per program and year, families (KPM), member facts,
//! verification periods, compliance, the frozen result of each closed period, status events.
//! This module holds the reads every part needs: a program's rules for a year, and families
//! with their members and facts, from which `berdaya_domain::pkh::components` computes what a
//! family is paid on any date.

pub mod caseload;
pub mod family;
pub mod grievance;
pub mod p2k2;
pub mod payment;
pub mod rules;
pub mod school;
pub mod targeting;
pub mod verify;

use berdaya_domain::pkh::components::{Fact, Member};
use berdaya_domain::pkh::rules::PkhRules;
use berdaya_domain::pkh::{FactKind, FamilyStatus, SchoolLevel};
use berdaya_domain::registry::Id;
use time::Date;

use crate::kit::{Conn, Sql, first, rows};
use crate::{StoreError, StoreResult};

/// The tables a period close and a payment list walk for a whole program; their planner
/// statistics are refreshed first ([`crate::kit::Backend::analyze_sql`]).
pub const WALKED_TABLES: &[&str] =
    &["pkh_families", "pkh_facts", "pkh_compliance", "pkh_family_periods", "people", "households"];

/// A program's rules for a year: the stored document, or the shipped default.
pub async fn rules_for(c: &mut dyn Conn, program_id: Id, year: i32) -> StoreResult<(PkhRules, bool)> {
    let mut sql = Sql::new("SELECT document FROM pkh_rules WHERE program_id = ");
    sql.bind(program_id).push(" AND year = ").bind(i64::from(year));
    match first(c, &sql).await? {
        Some(row) => {
            let doc = row.text("document")?;
            let rules: PkhRules = serde_json::from_str(&doc)
                .map_err(|e| StoreError::Backend(format!("stored PKH rules of {year} do not read: {e}")))?;
            Ok((rules, true))
        }
        None => Ok((PkhRules::default_for(year), false)),
    }
}

/// A member of a family with the PKH facts recorded about them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyMember {
    pub person_id: Id,
    pub birth_date: Date,
    pub facts: Vec<Fact>,
    /// Name, sex and relation, when loaded with [`load_families_named`] (a payment list's
    /// recipient); `None` otherwise.
    pub who: Option<Who>,
}

/// Who a member is, for choosing a family's payment recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Who {
    pub name: String,
    pub female: bool,
    pub relation: String,
}

impl FamilyMember {
    /// The member as the components see them on `on`.
    pub fn on(&self, on: Date, rules: &PkhRules) -> Member {
        Member::from_facts(self.person_id, self.person_id, self.birth_date, &self.facts, on, rules)
    }
}

/// A family with its members (the people of its household, by id) and their facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyMembers {
    pub family_id: Id,
    pub household_id: Id,
    pub status: FamilyStatus,
    /// Consecutive non-compliant periods behind the status.
    pub consecutive: u32,
    pub facilitator_id: Option<Id>,
    pub members: Vec<FamilyMember>,
}

impl FamilyMembers {
    pub fn members_on(&self, on: Date, rules: &PkhRules) -> Vec<Member> {
        self.members.iter().map(|m| m.on(on, rules)).collect()
    }
}

/// The families matching `cond` (a condition on `pkh_families f`), in family-id order, with
/// their members and facts. Three queries whatever the number of families; callers that
/// walk a whole program go in family-id ranges (`f.id > last AND ... LIMIT`) to bound memory.
pub async fn load_families(c: &mut dyn Conn, cond: &Sql) -> StoreResult<Vec<FamilyMembers>> {
    load(c, cond, false).await
}

/// [`load_families`] with each member's name, sex and relation ([`FamilyMember::who`]).
pub async fn load_families_named(c: &mut dyn Conn, cond: &Sql) -> StoreResult<Vec<FamilyMembers>> {
    load(c, cond, true).await
}

async fn load(c: &mut dyn Conn, cond: &Sql, named: bool) -> StoreResult<Vec<FamilyMembers>> {
    let mut fam =
        Sql::new("SELECT f.id, f.household_id, f.status, f.consecutive, f.facilitator_id FROM pkh_families f WHERE ");
    fam.append(cond).push(" ORDER BY f.id");
    let mut families = Vec::new();
    for row in rows(c, &fam).await? {
        families.push(FamilyMembers {
            family_id: row.int("id")?,
            household_id: row.int("household_id")?,
            status: row.parsed("status", FamilyStatus::parse)?,
            consecutive: u32::try_from(row.int("consecutive")?).unwrap_or(0),
            facilitator_id: row.opt_int("facilitator_id")?,
            members: Vec::new(),
        });
    }
    if families.is_empty() {
        return Ok(families);
    }
    let index: std::collections::HashMap<Id, usize> =
        families.iter().enumerate().map(|(i, f)| (f.household_id, i)).collect();
    let mut people = Sql::new(if named {
        "SELECT p.id, p.household_id, p.birth_date, p.name, p.sex, p.relation FROM people p WHERE p.household_id IN \
         (SELECT f.household_id FROM pkh_families f WHERE "
    } else {
        "SELECT p.id, p.household_id, p.birth_date FROM people p WHERE p.household_id IN \
         (SELECT f.household_id FROM pkh_families f WHERE "
    });
    people.append(cond).push(") ORDER BY p.household_id, p.id");
    let mut person_at = std::collections::HashMap::new();
    for row in rows(c, &people).await? {
        let hh = row.int("household_id")?;
        let Some(&i) = index.get(&hh) else { continue };
        let person_id = row.int("id")?;
        person_at.insert(person_id, (i, families[i].members.len()));
        let who = if named {
            Some(Who { name: row.text("name")?, female: row.text("sex")? == "female", relation: row.text("relation")? })
        } else {
            None
        };
        families[i].members.push(FamilyMember {
            person_id,
            birth_date: row.date("birth_date")?,
            facts: Vec::new(),
            who,
        });
    }
    let mut facts = Sql::new(
        "SELECT x.person_id, x.kind, x.level, x.starts_on, x.expected_on, x.ends_on FROM pkh_facts x \
         WHERE x.family_id IN (SELECT f.id FROM pkh_families f WHERE ",
    );
    facts.append(cond).push(") ORDER BY x.person_id, x.starts_on, x.id");
    for row in rows(c, &facts).await? {
        let Some(&(i, j)) = person_at.get(&row.int("person_id")?) else { continue };
        families[i].members[j].facts.push(Fact {
            kind: row.parsed("kind", FactKind::parse)?,
            level: row.opt_parsed("level", SchoolLevel::parse)?,
            starts_on: row.date("starts_on")?,
            expected_on: row.opt_date("expected_on")?,
            ends_on: row.opt_date("ends_on")?,
        });
    }
    Ok(families)
}
