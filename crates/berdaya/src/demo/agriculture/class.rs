//! Class assessments and findings of the seed-000 story: the three dragon-fruit groups
//! assessed in 2020 and 2023 (one moving up a class), Karya Makmur II assessed under its
//! land-optimization program, and the five inhibiting factors of seed 000 with the efforts
//! that answer them, tagged with the four bina, the supporting factor (Agrowisata Misik
//! Kalampangan, 2022) and quotes as evidence. Fixed data: the same every load.

use anyhow::{Context, anyhow};
use berdaya_domain::agriculture::class::{Instrument, NewAssessment};
use berdaya_domain::framework::finding::{EvidenceKind, FindingKind, LinkKind, NewEvidence, NewFinding};
use berdaya_domain::registry::Id;
use berdaya_store::Store;
use time::Date;
use time::macros::date;

use super::Agri;

/// Scores summing to `total`, spread as evenly as the indicators' maxima allow.
fn scores(i: &Instrument, total: i64) -> Vec<(Id, i64)> {
    let n = i64::try_from(i.indicators.len()).unwrap_or(1).max(1);
    let mut left = total;
    let mut out: Vec<(Id, i64)> = i.indicators.iter().map(|d| (d.id, (total / n).min(d.max_score))).collect();
    left -= out.iter().map(|(_, s)| s).sum::<i64>();
    for (k, (_, s)) in out.iter_mut().enumerate() {
        let max = i.indicators[k].max_score;
        let add = left.min(max - *s).max(0);
        *s += add;
        left -= add;
    }
    out
}

pub(super) async fn load(store: &dyn Store, agri: &Agri) -> anyhow::Result<()> {
    let instrument = store
        .current_class_instrument()
        .await
        .context("reading the class instrument")?
        .ok_or_else(|| anyhow!("no class instrument"))?;
    let assessor = agri.extension_workers.first().unwrap_or(&agri.bpp_head).id;
    let standing = agri.standing.get(6).map(|p| p.id).unwrap_or(agri.program.id);
    // (group, 2020 total, 2023 total): the first moves up from Lanjut to Madya.
    let totals = [(280, 540), (310, 335), (230, 240)];
    for (g, (before, after)) in agri.groups.iter().zip(totals) {
        for (on, total) in [(date!(2020 - 08 - 15), before), (date!(2023 - 08 - 15), after)] {
            let new = NewAssessment {
                group_id: g.id,
                program_id: standing,
                instrument_id: instrument.id,
                assessor_id: assessor,
                assessed_on: on,
                notes: Some("Penilaian kelas oleh penyuluh UPTD BPP Kalampangan. Data demo.".into()),
                scores: scores(&instrument, total),
            };
            store.record_class_assessment(&new).await.with_context(|| format!("assessing {}", g.name))?;
        }
    }
    let km = NewAssessment {
        group_id: agri.karya_makmur.id,
        program_id: agri.km_program.id,
        instrument_id: instrument.id,
        assessor_id: agri.km_extension_worker.id,
        assessed_on: date!(2022 - 03 - 10),
        notes: Some("Penilaian kelas Kelompok Tani Karya Makmur II. Data demo.".into()),
        scores: scores(&instrument, 520),
    };
    store.record_class_assessment(&km).await.context("assessing Karya Makmur II")?;
    findings(store, agri).await
}

/// An inhibiting factor, its bina, a quote, the effort answering it and the effort's bina.
type Story = (&'static str, &'static [&'static str], &'static str, &'static str, &'static [&'static str]);

async fn findings(store: &dyn Store, agri: &Agri) -> anyhow::Result<()> {
    let bina = store.framework_by_code("bina").await?.ok_or_else(|| anyhow!("the four bina are missing"))?;
    let dim = |code: &str| bina.dimensions.iter().find(|d| d.code.as_str() == code).map(|d| d.id);
    let dims = |codes: &[&str]| codes.iter().filter_map(|c| dim(c)).collect::<Vec<_>>();
    let groups: Vec<(LinkKind, Id)> = agri.groups.iter().map(|g| (LinkKind::Group, g.id)).collect();
    let noted: Option<Date> = Some(date!(2023 - 06 - 30));
    let source = Some("Seed 000: hasil penelitian di Kelurahan Kalampangan".to_string());
    // (factor, its bina, quote, effort, the effort's bina)
    let story: [Story; 5] = [
        (
            "Tingkat pendidikan petani yang rendah",
            &["manusia"],
            "Tingkat pendidikan yang rendah sehingga dalam program pemberdayaan dibutuhkannya pendampingan dari para penyuluh.",
            "Pembinaan dan pendampingan kelompok tani oleh para penyuluh",
            &["manusia", "kelembagaan"],
        ),
        (
            "Kurangnya kemampuan mengoperasikan alat mesin pertanian",
            &["manusia", "usaha"],
            "Kurangnya kemampuan kelompok tani dalam mengoperasikan alat mesin pertanian.",
            "Pelatihan penggunaan alat mesin pertanian oleh BPP Kalampangan",
            &["manusia"],
        ),
        (
            "Pemberian pupuk tidak seimbang, tidak sesuai kondisi tanah",
            &["lingkungan", "usaha"],
            "Pengolahan lahan kurang tepat yang dilakukan kelompok tani seperti pemberian pupuk yang tidak seimbang karena tidak disesuaikan dengan kondisi tanah.",
            "Penyuluhan dan sosialisasi pengolahan lahan yang tepat dan pemupukan berimbang sesuai kondisi tanah",
            &["lingkungan", "manusia"],
        ),
        (
            "Batang terserang penyakit cacar dan busuk batang",
            &["lingkungan", "usaha"],
            "Batang tanaman yang terserang penyakit cacar dan busuk batang yang menyebabkan hasil produksi buah naga menjadi terganggu.",
            "Sosialisasi dan pembimbingan memisahkan tanaman sakit dan membuat drainase agar lahan tidak tergenang",
            &["lingkungan"],
        ),
        (
            "Saluran air belum baik sehingga lahan banjir",
            &["lingkungan"],
            "Belum baiknya saluran air sehingga menyebabkan terjadinya banjir di lahan pertanian dikarenakan intensitas hujan yang tinggi.",
            "Pelatihan dan sosialisasi pembuatan saluran air (drainase) serta pembimbingan oleh penyuluh BPP",
            &["lingkungan", "kelembagaan"],
        ),
    ];
    for (factor, fd, quote, effort, ed) in story {
        let f = store
            .create_finding(&NewFinding {
                program_id: agri.program.id,
                kind: FindingKind::Inhibiting,
                title: factor.into(),
                description: None,
                noted_on: noted,
                answers: Vec::new(),
                dimensions: dims(fd),
                links: groups.clone(),
            })
            .await
            .with_context(|| format!("finding {factor}"))?;
        let evidence =
            NewEvidence { kind: EvidenceKind::Quote, text: quote.into(), source: source.clone(), attachment_id: None };
        store.add_evidence(f.id, &evidence).await?;
        store
            .create_finding(&NewFinding {
                program_id: agri.program.id,
                kind: FindingKind::Effort,
                title: effort.into(),
                description: None,
                noted_on: noted,
                answers: vec![f.id],
                dimensions: dims(ed),
                links: groups.clone(),
            })
            .await
            .with_context(|| format!("effort {effort}"))?;
    }
    let misik = store
        .create_finding(&NewFinding {
            program_id: agri.program.id,
            kind: FindingKind::Supporting,
            title: "Agrowisata Misik Kalampangan (diresmikan 2022)".into(),
            description: Some("Menarik wisatawan ke buah naga lokal; membantu perluasan lahan dan pemberian bibit serta pupuk bagi kelompok di kawasan agrowisata.".into()),
            noted_on: Some(date!(2022 - 12 - 31)),
            answers: Vec::new(),
            dimensions: dims(&["usaha", "lingkungan"]),
            links: groups,
        })
        .await?;
    let quote = NewEvidence {
        kind: EvidenceKind::Quote,
        text: "Menarik minat wisatawan melalui agrowisata Misik Kalampangan yang baru saja diresmikan pada tahun 2022."
            .into(),
        source,
        attachment_id: None,
    };
    store.add_evidence(misik.id, &quote).await?;
    Ok(())
}
