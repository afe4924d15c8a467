//! Storage of group cash books. The table refuses UPDATE and DELETE (triggers on both
//! backends), so the book is append-only whatever the caller; a correction is a reversing
//! entry, at most one per entry (a unique key on `reverses_id`). Each entry keeps its month
//! (`YYYY-MM`) beside its date so that both backends group by it alike, from one index.

use async_trait::async_trait;
use berdaya_domain::kotaku::book::{Entry, EntryKind, NewEntry, PeriodSums, Sale, month_of};
use berdaya_domain::registry::{Id, Invalid};
use time::Date;

use crate::access::current_actor;
use crate::kit::{
    self, Backend, Conn, Reference, Row, Sql, Type, Value, check_references, exec, first, insert_row, job, rows,
};
use crate::{StoreError, StoreResult};

/// How a book's sums are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    Month,
    Year,
}

#[async_trait]
pub trait BookStore {
    /// Appends an entry to a group's book (the group must exist).
    async fn add_entry(&self, group_id: Id, new: &NewEntry) -> StoreResult<Entry>;
    /// Appends many entries to one group's book in one transaction (imports, the demo).
    async fn post_entries(&self, group_id: Id, entries: &[NewEntry]) -> StoreResult<u64>;
    /// Appends the reversing entry of `id`, dated `on`, with the reason as its note.
    async fn reverse_entry(&self, id: Id, on: Date, reason: &str) -> StoreResult<Entry>;
    async fn entry(&self, id: Id) -> StoreResult<Entry>;
    /// A group's entries from `from` to `to` (inclusive, either open), in date order, with
    /// the cash on hand before the first.
    async fn entries(&self, group_id: Id, from: Option<Date>, to: Option<Date>) -> StoreResult<(i64, Vec<Entry>)>;
    /// A group's sums per month or year, oldest first (for its statements).
    async fn book_sums(&self, group_id: Id, span: Span) -> StoreResult<Vec<PeriodSums>>;
    /// The monthly sums of every group's book, by group (for statements of them all).
    async fn all_book_sums(&self) -> StoreResult<Vec<(Id, Vec<PeriodSums>)>>;
}

const ENTRY_SELECT: &str = "SELECT e.id, e.group_id, e.entry_on, e.kind, e.category, e.amount_rp, e.counterpart, \
     e.note, e.product, e.quantity, e.unit, e.price_rp, e.outlet, e.reverses_id, e.recorded_by, e.recorded_at, \
     EXISTS (SELECT 1 FROM book_entries r WHERE r.reverses_id = e.id) AS reversed, \
     (SELECT min(a.id) FROM attachments a WHERE a.entity = 'book_entry' AND a.entity_id = e.id) AS receipt_id \
     FROM book_entries e";

fn entry_row(row: &Row) -> StoreResult<Entry> {
    let sale = match row.opt_text("product")? {
        Some(product) => Some(Sale {
            product,
            quantity: row.int("quantity")?,
            unit: row.text("unit")?,
            price_rp: row.int("price_rp")?,
            outlet: row.opt_text("outlet")?,
        }),
        None => None,
    };
    Ok(Entry {
        id: row.int("id")?,
        group_id: row.int("group_id")?,
        entry_on: row.date("entry_on")?,
        kind: row.parsed("kind", EntryKind::parse)?,
        category: row.text("category")?,
        amount_rp: row.int("amount_rp")?,
        counterpart: row.opt_text("counterpart")?,
        note: row.opt_text("note")?,
        receipt_id: row.opt_int("receipt_id")?,
        sale,
        reverses_id: row.opt_int("reverses_id")?,
        reversed: row.bool("reversed")?,
        recorded_by: row.text("recorded_by")?,
        recorded_at: row.time("recorded_at")?,
    })
}

async fn entry_by_id(c: &mut dyn Conn, id: Id) -> StoreResult<Entry> {
    let mut sql = Sql::new(ENTRY_SELECT);
    sql.push(" WHERE e.id = ").bind(id);
    first(c, &sql).await?.as_ref().map(entry_row).transpose()?.ok_or(StoreError::NotFound { entity: "entry" })
}

const COLUMNS: &[(&str, Type)] = &[
    ("group_id", Type::Int),
    ("entry_on", Type::Date),
    ("month", Type::Text),
    ("kind", Type::Text),
    ("category", Type::Text),
    ("amount_rp", Type::Int),
    ("counterpart", Type::Text),
    ("note", Type::Text),
    ("product", Type::Text),
    ("quantity", Type::Int),
    ("unit", Type::Text),
    ("price_rp", Type::Int),
    ("outlet", Type::Text),
    ("reverses_id", Type::Int),
    ("recorded_by", Type::Text),
    ("recorded_at", Type::Time),
];

fn values(group_id: Id, n: &NewEntry, by: &str, at: time::OffsetDateTime) -> Vec<Value> {
    let s = n.sale.as_ref();
    vec![
        group_id.into(),
        n.entry_on.into(),
        month_of(n.entry_on).into(),
        n.kind.code().into(),
        n.category.as_str().into(),
        n.amount_rp.into(),
        n.counterpart.clone().into(),
        n.note.clone().into(),
        s.map(|s| s.product.clone()).into(),
        s.map(|s| s.quantity).into(),
        s.map(|s| s.unit.clone()).into(),
        s.map(|s| s.price_rp).into(),
        s.and_then(|s| s.outlet.clone()).into(),
        n.reverses_id.into(),
        by.into(),
        Value::Time(at),
    ]
}

async fn append(c: &mut dyn Conn, group_id: Id, n: &NewEntry, by: &str) -> StoreResult<Id> {
    let row = values(group_id, n, by, kit::now());
    insert_row(c, "book_entries", COLUMNS.iter().map(|(c, _)| *c).zip(row).collect()).await.map_err(|e| match e {
        StoreError::Duplicate { .. } => Invalid::one("entry", "the entry has already been reversed").into(),
        e => e,
    })
}

fn sums_of(rows: &[Row], span: Span) -> StoreResult<Vec<(Id, Vec<PeriodSums>)>> {
    let mut out: Vec<(Id, Vec<PeriodSums>)> = Vec::new();
    for r in rows {
        let group = r.int("group_id")?;
        let mut period = r.text("month")?;
        if span == Span::Year {
            period.truncate(4);
        }
        let line = (r.parsed("kind", EntryKind::parse)?, r.text("category")?, r.int("total")?, r.int("n")? as u64);
        if out.last().is_none_or(|(g, _)| *g != group) {
            out.push((group, Vec::new()));
        }
        let Some((_, periods)) = out.last_mut() else { continue };
        match periods.last_mut() {
            Some(p) if p.period == period => match p.lines.iter_mut().find(|l| l.0 == line.0 && l.1 == line.1) {
                Some(l) => {
                    l.2 += line.2;
                    l.3 += line.3;
                }
                None => p.lines.push(line),
            },
            _ => periods.push(PeriodSums { period, lines: vec![line] }),
        }
    }
    Ok(out)
}

const SUMS: &str =
    "SELECT group_id, month, kind, category, CAST(sum(amount_rp) AS bigint) AS total, count(*) AS n FROM book_entries";
const SUMS_ORDER: &str = " GROUP BY group_id, month, kind, category ORDER BY group_id, month, kind, category";

#[async_trait]
impl<B: Backend> BookStore for B {
    async fn add_entry(&self, group_id: Id, new: &NewEntry) -> StoreResult<Entry> {
        let n = new.clone();
        let by = current_actor().name;
        self.write(job(move |c| {
            Box::pin(async move {
                check_references(c, vec![Reference::id("group_id", "groups", "group", group_id)]).await?;
                if n.reverses_id.is_some() {
                    return Err(Invalid::one("reverses_id", "a reversal is made from the entry it reverses").into());
                }
                let id = append(c, group_id, &n, &by).await?;
                entry_by_id(c, id).await
            })
        }))
        .await
    }

    async fn post_entries(&self, group_id: Id, entries: &[NewEntry]) -> StoreResult<u64> {
        let list = entries.to_vec();
        let by = current_actor().name;
        let audit = self.bulk_audit();
        self.write(job(move |c| {
            Box::pin(async move {
                check_references(c, vec![Reference::id("group_id", "groups", "group", group_id)]).await?;
                if list.iter().any(|e| e.reverses_id.is_some()) {
                    return Err(Invalid::one("reverses_id", "reversals are posted one at a time").into());
                }
                let at = kit::now();
                let rows: Vec<Vec<Value>> = list.iter().map(|n| values(group_id, n, &by, at)).collect();
                // One audit event for the batch rather than one per line.
                exec(c, &Sql::new(audit.bulk_on)).await?;
                let n = kit::insert_rows(c, "book_entries", COLUMNS, &rows).await?;
                exec(c, &Sql::new(audit.bulk_off)).await?;
                let mut event = Sql::new(audit.event);
                let details = serde_json::json!({ "group_id": group_id, "entries": n });
                event.params = vec!["post".into(), "book_entries".into(), details.to_string().into()];
                exec(c, &event).await?;
                Ok(n)
            })
        }))
        .await
    }

    async fn reverse_entry(&self, id: Id, on: Date, reason: &str) -> StoreResult<Entry> {
        let reason = reason.to_string();
        let by = current_actor().name;
        self.write(job(move |c| {
            Box::pin(async move {
                let original = entry_by_id(c, id).await?;
                let r = original.reversal(on, &reason)?;
                let rid = append(c, original.group_id, &r, &by).await?;
                entry_by_id(c, rid).await
            })
        }))
        .await
    }

    async fn entry(&self, id: Id) -> StoreResult<Entry> {
        self.read(job(move |c| Box::pin(async move { entry_by_id(c, id).await }))).await
    }

    async fn entries(&self, group_id: Id, from: Option<Date>, to: Option<Date>) -> StoreResult<(i64, Vec<Entry>)> {
        self.read(job(move |c| {
            Box::pin(async move {
                let opening = match from {
                    Some(from) => {
                        let mut q = Sql::new(
                            "SELECT CAST(COALESCE(sum(CASE WHEN kind = 'income' THEN amount_rp ELSE -amount_rp END), 0) AS bigint) \
                             AS total FROM book_entries WHERE group_id = ",
                        );
                        q.bind(group_id).push(" AND entry_on < ").bind(from);
                        first(c, &q).await?.map(|r| r.int("total")).transpose()?.unwrap_or(0)
                    }
                    None => 0,
                };
                let mut sql = Sql::new(ENTRY_SELECT);
                sql.push(" WHERE e.group_id = ").bind(group_id);
                if let Some(from) = from {
                    sql.push(" AND e.entry_on >= ").bind(from);
                }
                if let Some(to) = to {
                    sql.push(" AND e.entry_on <= ").bind(to);
                }
                sql.push(" ORDER BY e.entry_on, e.id");
                let list = rows(c, &sql).await?.iter().map(entry_row).collect::<StoreResult<Vec<_>>>()?;
                Ok((opening, list))
            })
        }))
        .await
    }

    async fn book_sums(&self, group_id: Id, span: Span) -> StoreResult<Vec<PeriodSums>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut sql = Sql::new(SUMS);
                sql.push(" WHERE group_id = ").bind(group_id).push(SUMS_ORDER);
                let rows = rows(c, &sql).await?;
                Ok(sums_of(&rows, span)?.into_iter().next().map(|(_, p)| p).unwrap_or_default())
            })
        }))
        .await
    }

    async fn all_book_sums(&self) -> StoreResult<Vec<(Id, Vec<PeriodSums>)>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut sql = Sql::new(SUMS);
                sql.push(SUMS_ORDER);
                sums_of(&rows(c, &sql).await?, Span::Month)
            })
        }))
        .await
    }
}
