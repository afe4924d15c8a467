//! The search behind every reference picker: `GET /api/v1/pick/{kind}?q=&limit=` answers the
//! records of one kind that the caller may see and whose name (or code) matches, each as a
//! value to submit, a name to show and a short detail. It reads through the same scope and
//! the same read rule as the kind's listing, and never shows a NIK or KK.

use std::collections::HashMap;

use axum::extract::{Path, Query as UriQuery, State};
use axum::routing::get;
use axum::{Json, Router};
use berdaya_domain::registry::{Id, RegionCode};
use berdaya_store::{PageRequest, Query};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::access::guard::Auth;
use crate::error::{Error, ErrorBody};
use crate::i18n::Lang;

/// The most records one answer holds.
pub const MAX_PICKS: u32 = 20;
/// How many records an answer holds when the caller does not say.
const DEFAULT_PICKS: u32 = 10;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/pick/{kind}", get(pick))
}

/// One record a picker offers.
#[derive(Debug, Serialize, ToSchema)]
pub struct PickItem {
    /// What the form submits: a region's code, else the record's id.
    pub value: String,
    /// The record's name.
    pub label: String,
    /// A short description that tells records of the same name apart (a household's
    /// address, a person's birth year and village, a group's region); never a NIK or KK.
    pub detail: String,
}

/// The query of a pick.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct PickParams {
    /// Part of the name (a region also matches by the start of its code); empty answers the
    /// first records in the listing's order.
    q: Option<String>,
    /// How many records to answer, 1 to 20 (default 10).
    limit: Option<u32>,
}

/// The record kinds a picker searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Region,
    Household,
    Person,
    Group,
    Agency,
    Program,
    Dimension,
    Staff,
}

impl Kind {
    fn parse(s: &str) -> Result<Kind, Error> {
        Ok(match s {
            "region" => Kind::Region,
            "household" => Kind::Household,
            "person" => Kind::Person,
            "group" => Kind::Group,
            "agency" => Kind::Agency,
            "program" => Kind::Program,
            "dimension" => Kind::Dimension,
            "staff" => Kind::Staff,
            _ => {
                return Err(Error::bad_request(
                    "kind",
                    "is not a record kind (use region, household, person, group, agency, program, dimension or staff)",
                ));
            }
        })
    }

    /// Whether the caller may list records of this kind: the rule of the kind's listing.
    fn readable(self, auth: &Auth) -> bool {
        let p = auth.principal();
        match self {
            Kind::Region => true,
            Kind::Household => auth.reads_people() && p.opens_households(),
            Kind::Person | Kind::Group => auth.reads_people(),
            Kind::Agency | Kind::Program | Kind::Dimension | Kind::Staff => p.reads_programs(),
        }
    }
}

/// Records of one kind whose name matches `q`, as a picker shows them.
#[utoipa::path(get, path = "/api/v1/pick/{kind}", tag = "pick",
    params(("kind" = String, Path, description = "`region`, `household`, `person`, `group`, `agency`, `program`, `dimension` or `staff`"), PickParams),
    responses((status = 200, body = Vec<PickItem>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn pick(
    State(state): State<AppState>,
    auth: Auth,
    lang: Lang,
    Path(kind): Path<String>,
    UriQuery(params): UriQuery<Vec<(String, String)>>,
) -> Result<Json<Vec<PickItem>>, Error> {
    let kind = Kind::parse(&kind)?;
    let (text, limit) = parse_params(params)?;
    auth.require(kind.readable(&auth))?;
    let query = Query { text, page: PageRequest::new(1, limit), ..Default::default() };
    let mut names = RegionNames::default();
    let store = state.store();
    let code = lang.code();
    let items = match kind {
        Kind::Region => {
            let Ok(region) = auth.principal().narrow(None) else { return Ok(Json(Vec::new())) };
            let found = store.search_regions(&Query { region, ..query }).await?;
            let mut items = Vec::with_capacity(found.items.len());
            for r in found.items {
                let parent = match &r.parent {
                    Some(p) => format!(" · {}", names.of(&state, p).await?),
                    None => String::new(),
                };
                let detail = format!("{} {}{parent}", r.kind.label(code), r.code);
                items.push(PickItem { value: r.code.to_string(), label: r.name, detail });
            }
            items
        }
        Kind::Household => {
            let Some(q) = auth.scope(query) else { return Ok(Json(Vec::new())) };
            let found = store.search_households(&q).await?;
            found
                .items
                .into_iter()
                .map(|s| PickItem {
                    value: s.household.id.to_string(),
                    label: s.head_name.unwrap_or_else(|| s.household.address.clone()),
                    detail: format!("{} · {}", s.household.address, s.region_name),
                })
                .collect()
        }
        Kind::Person => {
            let Some(q) = auth.scope(query) else { return Ok(Json(Vec::new())) };
            let found = store.search_people(&q).await?;
            let mut villages: HashMap<Id, String> = HashMap::new();
            let mut items = Vec::with_capacity(found.items.len());
            for p in found.items {
                let born = lang.tr().t("pick.born").replace("{year}", &p.birth_date.year().to_string());
                let village = match p.household_id {
                    Some(h) => match villages.get(&h) {
                        Some(v) => Some(v.clone()),
                        None => {
                            let region = store.household(h).await?.region;
                            let name = names.of(&state, &region).await?;
                            villages.insert(h, name.clone());
                            Some(name)
                        }
                    },
                    None => None,
                };
                let detail = match village {
                    Some(v) => format!("{born} · {v}"),
                    None => born,
                };
                items.push(PickItem { value: p.id.to_string(), label: p.name, detail });
            }
            items
        }
        Kind::Group => {
            let Some(q) = auth.scope(query) else { return Ok(Json(Vec::new())) };
            let found = store.search_groups(&q).await?;
            found
                .items
                .into_iter()
                .map(|s| PickItem {
                    value: s.group.id.to_string(),
                    detail: format!("{} · {}", s.group.kind.label(code), s.region_name),
                    label: s.group.name,
                })
                .collect()
        }
        Kind::Agency => {
            let Some(q) = auth.scope(query) else { return Ok(Json(Vec::new())) };
            let found = store.search_agencies(&q).await?;
            let mut items = Vec::with_capacity(found.items.len());
            for a in found.items {
                let detail = format!("{} · {}", a.kind.label(code), names.of(&state, &a.region).await?);
                items.push(PickItem { value: a.id.to_string(), label: a.name, detail });
            }
            items
        }
        Kind::Program => {
            // The store does not know the caller's area: read a wide page and keep the
            // programs in it, as the listing does.
            let wide = Query { page: PageRequest::new(1, PageRequest::MAX_PER_PAGE), ..query };
            let found = store.search_programs(&wide).await?;
            found
                .items
                .into_iter()
                .filter(|s| auth.program_in_area(&s.program))
                .take(limit as usize)
                .map(|s| PickItem {
                    value: s.program.id.to_string(),
                    detail: format!(
                        "{} · {}",
                        s.agency_name,
                        berdaya_domain::registry::text::format_date(s.program.starts_on)
                    ),
                    label: s.program.name,
                })
                .collect()
        }
        Kind::Dimension => {
            // Frameworks are shared reference data, few and short: match in memory.
            let wanted = query.text.as_deref().map(|q| q.to_lowercase());
            let mut items = Vec::new();
            for f in store.frameworks().await? {
                for d in &f.dimensions {
                    let hit = wanted.as_deref().is_none_or(|q| {
                        d.name.to_lowercase().contains(q)
                            || f.name.to_lowercase().contains(q)
                            || d.code.as_str().contains(q)
                    });
                    if hit && items.len() < limit as usize {
                        items.push(PickItem {
                            value: d.id.to_string(),
                            label: crate::framework::dimension_label(&f, d),
                            detail: f.code.to_string(),
                        });
                    }
                }
            }
            items
        }
        Kind::Staff => {
            // Staff of the agencies in the caller's area.
            let Ok(region) = auth.principal().narrow(None) else { return Ok(Json(Vec::new())) };
            let found = store.search_assessors(&Query { region, ..query }).await?;
            found
                .items
                .into_iter()
                .map(|s| PickItem {
                    value: s.id.to_string(),
                    detail: format!("{} · {}", s.position, s.agency_name),
                    label: s.name,
                })
                .collect()
        }
    };
    Ok(Json(items))
}

/// The search text and the number of records asked for; an unknown parameter or a bad limit
/// is a 400 naming it.
fn parse_params(params: Vec<(String, String)>) -> Result<(Option<String>, u32), Error> {
    let (mut text, mut limit) = (None, DEFAULT_PICKS);
    for (key, value) in params {
        match key.as_str() {
            "q" => {
                let v = value.trim();
                if v.chars().count() > crate::extract::MAX_QUERY_CHARS {
                    return Err(Error::bad_request(
                        "q",
                        format!("is longer than {} characters", crate::extract::MAX_QUERY_CHARS),
                    ));
                }
                text = (!v.is_empty()).then(|| v.to_string());
            }
            "limit" => match value.trim().parse::<u32>() {
                Ok(n) if (1..=MAX_PICKS).contains(&n) => limit = n,
                _ => return Err(Error::bad_request("limit", format!("is not a whole number from 1 to {MAX_PICKS}"))),
            },
            // The interface language, which the details are written in.
            "lang" => {}
            _ => return Err(Error::bad_request(&key, "is not a known parameter (use q, limit)")),
        }
    }
    Ok((text, limit))
}

/// Region names looked up once per answer.
#[derive(Default)]
struct RegionNames(HashMap<RegionCode, String>);

impl RegionNames {
    async fn of(&mut self, state: &AppState, code: &RegionCode) -> Result<String, Error> {
        if let Some(name) = self.0.get(code) {
            return Ok(name.clone());
        }
        let name = match state.store().region(code).await {
            Ok(r) => r.name,
            Err(berdaya_store::StoreError::NotFound { .. }) => code.to_string(),
            Err(e) => return Err(e.into()),
        };
        self.0.insert(code.clone(), name.clone());
        Ok(name)
    }
}
