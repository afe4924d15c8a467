//! Frameworks and their dimensions (`berdaya_domain::framework`): read by every page that
//! tags a record, added to by administrators and program officers.

use async_trait::async_trait;
use berdaya_domain::framework::{Dimension, Framework, NewDimension, NewFramework};
use berdaya_domain::registry::{Id, Invalid};

use crate::StoreResult;

#[async_trait]
pub trait FrameworkStore {
    /// Every framework with its dimensions in order, frameworks by id (the shipped ones first).
    async fn frameworks(&self) -> StoreResult<Vec<Framework>>;
    /// One framework with its dimensions; [`crate::StoreError::NotFound`] if none.
    async fn framework(&self, id: Id) -> StoreResult<Framework>;
    /// The framework with this code, if any.
    async fn framework_by_code(&self, code: &str) -> StoreResult<Option<Framework>>;
    /// Adds a framework (its code unique: `Duplicate` naming `code`).
    async fn create_framework(&self, new: &NewFramework) -> StoreResult<Framework>;
    /// Changes a framework's code, name and description if it is still at `version`.
    async fn update_framework(&self, id: Id, new: &NewFramework, version: i64) -> StoreResult<Framework>;
    /// Adds a dimension after the framework's last one (its code unique in the framework).
    async fn add_dimension(&self, framework_id: Id, new: &NewDimension) -> StoreResult<Dimension>;
    /// The dimensions with these ids, in framework and position order; an id that names no
    /// dimension is `Invalid` on `field`.
    async fn dimensions(&self, field: &'static str, ids: &[Id]) -> StoreResult<Vec<Dimension>>;
}

mod on_kit {
    use super::*;
    use berdaya_domain::framework::Code;

    use crate::kit::{Backend, Record, Row, Sql, Value, Writable, create, first, get, insert, job, list, update};

    fn code(row: &Row, column: &str) -> StoreResult<Code> {
        row.parsed(column, Code::parse)
    }

    /// A framework's own row; its dimensions are read beside it.
    struct FrameworkRow(Framework);

    impl Record for FrameworkRow {
        const TABLE: &'static str = "frameworks";
        const ALIAS: &'static str = "f";
        const ENTITY: &'static str = "framework";
        const COLUMNS: &'static str = "id, code, name, description, version";

        fn from_row(row: &Row) -> StoreResult<Self> {
            Ok(FrameworkRow(Framework {
                id: row.int("id")?,
                code: code(row, "code")?,
                name: row.text("name")?,
                description: row.opt_text("description")?,
                dimensions: Vec::new(),
                version: row.int("version")?,
            }))
        }
    }

    impl Writable for FrameworkRow {
        type New = NewFramework;
        const UNIQUE: Option<(&'static str, &'static str)> =
            Some(("code", "a framework with this code already exists"));

        fn values(f: &NewFramework) -> Vec<(&'static str, Value)> {
            vec![
                ("code", f.code.as_str().into()),
                ("name", f.name.as_str().into()),
                ("description", f.description.clone().into()),
            ]
        }
    }

    impl Record for Dimension {
        const TABLE: &'static str = "framework_dimensions";
        const ALIAS: &'static str = "d";
        const ENTITY: &'static str = "dimension";
        const COLUMNS: &'static str = "id, framework_id, code, name, description, position";

        fn from_row(row: &Row) -> StoreResult<Self> {
            Ok(Dimension {
                id: row.int("id")?,
                framework_id: row.int("framework_id")?,
                code: code(row, "code")?,
                name: row.text("name")?,
                description: row.opt_text("description")?,
                position: row.int("position")?,
            })
        }
    }

    impl Writable for Dimension {
        type New = NewDimension;
        const UNIQUE: Option<(&'static str, &'static str)> =
            Some(("code", "this framework already has a dimension with this code"));

        fn values(d: &NewDimension) -> Vec<(&'static str, Value)> {
            vec![
                ("code", d.code.as_str().into()),
                ("name", d.name.as_str().into()),
                ("description", d.description.clone().into()),
            ]
        }
    }

    /// The frameworks `cond` selects, each with its dimensions.
    async fn with_dimensions(c: &mut dyn crate::kit::Conn, cond: Sql) -> StoreResult<Vec<Framework>> {
        let mut out: Vec<Framework> = list::<FrameworkRow>(c, cond, "f.id").await?.into_iter().map(|f| f.0).collect();
        if out.is_empty() {
            return Ok(out);
        }
        let mut cond = Sql::new("d.framework_id IN ");
        cond.list(out.iter().map(|f| f.id));
        for d in list::<Dimension>(c, cond, "d.framework_id, d.position, d.id").await? {
            if let Some(f) = out.iter_mut().find(|f| f.id == d.framework_id) {
                f.dimensions.push(d);
            }
        }
        Ok(out)
    }

    async fn one(c: &mut dyn crate::kit::Conn, id: Id) -> StoreResult<Framework> {
        let mut cond = Sql::new("f.id = ");
        cond.bind(id);
        with_dimensions(c, cond).await?.pop().ok_or(crate::StoreError::NotFound { entity: "framework" })
    }

    #[async_trait]
    impl<B: Backend> FrameworkStore for B {
        async fn frameworks(&self) -> StoreResult<Vec<Framework>> {
            self.read(job(move |c| Box::pin(async move { with_dimensions(c, Sql::new("1 = 1")).await }))).await
        }

        async fn framework(&self, id: Id) -> StoreResult<Framework> {
            self.read(job(move |c| Box::pin(async move { one(c, id).await }))).await
        }

        async fn framework_by_code(&self, code: &str) -> StoreResult<Option<Framework>> {
            let code = code.to_ascii_lowercase();
            self.read(job(move |c| {
                Box::pin(async move {
                    let mut cond = Sql::new("f.code = ");
                    cond.bind(code);
                    Ok(with_dimensions(c, cond).await?.pop())
                })
            }))
            .await
        }

        async fn create_framework(&self, new: &NewFramework) -> StoreResult<Framework> {
            let new = new.clone();
            self.write(job(move |c| {
                Box::pin(async move {
                    let f = create::<FrameworkRow>(c, &new).await?;
                    Ok(f.0)
                })
            }))
            .await
        }

        async fn update_framework(&self, id: Id, new: &NewFramework, version: i64) -> StoreResult<Framework> {
            let new = new.clone();
            self.write(job(move |c| {
                Box::pin(async move {
                    update::<FrameworkRow>(c, id, &new, version).await?;
                    one(c, id).await
                })
            }))
            .await
        }

        async fn add_dimension(&self, framework_id: Id, new: &NewDimension) -> StoreResult<Dimension> {
            let new = new.clone();
            self.write(job(move |c| {
                Box::pin(async move {
                    crate::kit::require::<FrameworkRow>(c, framework_id).await?;
                    let mut next = Sql::new(
                        "SELECT COALESCE(MAX(position), 0) + 1 AS next FROM framework_dimensions WHERE framework_id = ",
                    );
                    next.bind(framework_id);
                    let position = match first(c, &next).await? {
                        Some(row) => row.int("next")?,
                        None => 1,
                    };
                    let id = insert::<Dimension>(
                        c,
                        &new,
                        vec![("framework_id", framework_id.into()), ("position", position.into())],
                    )
                    .await?;
                    get(c, id).await
                })
            }))
            .await
        }

        async fn dimensions(&self, field: &'static str, ids: &[Id]) -> StoreResult<Vec<Dimension>> {
            let ids = ids.to_vec();
            self.read(job(move |c| {
                Box::pin(async move {
                    if ids.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut cond = Sql::new("d.id IN ");
                    cond.list(ids.iter().copied());
                    let found = list::<Dimension>(c, cond, "d.framework_id, d.position, d.id").await?;
                    if let Some(missing) = ids.iter().find(|id| !found.iter().any(|d| d.id == **id)) {
                        return Err(Invalid::one(field, format!("dimension {missing} does not exist")).into());
                    }
                    Ok(found)
                })
            }))
            .await
        }
    }
}
