//! The PKH panel of the household page: for each PKH family of the household, its status,
//! facilitator, components now and at each closed period, compliance and status per period,
//! and the other parts' sections (stage payments, P2K2 progress, grievances and appeals),
//! with a link to the family's page.

use berdaya_domain::pkh::components::benefit;
use berdaya_domain::registry::Id;

use super::families::{readable_family, rupiah, status_label};
use crate::AppState;
use crate::access::guard::Auth;
use crate::error::Error;
use crate::html::{Cell, Link, Section, Table};
use crate::i18n::Lang;

/// The household's PKH sections (none when it is no PKH family the caller may see).
pub async fn household_panel(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    household_id: Id,
) -> Result<Vec<Section>, Error> {
    let t = lang.tr();
    let store = state.store();
    let mut out = Vec::new();
    for f in store.household_pkh_families(household_id).await? {
        let Ok(rec) = readable_family(state, auth, f.program_id, f.id).await else { continue };
        let today = time::OffsetDateTime::now_utc().date();
        let periods = store.pkh_family_periods(f.id).await?;
        let mut rows = Vec::new();
        let (members, rules) = store.pkh_family_members(f.id, today.year()).await?;
        let now = benefit(&members.members_on(today, &rules), today, &rules);
        let held = |b: &berdaya_domain::pkh::components::Benefit| {
            b.counted().map(|l| l.component.label(lang.code()).to_string()).collect::<Vec<_>>().join(", ")
        };
        rows.push(vec![
            Cell::text(t.t("pkh_fam.today")),
            Cell::text(held(&now)),
            Cell::text(rupiah(now.annual)),
            Cell::text("—"),
            Cell::text(status_label(lang, f.status)),
        ]);
        for p in periods.iter().rev() {
            let on = p.period.last_day();
            let (members, rules) = store.pkh_family_members(f.id, on.year()).await?;
            let b = benefit(&members.members_on(on, &rules), on, &rules);
            rows.push(vec![
                Cell::text(p.period.label(lang.code())),
                Cell::text(held(&b)),
                Cell::text(rupiah(b.annual)),
                Cell::text(if p.compliant { t.t("pkh_fam.compliant") } else { t.t("pkh_fam.not_compliant") }),
                Cell::text(status_label(lang, p.status)),
            ]);
        }
        out.push(Section {
            id: format!("pkh-{}", f.id),
            title: format!(
                "PKH — {} · {} · {}: {}",
                rec.program.name,
                status_label(lang, f.status),
                t.t("pkh_fam.facilitator"),
                f.facilitator_name.clone().unwrap_or_else(|| "—".into())
            ),
            table: Some(Table {
                sorts: Vec::new(),
                headers: vec![
                    t.t("pkh_fam.period").into(),
                    t.t("pkh_fam.components").into(),
                    t.t("pkh_fam.annual").into(),
                    t.t("pkh_fam.compliance").into(),
                    t.t("pkh_fam.status").into(),
                ],
                rows,
                empty: "—".into(),
            }),
            links: vec![Link::new(
                t.t("pkh_fam.open_family"),
                format!("/programs/{}/pkh/families/{}", f.program_id, f.id),
            )],
            ..Default::default()
        });
        for panel in [
            super::payments::family_panel(state, lang, f.id).await?,
            super::p2k2::family_panel(state, lang, f.id).await?,
            super::grievances::family_panel(state, lang, f.id).await?,
        ]
        .into_iter()
        .flatten()
        {
            out.push(panel);
        }
    }
    Ok(out)
}
