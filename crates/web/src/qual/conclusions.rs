//! Conclusions: claims the evaluator draws, with the codings that support or contradict
//! them, a status (tentative, verified, rejected) and its history, and the triangulation
//! check of each claim (distinct sources, source types and informant roles behind its
//! supporting evidence; a claim resting on one source or one role is flagged). A conclusion
//! becomes a finding of a program the study evaluates, its evidence going with it.

use axum::Router;
use axum::response::Response;
use axum::routing::{get, post};
use berdaya_domain::framework::finding::{EvidenceKind, FindingKind, NewEvidence, NewFinding};
use berdaya_domain::qual::display::{Triangulation, triangulate};
use berdaya_domain::qual::{Conclusion, ConclusionDraft, ConclusionStatus, LinkKind, Stance};
use berdaya_domain::registry::Id;

use super::display::{Material, material};
use super::{conclusion_of, excerpt, keeps, number, page, study_of};
use crate::AppState;
use crate::access::guard::{Auth, missing_reference};
use crate::error::Error;
use crate::extract::{Cx, FormData, IdPath};
use crate::html::{Cell, Field, Form, Link, Section, vocabulary};
use crate::i18n::Lang;
use crate::kotaku::{Page, answer};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/qual/studies/{id}/conclusions", get(list_page).post(add_page))
        .route("/qual/conclusions/{id}", get(conclusion_page).post(update_page))
        .route("/qual/conclusions/{id}/evidence", post(evidence_add))
        .route("/qual/conclusions/{id}/evidence/remove", post(evidence_remove))
        .route("/qual/conclusions/{id}/finding", post(finding_add))
}

/// The supporting codings' triangulation of a conclusion.
pub fn triangulation(m: &Material, c: &Conclusion) -> Triangulation {
    let supporting: Vec<Id> = c.evidence.iter().filter(|(_, s)| *s == Stance::Supports).map(|(id, _)| *id).collect();
    triangulate(&m.facts, &supporting)
}

/// The flags of a triangulation, said.
pub fn flags(lang: Lang, tr: &Triangulation) -> String {
    let t = lang.tr();
    if tr.codings == 0 {
        return t.t("qual.no_evidence").to_string();
    }
    let mut out = Vec::new();
    if tr.single_source() {
        out.push(t.t("qual.flag_one_source"));
    }
    if tr.single_role() {
        out.push(t.t("qual.flag_one_role"));
    }
    if out.is_empty() { t.t("qual.triangulated").to_string() } else { out.join("; ") }
}

async fn list_view(state: &AppState, auth: &Auth, lang: Lang, id: Id, form: Option<&FormData>) -> Result<Page, Error> {
    let t = lang.tr();
    let m = material(state, auth, id).await?;
    let list = state.store().conclusions(id).await?;
    let mut pg = page(lang, t.t("qual.conclusions").into(), Some(&m.study));
    pg.actions = vec![Link::new(t.t("qual.back_to_study"), format!("/qual/studies/{id}"))];
    let rows = list
        .iter()
        .map(|c| {
            let tr = triangulation(&m, c);
            let against = c.evidence.iter().filter(|(_, s)| *s == Stance::Contradicts).count();
            vec![
                Cell::link(excerpt(&c.claim, 120), format!("/qual/conclusions/{}", c.id)),
                Cell::text(c.status.label(lang.code())),
                Cell::text(tr.codings.to_string()),
                Cell::text(against.to_string()),
                Cell::text(tr.sources.to_string()),
                Cell::text(tr.kinds.len().to_string()),
                Cell::text(tr.roles.len().to_string()),
                Cell::text(flags(lang, &tr)),
            ]
        })
        .collect();
    let mut sec = Section::table(
        t,
        "conclusions",
        t.t("qual.conclusions"),
        &[
            "field.claim",
            "field.status",
            "qual.supporting_codings",
            "qual.contradicting_codings",
            "qual.sources",
            "qual.source_kinds",
            "qual.roles",
            "qual.triangulation",
        ],
        rows,
        t.t("qual.no_conclusions"),
    );
    if keeps(auth) {
        let v = |k: &str| form.map(|f| f.get(k)).unwrap_or_default();
        sec.form = Some(Form::new(
            "conclusion",
            format!("/qual/studies/{id}/conclusions"),
            t.t("qual.add_conclusion"),
            vec![Field::textarea("claim", t.t("field.claim"), v("claim")).required().hint(t.t("qual.claim_hint"))],
        ));
    }
    pg.sections.push(sec);
    Ok(pg)
}

async fn list_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let pg = list_view(&state, &auth, lang, id, None).await.map_err(|e| e.page(lang))?;
    Ok(crate::html::render(&pg))
}

fn draft(form: &FormData) -> ConclusionDraft {
    ConclusionDraft { claim: form.get("claim"), status: form.opt("status"), note: form.opt("note") }
}

async fn add_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let result = async {
        study_of(&state, &auth, id, true).await?;
        let n = draft(&form).parse()?;
        let c = state.store().add_conclusion(id, &n).await?;
        Ok(format!("/qual/conclusions/{}", c.id))
    }
    .await;
    answer(lang, result, "conclusions", || list_view(&state, &auth, lang, id, Some(&form))).await
}

#[derive(Clone, Copy)]
enum Again<'a> {
    None,
    Update(&'a FormData),
    Evidence(&'a FormData),
    Remove(&'a FormData),
    Finding(&'a FormData),
}

async fn conclusion_view(state: &AppState, auth: &Auth, lang: Lang, id: Id, again: Again<'_>) -> Result<Page, Error> {
    let t = lang.tr();
    let (c, st) = conclusion_of(state, auth, id, false).await?;
    let m = material(state, auth, st.id).await?;
    let codings = state.store().codings(st.id).await?;
    let coders = state.store().coders(st.id).await?;
    let mut pg = page(lang, excerpt(&c.claim, 80), Some(&st));
    pg.breadcrumbs.push(Link::new(t.t("qual.conclusions"), format!("/qual/studies/{}/conclusions", st.id)));
    let tr = triangulation(&m, &c);
    pg.facts = vec![
        (t.t("field.claim").into(), Cell::text(c.claim.clone())),
        (t.t("field.status").into(), Cell::text(c.status.label(lang.code()))),
        (
            t.t("qual.source_kinds").into(),
            Cell::text(if tr.kinds.is_empty() {
                "—".into()
            } else {
                tr.kinds.iter().map(|k| k.label(lang.code())).collect::<Vec<_>>().join(", ")
            }),
        ),
        (t.t("qual.roles").into(), Cell::text(if tr.roles.is_empty() { "—".into() } else { tr.roles.join(", ") })),
        (
            t.t("qual.finding").into(),
            match c.finding_id {
                Some(f) => match state.store().finding(f).await {
                    Ok(f) => Cell::link(t.t("qual.open_finding"), format!("/programs/{}/findings", f.program_id)),
                    Err(_) => Cell::text("—"),
                },
                None => Cell::text("—"),
            },
        ),
    ];
    pg.cards = vec![
        (t.t("qual.supporting_codings").into(), tr.codings.to_string()),
        (t.t("qual.sources").into(), tr.sources.to_string()),
        (t.t("qual.source_kinds").into(), tr.kinds.len().to_string()),
        (t.t("qual.roles").into(), tr.roles.len().to_string()),
    ];
    if tr.flagged() && tr.codings > 0 {
        pg.warnings.push(format!("{}: {}", t.t("qual.triangulation"), flags(lang, &tr)));
    }
    pg.facts.push((t.t("qual.triangulation").into(), Cell::text(flags(lang, &tr))));
    pg.actions = vec![Link::new(t.t("qual.conclusions"), format!("/qual/studies/{}/conclusions", st.id))];
    let write = keeps(auth);

    let rows = c
        .evidence
        .iter()
        .filter_map(|(gid, stance)| codings.iter().find(|g| g.id == *gid).map(|g| (g, stance)))
        .map(|(g, stance)| {
            let source = m.sources.iter().find(|s| s.id == g.source_id);
            let roles: Vec<String> = source
                .map(|s| {
                    s.informants
                        .iter()
                        .filter_map(|i| m.informants.iter().find(|k| k.id == *i))
                        .map(|k| format!("{} ({})", k.pseudonym, k.role))
                        .collect()
                })
                .unwrap_or_default();
            vec![
                Cell::text(stance.label(lang.code())),
                Cell::link(
                    source.map(|s| s.title.clone()).unwrap_or_default(),
                    format!("/qual/sources/{}#c{}", g.source_id, g.id),
                ),
                Cell::text(source.map(|s| s.kind.label(lang.code()).to_string()).unwrap_or_default()),
                Cell::text(if roles.is_empty() { "—".into() } else { roles.join(", ") }),
                Cell::text(m.codes.iter().find(|k| k.id == g.code_id).map(|k| k.name.clone()).unwrap_or_default()),
                Cell::text(excerpt(&g.quote, 200)),
            ]
        })
        .collect();
    let mut sec = Section::table(
        t,
        "evidence",
        t.t("qual.evidence"),
        &["field.stance", "qual.source", "field.kind", "qual.informants", "field.code_id", "qual.quote"],
        rows,
        t.t("qual.no_evidence"),
    );
    if write {
        let f = if let Again::Evidence(f) = again { Some(f) } else { None };
        let v = |k: &str| f.map(|f| f.get(k)).unwrap_or_default();
        let choices: Vec<(String, String)> = codings
            .iter()
            .filter(|g| g.phase != berdaya_domain::qual::Phase::Blind && !c.evidence.iter().any(|(e, _)| *e == g.id))
            .map(|g| {
                let code = m.codes.iter().find(|k| k.id == g.code_id).map(|k| k.name.as_str()).unwrap_or("");
                let source = m.sources.iter().find(|s| s.id == g.source_id).map(|s| s.title.as_str()).unwrap_or("");
                let coder = coders.iter().find(|k| k.id == g.coder_id).map(|k| k.name.as_str()).unwrap_or("");
                (g.id.to_string(), format!("{code} — «{}» ({source}; {coder})", excerpt(&g.quote, 70)))
            })
            .collect();
        sec.form = Some(Form::new(
            "evidence",
            format!("/qual/conclusions/{id}/evidence"),
            t.t("qual.add_evidence"),
            vec![
                Field::select(
                    "coding_id",
                    t.t("field.coding_id"),
                    &v("coding_id"),
                    choices,
                    Some(t.t("common.choose")),
                )
                .required(),
                Field::select(
                    "stance",
                    t.t("field.stance"),
                    &v("stance"),
                    vocabulary(Stance::ALL, Stance::code, Stance::label, lang),
                    Some(t.t("common.choose")),
                )
                .required(),
            ],
        ));
    }
    pg.sections.push(sec);
    if write && !c.evidence.is_empty() {
        let f = if let Again::Remove(f) = again { Some(f) } else { None };
        let v = f.map(|f| f.get("coding_id")).unwrap_or_default();
        let choices = c
            .evidence
            .iter()
            .filter_map(|(gid, _)| codings.iter().find(|g| g.id == *gid))
            .map(|g| (g.id.to_string(), excerpt(&g.quote, 80)))
            .collect();
        pg.sections.push(Section {
            id: "remove".into(),
            title: t.t("qual.remove_evidence").into(),
            form: Some(Form::new(
                "remove",
                format!("/qual/conclusions/{id}/evidence/remove"),
                t.t("qual.remove"),
                vec![
                    Field::select("coding_id", t.t("field.coding_id"), &v, choices, Some(t.t("common.choose")))
                        .required(),
                ],
            )),
            ..Default::default()
        });
    }

    let history = state.store().conclusion_history(id).await?;
    let rows = history
        .iter()
        .map(|h| {
            vec![
                Cell::text(stamp(h.at)),
                Cell::text(h.actor.clone()),
                Cell::text(h.status.label(lang.code())),
                Cell::text(excerpt(&h.claim, 120)),
                Cell::text(h.note.clone().unwrap_or_else(|| "—".into())),
            ]
        })
        .collect();
    pg.sections.push(Section::table(
        t,
        "history",
        t.t("qual.history"),
        &["field.at", "field.actor", "field.status", "field.claim", "field.note"],
        rows,
        "—",
    ));

    if write {
        let f = if let Again::Update(f) = again { Some(f) } else { None };
        let v = |k: &str, d: String| f.map(|f| f.get(k)).unwrap_or(d);
        pg.sections.push(Section {
            id: "update".into(),
            title: t.t("qual.update_conclusion").into(),
            form: Some(
                Form::new(
                    "update",
                    format!("/qual/conclusions/{id}"),
                    t.t("common.save"),
                    vec![
                        Field::textarea("claim", t.t("field.claim"), v("claim", c.claim.clone())).required(),
                        Field::select(
                            "status",
                            t.t("field.status"),
                            &v("status", c.status.code().to_string()),
                            vocabulary(ConclusionStatus::ALL, ConclusionStatus::code, ConclusionStatus::label, lang),
                            None,
                        )
                        .required(),
                        Field::text("note", t.t("field.note"), v("note", String::new()))
                            .required()
                            .hint(t.t("qual.note_hint")),
                    ],
                )
                .hidden("version", c.version.to_string()),
            ),
            ..Default::default()
        });
        let programs: Vec<(String, String)> = {
            let mut out = Vec::new();
            for &(_, pid) in st.links.iter().filter(|(k, _)| *k == LinkKind::Program) {
                // Only programs the caller may read: any other is not offered at all.
                if let Ok(p) = crate::registry::programs::readable_program(state, auth, pid).await {
                    out.push((pid.to_string(), p.name));
                }
            }
            out
        };
        if c.finding_id.is_none() && !programs.is_empty() {
            let f = if let Again::Finding(f) = again { Some(f) } else { None };
            let v = |k: &str| f.map(|f| f.get(k)).unwrap_or_default();
            pg.sections.push(Section {
                id: "finding".into(),
                title: t.t("qual.make_finding").into(),
                form: Some(Form::new(
                    "finding",
                    format!("/qual/conclusions/{id}/finding"),
                    t.t("qual.make_finding"),
                    vec![
                        Field::select(
                            "program_id",
                            t.t("field.program_id"),
                            &v("program_id"),
                            programs,
                            Some(t.t("common.choose")),
                        )
                        .required(),
                        Field::select(
                            "kind",
                            t.t("field.kind"),
                            &v("kind"),
                            vocabulary(FindingKind::ALL, FindingKind::code, FindingKind::label, lang),
                            Some(t.t("common.choose")),
                        )
                        .required(),
                    ],
                )),
                ..Default::default()
            });
        }
    }
    Ok(pg)
}

async fn conclusion_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let pg = conclusion_view(&state, &auth, lang, id, Again::None).await.map_err(|e| e.page(lang))?;
    Ok(crate::html::render(&pg))
}

async fn update_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let result = async {
        let (c, _) = conclusion_of(&state, &auth, id, true).await?;
        let n = draft(&form).parse()?;
        if n.note.is_none() {
            return Err(Error::unprocessable("note", "is required"));
        }
        state.store().update_conclusion(id, &n, form.version().unwrap_or(c.version)).await?;
        Ok(format!("/qual/conclusions/{id}"))
    }
    .await;
    answer(lang, result, "update", || conclusion_view(&state, &auth, lang, id, Again::Update(&form))).await
}

async fn evidence_add(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let result = async {
        let (c, _) = conclusion_of(&state, &auth, id, true).await?;
        let stance_raw = form.get("stance");
        let mut ck = berdaya_domain::registry::text::Checker::new();
        let coding = ck.field("coding_id", berdaya_domain::registry::text::id(&form.get("coding_id")));
        let stance = ck.field("stance", Stance::parse(&stance_raw));
        ck.finish()?;
        let (Some(coding), Some(stance)) = (coding, stance) else {
            return Err(Error::unprocessable("coding_id", "is required"));
        };
        // A coding of another study (or out of scope) reads as missing.
        match super::coding_of(&state, &auth, coding, false).await {
            Ok((_, _, st)) if st.id == c.study_id => {}
            _ => return Err(missing_reference("coding_id", "coding", coding)),
        }
        state.store().set_evidence(id, coding, stance).await?;
        Ok(format!("/qual/conclusions/{id}#evidence"))
    }
    .await;
    answer(lang, result, "evidence", || conclusion_view(&state, &auth, lang, id, Again::Evidence(&form))).await
}

async fn evidence_remove(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let result = async {
        conclusion_of(&state, &auth, id, true).await?;
        let coding = number(&form, "coding_id")?;
        state.store().remove_evidence(id, coding).await?;
        Ok(format!("/qual/conclusions/{id}#evidence"))
    }
    .await;
    answer(lang, result, "remove", || conclusion_view(&state, &auth, lang, id, Again::Remove(&form))).await
}

async fn finding_add(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let result = async {
        let (c, st) = conclusion_of(&state, &auth, id, true).await?;
        let kind_raw = form.get("kind");
        let mut ck = berdaya_domain::registry::text::Checker::new();
        let program = ck.field("program_id", berdaya_domain::registry::text::id(&form.get("program_id")));
        let kind = ck.field("kind", FindingKind::parse(&kind_raw));
        ck.finish()?;
        let (Some(program), Some(kind)) = (program, kind) else {
            return Err(Error::unprocessable("program_id", "is required"));
        };
        // Only a program the study evaluates, and one the caller may read.
        if !st.links.contains(&(LinkKind::Program, program))
            || crate::registry::programs::readable_program(&state, &auth, program).await.is_err()
        {
            return Err(missing_reference("program_id", "program", program));
        }
        if c.finding_id.is_some() {
            return Err(Error::unprocessable("program_id", "the conclusion is already a finding"));
        }
        let m = material(&state, &auth, st.id).await?;
        let codings = state.store().codings(st.id).await?;
        let mut dimensions: Vec<Id> = Vec::new();
        for (gid, _) in &c.evidence {
            if let Some(g) = codings.iter().find(|g| g.id == *gid)
                && let Some(code) = m.codes.iter().find(|k| k.id == g.code_id)
            {
                for d in &code.dimensions {
                    if !dimensions.contains(d) {
                        dimensions.push(*d);
                    }
                }
            }
        }
        let title: String = c.claim.chars().take(200).collect();
        let f = state
            .store()
            .create_finding(&NewFinding {
                program_id: program,
                kind,
                title,
                description: Some(format!("{} — {}", st.title, c.claim.chars().take(1800).collect::<String>())),
                noted_on: Some(crate::agriculture::machines::today()),
                answers: Vec::new(),
                dimensions,
                links: Vec::new(),
            })
            .await?;
        for (gid, stance) in &c.evidence {
            let Some(g) = codings.iter().find(|g| g.id == *gid) else { continue };
            let source = m.sources.iter().find(|s| s.id == g.source_id);
            let who: Vec<String> = source
                .map(|s| {
                    s.informants
                        .iter()
                        .filter_map(|i| m.informants.iter().find(|k| k.id == *i))
                        .map(|k| k.role.clone())
                        .collect()
                })
                .unwrap_or_default();
            let kind = match source.map(|s| s.kind) {
                Some(berdaya_domain::qual::SourceKind::Observation) => EvidenceKind::Observation,
                Some(berdaya_domain::qual::SourceKind::Document) => EvidenceKind::Document,
                _ => EvidenceKind::Quote,
            };
            let mark = if *stance == Stance::Contradicts { "[membantah] " } else { "" };
            state
                .store()
                .add_evidence(
                    f.id,
                    &NewEvidence {
                        kind,
                        text: format!("{mark}{}", g.quote.chars().take(1900).collect::<String>()),
                        source: Some(format!(
                            "{}{}",
                            source.map(|s| s.title.clone()).unwrap_or_default(),
                            if who.is_empty() { String::new() } else { format!(" ({})", who.join(", ")) }
                        )),
                        attachment_id: None,
                    },
                )
                .await?;
        }
        state.store().link_finding(id, f.id).await?;
        Ok(format!("/qual/conclusions/{id}"))
    }
    .await;
    answer(lang, result, "finding", || conclusion_view(&state, &auth, lang, id, Again::Finding(&form))).await
}

/// A moment as `YYYY-MM-DD HH:MM` (UTC).
fn stamp(t: time::OffsetDateTime) -> String {
    format!("{} {:02}:{:02}", t.date(), t.hour(), t.minute())
}
