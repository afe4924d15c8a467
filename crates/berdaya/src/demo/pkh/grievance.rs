//! Demo grievances and appeals of Pilang's PKH families: an appeal against termination
//! upheld (the family reinstated, with the reason), a complaint about a payment rejected,
//! and a complaint about family data still open.

use anyhow::Context;
use berdaya_domain::pkh::FamilyStatus;
use berdaya_domain::pkh::grievance::{Category, Channel, Decision, GrievanceKind, GrievanceStatus, NewGrievance};
use berdaya_store::Store;
use time::Duration;

/// Loads the three grievances against the families and periods of `pkh`.
pub(super) async fn load(store: &dyn Store, pkh: &super::Pkh) -> anyhow::Result<()> {
    let today = time::OffsetDateTime::now_utc().date();
    let Some(&(period, period_id)) = pkh.periods.iter().rev().find(|(p, _)| p.last_day() + Duration::days(30) < today)
    else {
        return Ok(());
    };
    let mut by_status: Vec<(FamilyStatus, i64)> = Vec::new();
    for &(family_id, _) in &pkh.families {
        by_status.push((store.pkh_family(family_id).await.context("a PKH family")?.status, family_id));
    }
    let with = |s: FamilyStatus| by_status.iter().filter(move |(st, _)| *st == s).map(|(_, f)| *f);
    // Keep one terminated family terminated: reinstate another when there is one, else a
    // suspended family.
    let terminated: Vec<i64> = with(FamilyStatus::Terminated).collect();
    let appellant = if terminated.len() >= 2 {
        Some(terminated[0])
    } else {
        with(FamilyStatus::Suspended).next().or_else(|| with(FamilyStatus::Warning).next())
    };
    let others: Vec<i64> = with(FamilyStatus::Active).filter(|f| Some(*f) != appellant).take(2).collect();
    let received = period.last_day() + Duration::days(10);
    let new = |family_id, kind, channel, category, description: &str, period_id, received_on| NewGrievance {
        family_id,
        kind,
        channel,
        category,
        description: description.into(),
        period_id,
        received_on,
        deadline: received_on + Duration::days(berdaya_domain::pkh::grievance::DEFAULT_DAYS),
    };
    if let Some(family) = appellant {
        let g = store
            .create_pkh_grievance(&new(
                family,
                GrievanceKind::Appeal,
                Channel::Pendamping,
                Category::Status,
                "Keluarga menyanggah sanksi: anak tidak masuk sekolah karena dirawat di RSUD Cepu, \
                 ibu tidak hadir P2K2 karena menunggui anak.",
                Some(period_id),
                received,
            ))
            .await?;
        let review =
            Decision { status: GrievanceStatus::InReview, reason: None, decided_on: received + Duration::days(2) };
        let g = store.decide_pkh_grievance(g.id, &review, g.version).await?;
        let upheld = Decision {
            status: GrievanceStatus::Upheld,
            reason: Some(
                "Surat keterangan rawat inap RSUD Cepu dan surat keterangan sekolah diverifikasi pendamping; \
                 ketidakhadiran karena sakit, keluarga dipulihkan."
                    .into(),
            ),
            decided_on: received + Duration::days(8),
        };
        store.decide_pkh_grievance(g.id, &upheld, g.version).await?;
    }
    if let Some(&family) = others.first() {
        let g = store
            .create_pkh_grievance(&new(
                family,
                GrievanceKind::Complaint,
                Channel::Office,
                Category::Payment,
                "Bantuan tahap terakhir belum masuk ke rekening KKS.",
                None,
                received - Duration::days(3),
            ))
            .await?;
        let rejected = Decision {
            status: GrievanceStatus::Rejected,
            reason: Some(
                "Dana sudah masuk rekening KKS sesuai laporan bank penyalur; kartu terblokir, diarahkan ke bank."
                    .into(),
            ),
            decided_on: received + Duration::days(4),
        };
        store.decide_pkh_grievance(g.id, &rejected, g.version).await?;
    }
    if let Some(&family) = others.get(1) {
        store
            .create_pkh_grievance(&new(
                family,
                GrievanceKind::Complaint,
                Channel::Sms,
                Category::Data,
                "Tanggal lahir anak kedua di data keluarga salah, mohon diperbaiki.",
                None,
                (received + Duration::days(20)).min(today),
            ))
            .await?;
    }
    Ok(())
}
