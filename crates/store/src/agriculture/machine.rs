//! Storage of machinery lending: machines, their bookings and loans to groups, their
//! maintenance, and the figures a program's dashboard charts.
//!
//! [`MachineStore`] is the contract, implemented once on the store kit for every
//! [`crate::kit::Backend`]. A booking runs in one write transaction that first bumps the
//! machine's `loan_seq` (locking its row on PostgreSQL; SQLite runs one writer at a time),
//! then reads the machine's condition and the loans that hold it, then inserts: two bookings
//! of one machine cannot both pass the overlap check.

use async_trait::async_trait;
use berdaya_domain::agriculture::machine::{
    CheckOut, Loan, LoanStatus, Machine, MachineCondition, MachineKind, Maintenance, NewLoan, NewMachine,
    NewMaintenance, Return,
};
use berdaya_domain::registry::{Id, RegionCode, Version};
use time::Date;

use crate::registry::Query;
use crate::{Page, StoreResult};

/// A machine in a listing, with its owner's and region's names and whether it is out now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineRow {
    pub machine: Machine,
    pub agency_name: String,
    pub region_name: String,
    /// Whether a loan of it is checked out and not yet returned.
    pub out_now: bool,
}

/// A loan with what it is about: the machine and the group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanRow {
    pub loan: Loan,
    pub machine_name: String,
    pub machine_kind: MachineKind,
    pub inventory_no: String,
    pub agency_id: Id,
    pub machine_region: RegionCode,
    pub group_name: String,
    pub group_region: RegionCode,
}

/// Whose machines a summary counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MachineOwner {
    /// The machines of an agency and of its units (a Dinas and its BPP), and all their loans.
    Agency(Id),
    /// The machines of the program's agency and its units; the loans made for the program.
    Program(Id),
}

/// One month of lending: loans checked out in it and the usage recorded on their return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineMonth {
    /// `YYYY-MM`.
    pub month: String,
    pub loans: u64,
    pub usage_minutes: i64,
    pub usage_m2: i64,
}

/// Machinery figures for a program's (or an agency's) dashboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineSummary {
    pub machines: u64,
    /// Every condition, in vocabulary order, zeros included.
    pub by_condition: Vec<(MachineCondition, u64)>,
    pub out_now: u64,
    pub overdue_now: u64,
    /// Months from `from` to `to` that have a loan checked out, in order.
    pub months: Vec<MachineMonth>,
}

#[async_trait]
pub trait MachineStore {
    /// Adds a machine; its agency and region must exist; its inventory number is unique in
    /// its agency (`Duplicate { field: "inventory_no" }`).
    async fn create_machine(&self, machine: &NewMachine) -> StoreResult<Machine>;
    async fn update_machine(&self, id: Id, machine: &NewMachine, version: Version) -> StoreResult<Machine>;
    async fn machine(&self, id: Id) -> StoreResult<Machine>;
    /// Text is contained in the name or the inventory number; region is the machine's. Sort
    /// keys `name`, `kind`, `condition`, `agency`, `inventory_no`; filters `kind`,
    /// `condition`, `agency_id`. Scope: region only.
    async fn search_machines(&self, query: &Query) -> StoreResult<Page<MachineRow>>;

    /// Books a machine for a group (status `booked`). Refused with `Invalid` on `machine_id`
    /// when the machine is in repair or heavily damaged, and on `starts_on` naming the loan
    /// when a booked or out loan of the machine shares a day with the period (inclusive).
    async fn book_machine(&self, loan: &NewLoan) -> StoreResult<Loan>;
    async fn loan(&self, id: Id) -> StoreResult<LoanRow>;
    /// Changes a booking's period, group or note while it is `booked` (same rules as booking).
    async fn update_loan(&self, id: Id, loan: &NewLoan, version: Version) -> StoreResult<Loan>;
    /// Hands a booked machine out. Refused while another loan of it is out, or when the
    /// machine cannot be lent.
    async fn check_out(&self, id: Id, out: &CheckOut, version: Version) -> StoreResult<Loan>;
    /// Takes an out machine back: `returned_on` not before `out_on`; the machine takes the
    /// return condition.
    async fn return_loan(&self, id: Id, back: &Return, version: Version) -> StoreResult<Loan>;
    /// Cancels a booking (only while `booked`).
    async fn cancel_loan(&self, id: Id, version: Version) -> StoreResult<Loan>;
    /// Loans, text in the machine's or group's name. Region is the machine's; `within` the
    /// group's. Filters `status`, `machine_id`, `group_id`, `program_id`, `agency_id`, and
    /// `overdue_on` (`YYYY-MM-DD`: out loans due before that day). Sort keys `starts_on`,
    /// `due_on`, `machine`, `group`, `status`; natural order newest start first.
    async fn search_loans(&self, query: &Query) -> StoreResult<Page<LoanRow>>;
    /// A machine's loans, oldest start first.
    async fn machine_loans(&self, machine_id: Id) -> StoreResult<Vec<LoanRow>>;
    /// A group's loans, newest start first.
    async fn group_loans(&self, group_id: Id) -> StoreResult<Vec<LoanRow>>;

    /// Records maintenance; the machine takes the condition after it (into or out of repair).
    async fn add_maintenance(&self, machine_id: Id, m: &NewMaintenance) -> StoreResult<Maintenance>;
    /// A machine's maintenance, oldest first.
    async fn machine_maintenance(&self, machine_id: Id) -> StoreResult<Vec<Maintenance>>;

    /// Counts by condition, out now, overdue on `today`, and usage per month from `from` to
    /// `to` (inclusive) for an agency's or a program's machines.
    async fn machine_summary(&self, of: MachineOwner, today: Date, from: Date, to: Date)
    -> StoreResult<MachineSummary>;
}

mod on_kit {
    use super::*;
    use berdaya_domain::agriculture::machine::MaintenanceKind;
    use berdaya_domain::registry::{Group, Invalid, text};

    use crate::StoreError;
    use crate::kit::{
        Backend, Conn, Listing, Record, Reference, Row, Spec, Sql, Type, Value, Where, Writable, contains, first, get,
        insert, job, key, list, page, rows, subtree, update,
    };
    use crate::registry::Within;

    impl Record for Machine {
        const TABLE: &'static str = "machines";
        const ALIAS: &'static str = "m";
        const ENTITY: &'static str = "machine";
        const COLUMNS: &'static str =
            "id, agency_id, kind, name, inventory_no, region, place, condition, acquired_on, note, version";

        fn from_row(row: &Row) -> StoreResult<Machine> {
            Ok(Machine {
                id: row.int("id")?,
                agency_id: row.int("agency_id")?,
                kind: row.parsed("kind", MachineKind::parse)?,
                name: row.text("name")?,
                inventory_no: row.text("inventory_no")?,
                region: row.parsed("region", RegionCode::parse)?,
                place: row.opt_text("place")?,
                condition: row.parsed("condition", MachineCondition::parse)?,
                acquired_on: row.opt_date("acquired_on")?,
                note: row.opt_text("note")?,
                version: row.int("version")?,
            })
        }
    }

    impl Writable for Machine {
        type New = NewMachine;
        const UNIQUE: Option<(&'static str, &'static str)> =
            Some(("inventory_no", "this agency already has a machine with this inventory number"));

        fn values(m: &NewMachine) -> Vec<(&'static str, Value)> {
            vec![
                ("agency_id", m.agency_id.into()),
                ("kind", m.kind.code().into()),
                ("name", m.name.as_str().into()),
                ("name_key", key(&m.name).into()),
                ("inventory_no", m.inventory_no.as_str().into()),
                ("region", m.region.as_str().into()),
                ("place", m.place.as_deref().into()),
                ("condition", m.condition.code().into()),
                ("acquired_on", m.acquired_on.into()),
                ("note", m.note.as_deref().into()),
            ]
        }

        fn references(m: &NewMachine) -> Vec<Reference> {
            vec![Reference::id("agency_id", "agencies", "agency", m.agency_id), Reference::region("region", &m.region)]
        }
    }

    impl Record for Loan {
        const TABLE: &'static str = "machine_loans";
        const ALIAS: &'static str = "l";
        const ENTITY: &'static str = "loan";
        const COLUMNS: &'static str = "id, machine_id, group_id, program_id, starts_on, due_on, status, out_on, \
             condition_out, out_by, returned_on, condition_in, usage_minutes, usage_m2, damage_note, note, version";

        fn from_row(row: &Row) -> StoreResult<Loan> {
            Ok(Loan {
                id: row.int("id")?,
                machine_id: row.int("machine_id")?,
                group_id: row.int("group_id")?,
                program_id: row.opt_int("program_id")?,
                starts_on: row.date("starts_on")?,
                due_on: row.date("due_on")?,
                status: row.parsed("status", LoanStatus::parse)?,
                out_on: row.opt_date("out_on")?,
                condition_out: row.opt_parsed("condition_out", MachineCondition::parse)?,
                out_by: row.opt_text("out_by")?,
                returned_on: row.opt_date("returned_on")?,
                condition_in: row.opt_parsed("condition_in", MachineCondition::parse)?,
                usage_minutes: row.opt_int("usage_minutes")?,
                usage_m2: row.opt_int("usage_m2")?,
                damage_note: row.opt_text("damage_note")?,
                note: row.opt_text("note")?,
                version: row.int("version")?,
            })
        }
    }

    impl Writable for Loan {
        type New = NewLoan;

        fn values(l: &NewLoan) -> Vec<(&'static str, Value)> {
            vec![
                ("group_id", l.group_id.into()),
                ("program_id", l.program_id.into()),
                ("starts_on", l.starts_on.into()),
                ("due_on", l.due_on.into()),
                ("note", l.note.as_deref().into()),
            ]
        }

        fn references(l: &NewLoan) -> Vec<Reference> {
            let program = l.program_id.map(|p| Reference::id("program_id", "programs", "program", p));
            std::iter::once(Reference::id("group_id", "groups", "group", l.group_id)).chain(program).collect()
        }
    }

    impl Record for Maintenance {
        const TABLE: &'static str = "machine_maintenance";
        const ALIAS: &'static str = "x";
        const ENTITY: &'static str = "maintenance";
        const COLUMNS: &'static str = "id, machine_id, done_on, kind, description, cost_rp, condition_after";

        fn from_row(row: &Row) -> StoreResult<Maintenance> {
            Ok(Maintenance {
                id: row.int("id")?,
                machine_id: row.int("machine_id")?,
                done_on: row.date("done_on")?,
                kind: row.parsed("kind", MaintenanceKind::parse)?,
                description: row.text("description")?,
                cost_rp: row.int("cost_rp")?,
                condition_after: row.parsed("condition_after", MachineCondition::parse)?,
            })
        }
    }

    impl Writable for Maintenance {
        type New = NewMaintenance;

        fn values(m: &NewMaintenance) -> Vec<(&'static str, Value)> {
            vec![
                ("done_on", m.done_on.into()),
                ("kind", m.kind.code().into()),
                ("description", m.description.as_str().into()),
                ("cost_rp", m.cost_rp.into()),
                ("condition_after", m.condition_after.code().into()),
            ]
        }
    }

    // --- Listings -----------------------------------------------------------------------------

    const OUT_NOW: &str = "EXISTS (SELECT 1 FROM machine_loans o WHERE o.machine_id = m.id AND o.status = 'out')";

    const MACHINES: Spec = Spec {
        sorts: &[
            ("name", "m.name_key"),
            ("kind", "m.kind"),
            ("condition", "m.condition"),
            ("agency", "a.name_key"),
            ("inventory_no", "m.inventory_no"),
        ],
        natural: "m.name_key",
        tie: "m.id",
        filters: &[
            ("kind", "m.kind", Type::Text),
            ("condition", "m.condition", Type::Text),
            ("agency_id", "m.agency_id", Type::Int),
        ],
    };

    fn machine_listing(q: &Query) -> Listing {
        let mut w = Where::default();
        if let Some(t) = q.text_str() {
            let mut cond = Sql::new("(");
            cond.append(&contains("m.name_key", t)).push(" OR ").append(&contains("lower(m.inventory_no)", t));
            w.and(cond.push(")").clone());
        }
        if let Some(r) = &q.region {
            w.and(subtree("m.region", r.as_str()));
        }
        MACHINES.filter(q, &mut w);
        let select = Sql::new(format!(
            "SELECT {}, a.name AS agency_name, r.name AS region_name, {OUT_NOW} AS out_now",
            Machine::columns()
        ));
        let mut from =
            Sql::new("FROM machines m JOIN agencies a ON a.id = m.agency_id JOIN regions r ON r.code = m.region");
        from.append(&w.to_sql());
        Listing { select, from, order: MACHINES.order(q, &[]), page: q.page }
    }

    fn machine_row(row: &Row) -> StoreResult<MachineRow> {
        Ok(MachineRow {
            machine: Machine::from_row(row)?,
            agency_name: row.text("agency_name")?,
            region_name: row.text("region_name")?,
            out_now: row.bool("out_now")?,
        })
    }

    const LOANS: Spec = Spec {
        sorts: &[
            ("starts_on", "l.starts_on"),
            ("due_on", "l.due_on"),
            ("machine", "m.name_key"),
            ("group", "g.name_key"),
            ("status", "l.status"),
        ],
        natural: "l.starts_on DESC",
        tie: "l.id",
        filters: &[
            ("status", "l.status", Type::Text),
            ("machine_id", "l.machine_id", Type::Int),
            ("group_id", "l.group_id", Type::Int),
            ("program_id", "l.program_id", Type::Int),
            ("agency_id", "m.agency_id", Type::Int),
        ],
    };

    const LOAN_FROM: &str =
        "FROM machine_loans l JOIN machines m ON m.id = l.machine_id JOIN groups g ON g.id = l.group_id";

    fn loan_select() -> String {
        format!(
            "SELECT {}, m.name AS machine_name, m.kind AS machine_kind, m.inventory_no, m.agency_id, \
             m.region AS machine_region, g.name AS group_name, g.region AS group_region",
            Loan::columns()
        )
    }

    /// The ids of the groups a [`Within`] lets a user see.
    fn groups_within(w: Within) -> Sql {
        let mut s = Sql::default();
        match w {
            Within::AssignedTo(user) => s
                .push("SELECT a.group_id FROM assignments a WHERE a.user_id = ")
                .bind(user)
                .push(" AND a.group_id IS NOT NULL"),
            Within::MembersOf(group) => s.push("SELECT ").bind(group),
        };
        s
    }

    fn loan_listing(q: &Query) -> Listing {
        let mut w = Where::default();
        if let Some(t) = q.text_str() {
            let mut cond = Sql::new("(");
            cond.append(&contains("m.name_key", t)).push(" OR ").append(&contains("g.name_key", t));
            w.and(cond.push(")").clone());
        }
        if let Some(r) = &q.region {
            w.and(subtree("m.region", r.as_str()));
        }
        if let Some(within) = q.within {
            let mut cond = Sql::new("l.group_id IN (");
            cond.append(&groups_within(within)).push(")");
            w.and(cond);
        }
        if let Some(day) = q.filter("overdue_on") {
            let mut cond = Sql::new("l.status = 'out' AND l.due_on < ");
            match text::date(day) {
                Ok(d) => cond.bind(d),
                Err(_) => cond.push("l.due_on"),
            };
            w.and(cond);
        }
        LOANS.filter(q, &mut w);
        let mut from = Sql::new(LOAN_FROM);
        from.append(&w.to_sql());
        Listing { select: Sql::new(loan_select()), from, order: LOANS.order(q, &[]), page: q.page }
    }

    fn loan_row(row: &Row) -> StoreResult<LoanRow> {
        Ok(LoanRow {
            loan: Loan::from_row(row)?,
            machine_name: row.text("machine_name")?,
            machine_kind: row.parsed("machine_kind", MachineKind::parse)?,
            inventory_no: row.text("inventory_no")?,
            agency_id: row.int("agency_id")?,
            machine_region: row.parsed("machine_region", RegionCode::parse)?,
            group_name: row.text("group_name")?,
            group_region: row.parsed("group_region", RegionCode::parse)?,
        })
    }

    async fn loans_where(c: &mut dyn Conn, cond: Sql, order: &str) -> StoreResult<Vec<LoanRow>> {
        let mut sql = Sql::new(format!("{} {LOAN_FROM} WHERE ", loan_select()));
        sql.append(&cond).push(&format!(" ORDER BY {order}"));
        rows(c, &sql).await?.iter().map(loan_row).collect()
    }

    async fn get_loan_row(c: &mut dyn Conn, id: Id) -> StoreResult<LoanRow> {
        let mut cond = Sql::new("l.id = ");
        cond.bind(id);
        loans_where(c, cond, "l.id").await?.into_iter().next().ok_or(StoreError::NotFound { entity: "loan" })
    }

    // --- Rules --------------------------------------------------------------------------------

    /// Locks the machine for the rest of the transaction (bumps its booking count) and
    /// answers its condition; a missing machine is a reference error on `machine_id`.
    async fn lock_machine(c: &mut dyn Conn, machine_id: Id) -> StoreResult<MachineCondition> {
        let mut sql = Sql::new("UPDATE machines SET loan_seq = loan_seq + 1 WHERE id = ");
        sql.bind(machine_id).push(" RETURNING condition");
        match first(c, &sql).await? {
            Some(row) => row.parsed("condition", MachineCondition::parse),
            None => Err(StoreError::Reference {
                field: "machine_id",
                message: format!("machine {machine_id} does not exist"),
            }),
        }
    }

    fn lendable(condition: MachineCondition) -> StoreResult<()> {
        match condition.refuses_lending() {
            Some(why) => Err(Invalid::one("machine_id", why).into()),
            None => Ok(()),
        }
    }

    /// Refuses a period that shares a day with a booked or out loan of the machine (other
    /// than `except`), naming that loan.
    async fn no_overlap(c: &mut dyn Conn, machine_id: Id, from: Date, to: Date, except: Option<Id>) -> StoreResult<()> {
        let mut cond = Sql::new("l.machine_id = ");
        cond.bind(machine_id).push(" AND l.status IN ('booked', 'out') AND l.starts_on <= ").bind(to);
        cond.push(" AND l.due_on >= ").bind(from);
        if let Some(id) = except {
            cond.push(" AND l.id <> ").bind(id);
        }
        if let Some(other) = loans_where(c, cond, "l.starts_on, l.id").await?.into_iter().next() {
            return Err(Invalid::one(
                "starts_on",
                format!(
                    "the machine is already booked for these days: loan {} to {} from {} to {}",
                    other.loan.id,
                    other.group_name,
                    text::format_date(other.loan.starts_on),
                    text::format_date(other.loan.due_on)
                ),
            )
            .into());
        }
        Ok(())
    }

    fn wrong_status(action: &'static str, status: LoanStatus) -> StoreError {
        let message = match action {
            "check_out" => format!("only a booked loan can be checked out; this one is {}", status.code()),
            "return" => format!("only a loan that is out can be returned; this one is {}", status.code()),
            "cancel" => format!("only a booked loan can be cancelled; this one is {}", status.code()),
            _ => format!("only a booked loan can be changed; this one is {}", status.code()),
        };
        Invalid::one("status", message).into()
    }

    /// The loan at `version`, or `NotFound`/`Conflict`.
    async fn loan_at(c: &mut dyn Conn, id: Id, version: Version) -> StoreResult<Loan> {
        let loan: Loan = get(c, id).await?;
        if loan.version != version {
            return Err(StoreError::Conflict { entity: "loan", expected: version, actual: loan.version });
        }
        Ok(loan)
    }

    async fn set_loan(c: &mut dyn Conn, id: Id, version: Version, values: Vec<(&str, Value)>) -> StoreResult<Loan> {
        let mut sql = Sql::new("UPDATE machine_loans SET ");
        for (col, v) in values {
            sql.push(&format!("{col} = ")).bind(v).push(", ");
        }
        sql.push("version = version + 1 WHERE id = ").bind(id).push(" AND version = ").bind(version);
        if crate::kit::exec(c, &sql).await? == 0 {
            return Err(StoreError::Conflict { entity: "loan", expected: version, actual: version + 1 });
        }
        get(c, id).await
    }

    async fn set_condition(c: &mut dyn Conn, machine_id: Id, condition: MachineCondition) -> StoreResult<()> {
        let mut sql = Sql::new("UPDATE machines SET condition = ");
        sql.bind(condition.code()).push(", version = version + 1 WHERE id = ").bind(machine_id);
        sql.push(" AND condition <> ").bind(condition.code());
        crate::kit::exec(c, &sql).await?;
        Ok(())
    }

    /// The machines an owner's summary counts, as a condition on `m`.
    async fn owner_machines(c: &mut dyn Conn, of: MachineOwner) -> StoreResult<(Sql, Option<Id>)> {
        let (agency, program) = match of {
            MachineOwner::Agency(a) => {
                crate::kit::require::<berdaya_domain::registry::Agency>(c, a).await?;
                (a, None)
            }
            MachineOwner::Program(p) => {
                let mut sql = Sql::new("SELECT agency_id FROM programs WHERE id = ");
                sql.bind(p);
                let row = first(c, &sql).await?.ok_or(StoreError::NotFound { entity: "program" })?;
                (row.int("agency_id")?, Some(p))
            }
        };
        let mut cond = Sql::new("(m.agency_id = ");
        cond.bind(agency).push(" OR m.agency_id IN (SELECT u.id FROM agencies u WHERE u.parent_id = ");
        cond.bind(agency).push("))");
        Ok((cond, program))
    }

    fn month_of(d: Date) -> String {
        format!("{:04}-{:02}", d.year(), u8::from(d.month()))
    }

    #[async_trait]
    impl<B: Backend> MachineStore for B {
        async fn create_machine(&self, machine: &NewMachine) -> StoreResult<Machine> {
            let m = machine.clone();
            self.write(job(move |c| {
                Box::pin(async move {
                    let id = insert::<Machine>(c, &m, Vec::new()).await?;
                    get(c, id).await
                })
            }))
            .await
        }

        async fn update_machine(&self, id: Id, machine: &NewMachine, version: Version) -> StoreResult<Machine> {
            let m = machine.clone();
            self.write(job(move |c| Box::pin(async move { update::<Machine>(c, id, &m, version).await }))).await
        }

        async fn machine(&self, id: Id) -> StoreResult<Machine> {
            self.read(job(move |c| Box::pin(async move { get(c, id).await }))).await
        }

        async fn search_machines(&self, query: &Query) -> StoreResult<Page<MachineRow>> {
            let l = machine_listing(query);
            self.read(job(move |c| Box::pin(async move { page(c, &l, machine_row).await }))).await
        }

        async fn book_machine(&self, loan: &NewLoan) -> StoreResult<Loan> {
            let l = loan.clone();
            self.write(job(move |c| {
                Box::pin(async move {
                    let condition = lock_machine(c, l.machine_id).await?;
                    lendable(condition)?;
                    crate::kit::check_references(c, Loan::references(&l)).await?;
                    no_overlap(c, l.machine_id, l.starts_on, l.due_on, None).await?;
                    let extra = vec![("machine_id", l.machine_id.into()), ("status", LoanStatus::Booked.code().into())];
                    let id = insert::<Loan>(c, &l, extra).await?;
                    get(c, id).await
                })
            }))
            .await
        }

        async fn loan(&self, id: Id) -> StoreResult<LoanRow> {
            self.read(job(move |c| Box::pin(async move { get_loan_row(c, id).await }))).await
        }

        async fn update_loan(&self, id: Id, loan: &NewLoan, version: Version) -> StoreResult<Loan> {
            let l = loan.clone();
            self.write(job(move |c| {
                Box::pin(async move {
                    let old = loan_at(c, id, version).await?;
                    if old.status != LoanStatus::Booked {
                        return Err(wrong_status("change", old.status));
                    }
                    let condition = lock_machine(c, old.machine_id).await?;
                    lendable(condition)?;
                    no_overlap(c, old.machine_id, l.starts_on, l.due_on, Some(id)).await?;
                    let l = NewLoan { machine_id: old.machine_id, ..l };
                    update::<Loan>(c, id, &l, version).await
                })
            }))
            .await
        }

        async fn check_out(&self, id: Id, out: &CheckOut, version: Version) -> StoreResult<Loan> {
            let o = out.clone();
            self.write(job(move |c| {
                Box::pin(async move {
                    let loan = loan_at(c, id, version).await?;
                    if loan.status != LoanStatus::Booked {
                        return Err(wrong_status("check_out", loan.status));
                    }
                    let condition = lock_machine(c, loan.machine_id).await?;
                    lendable(condition)?;
                    let mut cond = Sql::new("l.machine_id = ");
                    cond.bind(loan.machine_id).push(" AND l.status = 'out' AND l.id <> ").bind(id);
                    if let Some(other) = loans_where(c, cond, "l.id").await?.into_iter().next() {
                        return Err(Invalid::one(
                            "out_on",
                            format!(
                                "the machine is still out on loan {} to {}, due {}",
                                other.loan.id,
                                other.group_name,
                                text::format_date(other.loan.due_on)
                            ),
                        )
                        .into());
                    }
                    set_loan(
                        c,
                        id,
                        version,
                        vec![
                            ("status", LoanStatus::Out.code().into()),
                            ("out_on", o.out_on.into()),
                            ("condition_out", o.condition_out.code().into()),
                            ("out_by", o.out_by.as_str().into()),
                        ],
                    )
                    .await
                })
            }))
            .await
        }

        async fn return_loan(&self, id: Id, back: &Return, version: Version) -> StoreResult<Loan> {
            let b = back.clone();
            self.write(job(move |c| {
                Box::pin(async move {
                    let loan = loan_at(c, id, version).await?;
                    if loan.status != LoanStatus::Out {
                        return Err(wrong_status("return", loan.status));
                    }
                    if let Some(out_on) = loan.out_on
                        && b.returned_on < out_on
                    {
                        return Err(Invalid::one(
                            "returned_on",
                            format!("is before the check-out date {}", text::format_date(out_on)),
                        )
                        .into());
                    }
                    let done = set_loan(
                        c,
                        id,
                        version,
                        vec![
                            ("status", LoanStatus::Returned.code().into()),
                            ("returned_on", b.returned_on.into()),
                            ("condition_in", b.condition_in.code().into()),
                            ("usage_minutes", b.usage_minutes.into()),
                            ("usage_m2", b.usage_m2.into()),
                            ("damage_note", b.damage_note.as_deref().into()),
                        ],
                    )
                    .await?;
                    set_condition(c, loan.machine_id, b.condition_in).await?;
                    Ok(done)
                })
            }))
            .await
        }

        async fn cancel_loan(&self, id: Id, version: Version) -> StoreResult<Loan> {
            self.write(job(move |c| {
                Box::pin(async move {
                    let loan = loan_at(c, id, version).await?;
                    if loan.status != LoanStatus::Booked {
                        return Err(wrong_status("cancel", loan.status));
                    }
                    set_loan(c, id, version, vec![("status", LoanStatus::Cancelled.code().into())]).await
                })
            }))
            .await
        }

        async fn search_loans(&self, query: &Query) -> StoreResult<Page<LoanRow>> {
            let l = loan_listing(query);
            self.read(job(move |c| Box::pin(async move { page(c, &l, loan_row).await }))).await
        }

        async fn machine_loans(&self, machine_id: Id) -> StoreResult<Vec<LoanRow>> {
            self.read(job(move |c| {
                Box::pin(async move {
                    crate::kit::require::<Machine>(c, machine_id).await?;
                    let mut cond = Sql::new("l.machine_id = ");
                    cond.bind(machine_id);
                    loans_where(c, cond, "l.starts_on, l.id").await
                })
            }))
            .await
        }

        async fn group_loans(&self, group_id: Id) -> StoreResult<Vec<LoanRow>> {
            self.read(job(move |c| {
                Box::pin(async move {
                    crate::kit::require::<Group>(c, group_id).await?;
                    let mut cond = Sql::new("l.group_id = ");
                    cond.bind(group_id);
                    loans_where(c, cond, "l.starts_on DESC, l.id DESC").await
                })
            }))
            .await
        }

        async fn add_maintenance(&self, machine_id: Id, m: &NewMaintenance) -> StoreResult<Maintenance> {
            let m = m.clone();
            self.write(job(move |c| {
                Box::pin(async move {
                    crate::kit::require::<Machine>(c, machine_id).await?;
                    let id = insert::<Maintenance>(c, &m, vec![("machine_id", machine_id.into())]).await?;
                    set_condition(c, machine_id, m.condition_after).await?;
                    get(c, id).await
                })
            }))
            .await
        }

        async fn machine_maintenance(&self, machine_id: Id) -> StoreResult<Vec<Maintenance>> {
            self.read(job(move |c| {
                Box::pin(async move {
                    crate::kit::require::<Machine>(c, machine_id).await?;
                    let mut cond = Sql::new("x.machine_id = ");
                    cond.bind(machine_id);
                    list::<Maintenance>(c, cond, "x.done_on, x.id").await
                })
            }))
            .await
        }

        async fn machine_summary(
            &self,
            of: MachineOwner,
            today: Date,
            from: Date,
            to: Date,
        ) -> StoreResult<MachineSummary> {
            self.read(job(move |c| {
                Box::pin(async move {
                    let (owned, program) = owner_machines(c, of).await?;
                    let mut sql = Sql::new("SELECT m.condition, count(*) AS n FROM machines m WHERE ");
                    sql.append(&owned).push(" GROUP BY m.condition");
                    let mut counts = Vec::new();
                    for row in rows(c, &sql).await? {
                        counts.push((row.parsed("condition", MachineCondition::parse)?, u64::from(row.count("n")?)));
                    }
                    let by_condition: Vec<(MachineCondition, u64)> = MachineCondition::ALL
                        .iter()
                        .map(|k| (*k, counts.iter().find(|(c, _)| c == k).map_or(0, |(_, n)| *n)))
                        .collect();
                    let machines = by_condition.iter().map(|(_, n)| n).sum();

                    let loans_of = |extra: &str| {
                        let mut s = Sql::new(format!("SELECT {} {LOAN_FROM} WHERE ", extra));
                        s.append(&owned);
                        if let Some(p) = program {
                            s.push(" AND l.program_id = ").bind(p);
                        }
                        s
                    };
                    let mut out = loans_of("count(*) AS n");
                    out.push(" AND l.status = 'out'");
                    let out_now = first(c, &out).await?.map(|r| r.count("n")).transpose()?.unwrap_or(0);
                    let mut late = loans_of("count(*) AS n");
                    late.push(" AND l.status = 'out' AND l.due_on < ").bind(today);
                    let overdue_now = first(c, &late).await?.map(|r| r.count("n")).transpose()?.unwrap_or(0);

                    let mut period = loans_of("l.out_on, l.usage_minutes, l.usage_m2");
                    period.push(" AND l.out_on IS NOT NULL AND l.out_on >= ").bind(from);
                    period.push(" AND l.out_on <= ").bind(to).push(" ORDER BY l.out_on, l.id");
                    let mut months: Vec<MachineMonth> = Vec::new();
                    for row in rows(c, &period).await? {
                        let month = month_of(row.date("out_on")?);
                        let (minutes, m2) =
                            (row.opt_int("usage_minutes")?.unwrap_or(0), row.opt_int("usage_m2")?.unwrap_or(0));
                        match months.last_mut() {
                            Some(last) if last.month == month => {
                                last.loans += 1;
                                last.usage_minutes += minutes;
                                last.usage_m2 += m2;
                            }
                            _ => months.push(MachineMonth { month, loans: 1, usage_minutes: minutes, usage_m2: m2 }),
                        }
                    }
                    Ok(MachineSummary {
                        machines,
                        by_condition,
                        out_now: u64::from(out_now),
                        overdue_now: u64::from(overdue_now),
                        months,
                    })
                })
            }))
            .await
        }
    }
}
