//! PKH rules per program and year: the stored document (the serde form of
//! [`PkhRules`]) or, when none is stored, the shipped default for the year.
//!
//! Saving checks the document ([`PkhRules::check`], errors naming the field) and is
//! optimistic: the first save of a year expects no document (`None`), later ones the version
//! read. The document's `year` must be the year it is saved under (it is the key).

use async_trait::async_trait;
use berdaya_domain::pkh::rules::PkhRules;
use berdaya_domain::registry::{Id, Version};

use crate::StoreResult;

/// A program's rules for a year and whether they are stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearRules {
    pub rules: PkhRules,
    /// The stored document's version; `None`: the shipped default.
    pub version: Option<Version>,
}

impl YearRules {
    pub fn stored(&self) -> bool {
        self.version.is_some()
    }
}

#[async_trait]
pub trait PkhRulesStore {
    /// The program's rules for `year`: stored, or the default. `NotFound` for a missing program.
    async fn pkh_rules(&self, program_id: Id, year: i32) -> StoreResult<YearRules>;
    /// Stores the program's rules for `rules.year`. `expected`: `None` when none is stored yet
    /// (a stored one is a `Conflict`), else the version read (`Conflict` when changed since).
    async fn save_pkh_rules(
        &self,
        program_id: Id,
        rules: &PkhRules,
        expected: Option<Version>,
    ) -> StoreResult<YearRules>;
    /// The years the program has stored rules for, in order.
    async fn pkh_rule_years(&self, program_id: Id) -> StoreResult<Vec<i32>>;
}

mod on_kit {
    use super::*;
    use crate::StoreError;
    use crate::kit::{Backend, Conn, Sql, Value, any, exec, first, job, rows};

    async fn program_exists(c: &mut dyn Conn, program_id: Id) -> StoreResult<()> {
        let mut sql = Sql::new("SELECT 1 FROM programs WHERE id = ");
        sql.bind(program_id);
        if any(c, &sql).await? { Ok(()) } else { Err(StoreError::NotFound { entity: "program" }) }
    }

    async fn read(c: &mut dyn Conn, program_id: Id, year: i32) -> StoreResult<YearRules> {
        program_exists(c, program_id).await?;
        let (rules, stored) = super::super::rules_for(c, program_id, year).await?;
        let version = if stored {
            let mut sql = Sql::new("SELECT version FROM pkh_rules WHERE program_id = ");
            sql.bind(program_id).push(" AND year = ").bind(i64::from(year));
            first(c, &sql).await?.map(|r| r.int("version")).transpose()?
        } else {
            None
        };
        Ok(YearRules { rules, version })
    }

    #[async_trait]
    impl<B: Backend> PkhRulesStore for B {
        async fn pkh_rules(&self, program_id: Id, year: i32) -> StoreResult<YearRules> {
            self.read(job(move |c| Box::pin(async move { read(c, program_id, year).await }))).await
        }

        async fn save_pkh_rules(
            &self,
            program_id: Id,
            rules: &PkhRules,
            expected: Option<Version>,
        ) -> StoreResult<YearRules> {
            rules.check()?;
            let rules = rules.clone();
            let doc = serde_json::to_string(&rules)
                .map_err(|e| StoreError::Backend(format!("PKH rules do not serialise: {e}")))?;
            self.write(job(move |c| {
                Box::pin(async move {
                    let now = read(c, program_id, rules.year).await?;
                    let year = i64::from(rules.year);
                    match (now.version, expected) {
                        (None, None) => {
                            let mut sql = Sql::new("INSERT INTO pkh_rules (program_id, year, document) VALUES ");
                            sql.list([Value::Int(program_id), Value::Int(year), Value::Text(doc)]);
                            exec(c, &sql).await?;
                        }
                        (Some(actual), Some(expected)) if actual == expected => {
                            let mut sql = Sql::new("UPDATE pkh_rules SET document = ");
                            sql.bind(doc).push(", version = version + 1 WHERE program_id = ").bind(program_id);
                            sql.push(" AND year = ").bind(year).push(" AND version = ").bind(expected);
                            if exec(c, &sql).await? == 0 {
                                return Err(StoreError::Conflict { entity: "PKH rules", expected, actual });
                            }
                        }
                        (actual, expected) => {
                            return Err(StoreError::Conflict {
                                entity: "PKH rules",
                                expected: expected.unwrap_or(0),
                                actual: actual.unwrap_or(0),
                            });
                        }
                    }
                    read(c, program_id, rules.year).await
                })
            }))
            .await
        }

        async fn pkh_rule_years(&self, program_id: Id) -> StoreResult<Vec<i32>> {
            self.read(job(move |c| {
                Box::pin(async move {
                    program_exists(c, program_id).await?;
                    let mut sql = Sql::new("SELECT year FROM pkh_rules WHERE program_id = ");
                    sql.bind(program_id).push(" ORDER BY year");
                    rows(c, &sql).await?.iter().map(|r| Ok(i32::try_from(r.int("year")?).unwrap_or_default())).collect()
                })
            }))
            .await
        }
    }
}
