//! Inter-coder agreement of a study's blind phase: per code and overall, over characters and
//! over segments, percent agreement, Cohen's kappa (two coders) and Krippendorff's alpha
//! (nominal); the disagreements side by side, and the reconciled coding recorded.

use std::collections::{BTreeMap, BTreeSet};

use axum::Router;
use axum::response::Response;
use axum::routing::get;
use berdaya_domain::qual::agreement::{
    Agreement, DisagreementKind, SourceLen, Span, TextAgreement, character_agreement, disagreements, segment_agreement,
};
use berdaya_domain::qual::display::slice;
use berdaya_domain::qual::{NewCoding, Phase, Source};
use berdaya_domain::registry::Id;

use super::{excerpt, keeps, page, study_of};
use crate::AppState;
use crate::access::guard::Auth;
use crate::error::Error;
use crate::extract::{Cx, FormData, IdPath};
use crate::html::{Cell, Field, Form, Link, Section};
use crate::i18n::Lang;
use crate::kotaku::{Page, answer};

pub fn router() -> Router<AppState> {
    Router::new().route("/qual/studies/{id}/agreement", get(agreement_page).post(reconcile_page))
}

/// The blind phase's material: coders, sources and spans, as the statistics take them.
pub struct Blind {
    pub coders: Vec<u32>,
    pub sources: Vec<SourceLen>,
    pub spans: Vec<Span>,
}

pub fn blind_of(facts: &berdaya_domain::qual::display::Facts, sources: &[Source]) -> Blind {
    let spans: Vec<Span> = facts
        .codings
        .iter()
        .filter_map(|g| {
            Some(Span {
                source: u32::try_from(g.source_id).ok()?,
                code: u32::try_from(g.code_id).ok()?,
                coder: u32::try_from(g.coder_id).ok()?,
                start: g.start,
                end: g.end,
            })
        })
        .collect();
    let coders: BTreeSet<u32> = spans.iter().map(|s| s.coder).collect();
    let used: BTreeSet<u32> = spans.iter().map(|s| s.source).collect();
    let sources = sources
        .iter()
        .filter_map(|s| {
            let id = u32::try_from(s.id).ok()?;
            used.contains(&id).then_some(SourceLen { source: id, len: s.chars })
        })
        .collect();
    Blind { coders: coders.into_iter().collect(), sources, spans }
}

/// A statistic with three decimals, a decimal comma in Indonesian.
fn num_in(lang: Lang, v: Option<f64>) -> String {
    let s = v.map(|x| format!("{x:.3}")).unwrap_or_else(|| "—".into());
    if lang.code() == "en" { s } else { s.replace('.', ",") }
}

fn pct_in(lang: Lang, v: Option<f64>) -> String {
    let s = v.map(|x| format!("{:.1} %", x * 100.0)).unwrap_or_else(|| "—".into());
    if lang.code() == "en" { s } else { s.replace('.', ",") }
}

async fn agreement_view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    id: Id,
    form: Option<&FormData>,
) -> Result<Page, Error> {
    let t = lang.tr();
    let st = study_of(state, auth, id, false).await?;
    let store = state.store();
    let facts = store.facts(id, true).await?;
    let sources = store.sources(id).await?;
    let codes = store.codes(id).await?;
    let coders = store.coders(id).await?;
    let b = blind_of(&facts, &sources);
    let mut pg = page(lang, t.t("qual.agreement").into(), Some(&st));
    pg.actions = vec![Link::new(t.t("qual.back_to_study"), format!("/qual/studies/{id}"))];
    let num = |v: Option<f64>| num_in(lang, v);
    let pct = |v: Option<f64>| pct_in(lang, v);
    let coder_name = |c: u32| coders.iter().find(|k| k.id == i64::from(c)).map(|k| k.name.clone()).unwrap_or_default();
    let code_name = |c: u32| codes.iter().find(|k| k.id == i64::from(c)).map(|k| k.name.clone()).unwrap_or_default();
    pg.facts = vec![
        (t.t("qual.phase").into(), Cell::text(t.t(if st.blind { "qual.phase_blind" } else { "qual.phase_open" }))),
        (t.t("qual.coders").into(), Cell::text(b.coders.iter().map(|&c| coder_name(c)).collect::<Vec<_>>().join(", "))),
        (t.t("qual.sources").into(), Cell::text(b.sources.len().to_string())),
        (t.t("qual.codings").into(), Cell::text(b.spans.len().to_string())),
    ];
    if b.coders.len() < 2 {
        pg.warnings.push(t.t("qual.agreement_needs_two").into());
    }
    let chars = character_agreement(&b.sources, &b.coders, &b.spans);
    let segs = segment_agreement(&b.coders, &b.spans);
    pg.cards = vec![
        (t.t("qual.alpha_chars").into(), num(chars.overall.alpha)),
        (t.t("qual.kappa_chars").into(), num(chars.overall.cohen_kappa)),
        (t.t("qual.alpha_segments").into(), num(segs.overall.alpha)),
        (t.t("qual.percent_segments").into(), pct(segs.overall.percent_agreement)),
    ];
    let row = |name: String, c: Option<&Agreement>, s: Option<&Agreement>| {
        vec![
            Cell::text(name),
            Cell::text(c.map(|a| a.units.to_string()).unwrap_or_default()),
            Cell::text(pct(c.and_then(|a| a.percent_agreement))),
            Cell::text(num(c.and_then(|a| a.cohen_kappa))),
            Cell::text(num(c.and_then(|a| a.alpha))),
            Cell::text(s.map(|a| a.units.to_string()).unwrap_or_default()),
            Cell::text(pct(s.and_then(|a| a.percent_agreement))),
            Cell::text(num(s.and_then(|a| a.cohen_kappa))),
            Cell::text(num(s.and_then(|a| a.alpha))),
        ]
    };
    let per = |ta: &TextAgreement| -> BTreeMap<u32, Agreement> {
        ta.per_code
            .iter()
            .map(|c| {
                (
                    c.code,
                    Agreement {
                        units: c.units,
                        percent_agreement: c.percent_agreement,
                        cohen_kappa: c.cohen_kappa,
                        alpha: c.alpha,
                    },
                )
            })
            .collect()
    };
    let (pc, ps) = (per(&chars), per(&segs));
    let all: BTreeSet<u32> = pc.keys().chain(ps.keys()).copied().collect();
    let mut rows: Vec<Vec<Cell>> = all.iter().map(|&c| row(code_name(c), pc.get(&c), ps.get(&c))).collect();
    if !all.is_empty() {
        rows.push(row(t.t("qual.overall").into(), Some(&chars.overall), Some(&segs.overall)));
    }
    pg.sections.push(Section::table(
        t,
        "per-code",
        t.t("qual.agreement_per_code"),
        &[
            "field.code_id",
            "qual.char_units",
            "qual.percent_chars",
            "qual.kappa_chars",
            "qual.alpha_chars",
            "qual.segment_units",
            "qual.percent_segments",
            "qual.kappa_segments",
            "qual.alpha_segments",
        ],
        rows,
        t.t("qual.no_blind_codings"),
    ));

    // Disagreements side by side; a reconciled cluster has a reconciled coding over it.
    let reconciled: Vec<_> = store.codings(id).await?.into_iter().filter(|g| g.phase == Phase::Reconciled).collect();
    // While the phase runs, coders must not see each other's codings: statistics only.
    let list = if st.blind { Vec::new() } else { disagreements(&b.coders, &b.spans) };
    if st.blind {
        pg.warnings.push(t.t("qual.disagreements_after_blind").into());
    }
    let mut choices = Vec::new();
    let mut rows = Vec::new();
    for d in list.iter().take(300) {
        let source = sources.iter().find(|s| s.id == i64::from(d.source));
        let body = source.map(|s| s.body.as_str()).unwrap_or("");
        let done = reconciled.iter().any(|g| {
            g.source_id == i64::from(d.source) && g.code_id == i64::from(d.code) && g.start < d.end && g.end > d.start
        });
        let mut row = vec![
            Cell::link(source.map(|s| s.title.clone()).unwrap_or_default(), format!("/qual/sources/{}", d.source)),
            Cell::text(code_name(d.code)),
            Cell::text(t.t(match d.kind {
                DisagreementKind::Presence => "qual.disagree_presence",
                DisagreementKind::Boundaries => "qual.disagree_boundaries",
            })),
        ];
        let sides: Vec<String> = d
            .coders
            .iter()
            .map(|c| {
                let what = if c.coded {
                    c.spans
                        .iter()
                        .map(|r| format!("«{}» ({}–{})", excerpt(&slice(body, r.start, r.end), 80), r.start, r.end))
                        .collect::<Vec<_>>()
                        .join("; ")
                } else {
                    t.t("qual.not_coded").to_string()
                };
                format!("{}: {what}", coder_name(c.coder))
            })
            .collect();
        row.push(Cell::text(sides.join(" | ")));
        row.push(Cell::text(t.t(if done { "qual.reconciled" } else { "qual.open" })));
        rows.push(row);
        if !done {
            for c in d.coders.iter().filter(|c| c.coded) {
                choices.push((
                    format!("{}:{}:{}:{}:{}", d.source, d.code, d.start, d.end, c.coder),
                    format!(
                        "{} — {} — {}–{} — {}",
                        source.map(|s| s.title.as_str()).unwrap_or(""),
                        code_name(d.code),
                        d.start,
                        d.end,
                        coder_name(c.coder)
                    ),
                ));
            }
        }
    }
    let mut sec = Section::table(
        t,
        "disagreements",
        format!("{} ({})", t.t("qual.disagreements"), list.len()),
        &["qual.source", "field.code_id", "qual.kind", "qual.side_by_side", "field.status"],
        rows,
        t.t("qual.no_disagreements"),
    );
    if keeps(auth) && !choices.is_empty() {
        let v = form.map(|f| f.get("decision")).unwrap_or_default();
        sec.form = Some(Form::new(
            "reconcile",
            format!("/qual/studies/{id}/agreement"),
            t.t("qual.reconcile"),
            vec![
                Field::select("decision", t.t("field.decision"), &v, choices, Some(t.t("common.choose")))
                    .required()
                    .hint(t.t("qual.reconcile_hint")),
            ],
        ));
    }
    pg.sections.push(sec);
    Ok(pg)
}

async fn agreement_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let pg = agreement_view(&state, &auth, lang, id, None).await.map_err(|e| e.page(lang))?;
    Ok(crate::html::render(&pg))
}

/// Records the reconciled coding: the chosen coder's spans of the cluster, as the
/// reconciler's own codings outside the blind phase.
async fn reconcile_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let result = async {
        let st = study_of(&state, &auth, id, true).await?;
        let raw = form.get("decision");
        if raw.trim().is_empty() {
            return Err(Error::unprocessable("decision", "is required"));
        }
        let parts: Vec<u32> = raw.split(':').filter_map(|p| p.trim().parse().ok()).collect();
        let [source, code, start, end, coder] = parts[..] else {
            return Err(Error::unprocessable("decision", "is not one of the disagreements listed"));
        };
        let facts = state.store().facts(id, true).await?;
        let spans: Vec<_> = facts
            .codings
            .iter()
            .filter(|g| {
                g.source_id == i64::from(source)
                    && g.code_id == i64::from(code)
                    && g.coder_id == i64::from(coder)
                    && g.start < end
                    && g.end > start
            })
            .copied()
            .collect();
        if spans.is_empty() {
            return Err(Error::unprocessable("decision", "is not one of the disagreements listed"));
        }
        let me = super::coding::me(&state, &auth, st.id).await?;
        for g in spans {
            let n = NewCoding {
                source_id: g.source_id,
                code_id: g.code_id,
                start: g.start,
                end: g.end,
                memo: Some("rekonsiliasi".into()),
            };
            state.store().add_coding(me.id, &n, Phase::Reconciled).await?;
        }
        Ok(format!("/qual/studies/{id}/agreement#disagreements"))
    }
    .await;
    answer(lang, result, "disagreements", || agreement_view(&state, &auth, lang, id, Some(&form))).await
}
