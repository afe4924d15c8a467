//! The qualitative studies of seeds 000 and 001 on top of the demo programs.
//!
//! Seed 000: the study of the dragon-fruit farmer groups of Kalampangan — four purposive
//! informants (the head of the agriculture agency, the head of the extension center (BPP), an
//! extension worker and a farmer-group chair), their interviews, an observation and the
//! agency's report, coded with the four *bina* and the supporting / inhibiting / effort roles
//! by two coders (the lead researcher and an assistant), two interviews also coded blind by
//! both for inter-coder agreement, and conclusions with their evidence.
//!
//! Seed 001: Kampung Tangguh Semeru in Dusun Gerdu read through the 7D stages, with the
//! police officer, the village head and a manager as informants.
//!
//! The transcripts are synthetic, written from the seeds' findings ("Data demo").

use anyhow::{Context, anyhow};
use berdaya_domain::framework::finding::FindingKind;
use berdaya_domain::qual::{
    ConclusionStatus, LinkKind, NewCode, NewConclusion, NewInformant, NewSource, NewStudy, Phase, Sex, SourceKind,
    Stance, derived_guid,
};
use berdaya_domain::registry::{Id, RegionCode};
use berdaya_store::Store;
use berdaya_store::qual::{ImportedCode, ImportedCoding, ImportedSource, ImportedStudy};
use time::macros::date;

use super::kotaku::{group_named, program_named};
use super::places::{GERDU, KALAMPANGAN};

/// A code: key, name, parent key, role, dimension codes.
type CodePlan = (&'static str, &'static str, Option<&'static str>, Option<FindingKind>, &'static [&'static str]);
/// A source: key, title, kind, date, informant keys, text.
type SourcePlan = (&'static str, &'static str, SourceKind, time::Date, &'static [&'static str], &'static str);
/// Evidence: source key, code key, phrase, stance.
type EvidencePlan = (&'static str, &'static str, &'static str, Stance);
/// A conclusion: claim, status, evidence.
type ConclusionPlan = (&'static str, ConclusionStatus, &'static [EvidencePlan]);

/// A study's material as written here: codes `(key, name, parent key, role, dimension codes)`,
/// sources `(key, title, kind, date, informant keys, text)`, codings `(source key, code key,
/// phrase, coder, phase)`.
struct Plan {
    title: &'static str,
    question: &'static str,
    region: &'static str,
    framework: &'static str,
    roles: &'static [&'static str],
    program: &'static str,
    group: Option<&'static str>,
    informants: &'static [(&'static str, &'static str, &'static str, Sex, &'static str)],
    codes: &'static [CodePlan],
    sources: &'static [SourcePlan],
    codings: &'static [(&'static str, &'static str, &'static str, u8, Phase)],
    /// `(claim, status, [(source key, code key, phrase, stance)])`.
    conclusions: &'static [ConclusionPlan],
}

const LEAD: u8 = 0;
const ASSISTANT: u8 = 1;

const KD: &str = "Pemberdayaan kelompok tani buah naga di Kalampangan sudah kami jalankan lewat empat bina. \
Untuk bina manusia kami adakan penyuluhan, pelatihan dan pendampingan oleh para penyuluh di BPP.
Masalahnya, tingkat pendidikan petani masih rendah, jadi setiap program perlu pendampingan terus-menerus.
Kami juga sudah menyerahkan alat mesin pertanian, tetapi kelompok tani belum mampu mengoperasikan alat mesin pertanian itu dengan baik.
Lahan di Kalampangan luas, sekitar 733 hektare untuk buah dan sayur, itu potensi besar bagi kami.
Ke depan kami akan menambah pelatihan penggunaan alat mesin pertanian lewat BPP Kalampangan.";

const KB: &str =
    "BPP Kalampangan menjadi tempat pelatihan pengolahan lahan gambut dan pengoperasian alat mesin pertanian. \
Kami melihat pengolahan lahan kurang tepat: pemberian pupuk yang tidak seimbang, tidak disesuaikan dengan kondisi tanah.
Karena itu penyuluh kami memberi sosialisasi pemupukan berimbang sesuai kondisi tanah.
Kelompok tani di sini aktif, pertemuan rutin setiap bulan dan anggotanya mau belajar.
Saluran air belum baik, sehingga ketika hujan deras lahan banjir dan tanaman rusak.";

const PP: &str = "Sebagai penyuluh saya mendampingi kelompok tani hampir setiap minggu.
Banyak batang tanaman terserang penyakit cacar dan busuk batang sehingga produksi buah naga terganggu.
Kami mengajarkan cara memisahkan tanaman sakit dan membuat drainase agar lahan tidak tergenang.
Petani masih kesulitan mengoperasikan alat mesin pertanian, terutama traktor roda dua.
Pendidikan petani rendah, sehingga materi harus disampaikan dengan praktik langsung di lahan.";

const KT: &str = "Kami anggota kelompok tani senang ada penyuluhan dan pendampingan dari penyuluh BPP.
Tapi alat mesin pertanian yang diberikan jarang dipakai karena kami belum bisa mengoperasikannya.
Kalau hujan deras, saluran air tidak cukup dan lahan banjir, batang busuk.
Kelompok kami aktif, kami iuran dan bergantian menjaga lahan.
Dengan pelatihan pengolahan lahan gambut dari BPP hasil panen mulai naik.";

const OBS: &str = "Observasi di lahan Kelompok Tani Buah Naga Kalampangan I, Maret 2024.
Parit di sisi timur lahan tergenang setelah hujan; saluran air belum baik.
Traktor roda dua bantuan dinas tersimpan di gudang dan tampak jarang dipakai.
Beberapa tiang buah naga menunjukkan batang busuk.";

const DOC: &str = "Laporan Tahunan Dinas Pertanian dan Ketahanan Pangan Kota Palangka Raya 2023 (ringkasan).
Kegiatan: penyuluhan 24 kali, pelatihan penggunaan alat mesin pertanian 3 kali, pelatihan pengolahan lahan gambut 2 kali.
Kendala: kemampuan kelompok tani mengoperasikan alat mesin pertanian masih rendah.";

const SEED_000: Plan = Plan {
    title: "Pemberdayaan Kelompok Tani Buah Naga Kalampangan (studi kasus)",
    question: "Upaya apa yang dilakukan Dinas Pertanian dan Ketahanan Pangan dalam memberdayakan kelompok tani buah naga, dan apa faktor penghambat serta pendukungnya?",
    region: KALAMPANGAN,
    framework: "bina",
    roles: &["Kepala Dinas", "Kepala BPP", "Penyuluh Pertanian", "Ketua Kelompok Tani"],
    program: "Pemberdayaan Kelompok Tani Buah Naga Kelurahan Kalampangan",
    group: Some("Kelompok Tani Buah Naga Kalampangan I"),
    informants: &[
        ("kd", "Informan KD", "Kepala Dinas", Sex::Male, "Dinas Pertanian dan Ketahanan Pangan Kota Palangka Raya"),
        ("kb", "Informan KB", "Kepala BPP", Sex::Male, "UPTD BPP Kalampangan"),
        ("pp", "Informan PP", "Penyuluh Pertanian", Sex::Female, "UPTD BPP Kalampangan"),
        ("kt", "Informan KT", "Ketua Kelompok Tani", Sex::Male, "Kelompok Tani Buah Naga Kalampangan I"),
    ],
    codes: &[
        ("hambat", "Faktor penghambat", None, Some(FindingKind::Inhibiting), &[]),
        ("dukung", "Faktor pendukung", None, Some(FindingKind::Supporting), &[]),
        ("upaya", "Upaya", None, Some(FindingKind::Effort), &[]),
        ("didik", "Pendidikan petani rendah", Some("hambat"), Some(FindingKind::Inhibiting), &["manusia"]),
        (
            "alsintan",
            "Belum mampu mengoperasikan alsintan",
            Some("hambat"),
            Some(FindingKind::Inhibiting),
            &["manusia", "usaha"],
        ),
        ("pupuk", "Pemupukan tidak berimbang", Some("hambat"), Some(FindingKind::Inhibiting), &["lingkungan"]),
        ("penyakit", "Penyakit batang", Some("hambat"), Some(FindingKind::Inhibiting), &["lingkungan", "usaha"]),
        ("drainase", "Saluran air buruk", Some("hambat"), Some(FindingKind::Inhibiting), &["lingkungan"]),
        ("lahan", "Lahan luas dan potensial", Some("dukung"), Some(FindingKind::Supporting), &["usaha"]),
        ("aktif", "Kelompok tani aktif", Some("dukung"), Some(FindingKind::Supporting), &["kelembagaan"]),
        (
            "penyuluhan",
            "Penyuluhan dan pendampingan",
            Some("upaya"),
            Some(FindingKind::Effort),
            &["manusia", "kelembagaan"],
        ),
        ("latih_alat", "Pelatihan alsintan", Some("upaya"), Some(FindingKind::Effort), &["manusia", "usaha"]),
        ("gambut", "Pelatihan lahan gambut dan drainase", Some("upaya"), Some(FindingKind::Effort), &["lingkungan"]),
    ],
    sources: &[
        ("kd", "Wawancara Kepala Dinas", SourceKind::Interview, date!(2024 - 03 - 04), &["kd"], KD),
        ("kb", "Wawancara Kepala BPP", SourceKind::Interview, date!(2024 - 03 - 05), &["kb"], KB),
        ("pp", "Wawancara Penyuluh Pertanian", SourceKind::Interview, date!(2024 - 03 - 06), &["pp"], PP),
        ("kt", "Wawancara Ketua Kelompok Tani", SourceKind::Interview, date!(2024 - 03 - 07), &["kt"], KT),
        ("obs", "Observasi lahan Kelompok Tani 1", SourceKind::Observation, date!(2024 - 03 - 08), &[], OBS),
        ("doc", "Laporan Tahunan Dinas 2023", SourceKind::Document, date!(2024 - 03 - 10), &[], DOC),
    ],
    codings: &[
        ("kd", "penyuluhan", "penyuluhan, pelatihan dan pendampingan oleh para penyuluh", LEAD, Phase::Open),
        ("kd", "didik", "tingkat pendidikan petani masih rendah", LEAD, Phase::Open),
        ("kd", "alsintan", "belum mampu mengoperasikan alat mesin pertanian", LEAD, Phase::Open),
        ("kd", "lahan", "Lahan di Kalampangan luas, sekitar 733 hektare", LEAD, Phase::Open),
        ("kd", "latih_alat", "menambah pelatihan penggunaan alat mesin pertanian", LEAD, Phase::Open),
        ("kb", "gambut", "pelatihan pengolahan lahan gambut", LEAD, Phase::Open),
        ("kb", "pupuk", "pemberian pupuk yang tidak seimbang", LEAD, Phase::Open),
        ("kb", "penyuluhan", "sosialisasi pemupukan berimbang", LEAD, Phase::Open),
        ("kb", "aktif", "Kelompok tani di sini aktif", LEAD, Phase::Open),
        ("kb", "drainase", "Saluran air belum baik", LEAD, Phase::Open),
        ("pp", "penyuluhan", "mendampingi kelompok tani hampir setiap minggu", LEAD, Phase::Open),
        ("pp", "penyakit", "terserang penyakit cacar dan busuk batang", LEAD, Phase::Open),
        ("pp", "gambut", "memisahkan tanaman sakit dan membuat drainase", LEAD, Phase::Open),
        ("pp", "alsintan", "kesulitan mengoperasikan alat mesin pertanian", LEAD, Phase::Open),
        ("pp", "didik", "Pendidikan petani rendah", LEAD, Phase::Open),
        ("kt", "penyuluhan", "penyuluhan dan pendampingan dari penyuluh BPP", LEAD, Phase::Open),
        ("kt", "alsintan", "belum bisa mengoperasikannya", LEAD, Phase::Open),
        ("kt", "drainase", "saluran air tidak cukup dan lahan banjir", LEAD, Phase::Open),
        ("kt", "aktif", "Kelompok kami aktif", LEAD, Phase::Open),
        ("kt", "gambut", "pelatihan pengolahan lahan gambut dari BPP", LEAD, Phase::Open),
        ("obs", "drainase", "saluran air belum baik", LEAD, Phase::Open),
        ("obs", "alsintan", "tampak jarang dipakai", LEAD, Phase::Open),
        ("obs", "penyakit", "batang busuk", LEAD, Phase::Open),
        ("doc", "latih_alat", "pelatihan penggunaan alat mesin pertanian 3 kali", LEAD, Phase::Open),
        (
            "doc",
            "alsintan",
            "kemampuan kelompok tani mengoperasikan alat mesin pertanian masih rendah",
            LEAD,
            Phase::Open,
        ),
        // The blind phase: both coders code the extension worker's and the chair's interviews.
        ("pp", "penyuluhan", "mendampingi kelompok tani hampir setiap minggu", LEAD, Phase::Blind),
        ("pp", "penyakit", "terserang penyakit cacar dan busuk batang", LEAD, Phase::Blind),
        ("pp", "gambut", "memisahkan tanaman sakit dan membuat drainase", LEAD, Phase::Blind),
        ("pp", "alsintan", "kesulitan mengoperasikan alat mesin pertanian", LEAD, Phase::Blind),
        ("pp", "didik", "Pendidikan petani rendah", LEAD, Phase::Blind),
        ("kt", "penyuluhan", "penyuluhan dan pendampingan dari penyuluh BPP", LEAD, Phase::Blind),
        ("kt", "alsintan", "belum bisa mengoperasikannya", LEAD, Phase::Blind),
        ("kt", "drainase", "saluran air tidak cukup dan lahan banjir", LEAD, Phase::Blind),
        ("kt", "aktif", "Kelompok kami aktif", LEAD, Phase::Blind),
        ("pp", "penyuluhan", "mendampingi kelompok tani hampir setiap minggu", ASSISTANT, Phase::Blind),
        (
            "pp",
            "penyakit",
            "penyakit cacar dan busuk batang sehingga produksi buah naga terganggu",
            ASSISTANT,
            Phase::Blind,
        ),
        ("pp", "drainase", "membuat drainase agar lahan tidak tergenang", ASSISTANT, Phase::Blind),
        ("pp", "alsintan", "kesulitan mengoperasikan alat mesin pertanian", ASSISTANT, Phase::Blind),
        ("pp", "didik", "Pendidikan petani rendah", ASSISTANT, Phase::Blind),
        ("kt", "penyuluhan", "penyuluhan dan pendampingan dari penyuluh BPP", ASSISTANT, Phase::Blind),
        ("kt", "alsintan", "alat mesin pertanian yang diberikan jarang dipakai", ASSISTANT, Phase::Blind),
        ("kt", "drainase", "saluran air tidak cukup dan lahan banjir", ASSISTANT, Phase::Blind),
        ("kt", "aktif", "Kelompok kami aktif", ASSISTANT, Phase::Blind),
        ("kt", "gambut", "pelatihan pengolahan lahan gambut dari BPP", ASSISTANT, Phase::Blind),
    ],
    conclusions: &[
        (
            "Ketidakmampuan mengoperasikan alsintan menghambat bina usaha, dan pelatihan BPP menjadi upaya utamanya.",
            ConclusionStatus::Verified,
            &[
                ("kd", "alsintan", "belum mampu mengoperasikan alat mesin pertanian", Stance::Supports),
                ("kt", "alsintan", "belum bisa mengoperasikannya", Stance::Supports),
                ("obs", "alsintan", "tampak jarang dipakai", Stance::Supports),
                ("doc", "latih_alat", "pelatihan penggunaan alat mesin pertanian 3 kali", Stance::Supports),
            ],
        ),
        (
            "Lahan yang luas mendukung bina usaha kelompok tani.",
            ConclusionStatus::Tentative,
            &[("kd", "lahan", "Lahan di Kalampangan luas, sekitar 733 hektare", Stance::Supports)],
        ),
    ],
};

const POLISI: &str =
    "Kampung Tangguh Semeru di Dusun Gerdu dimulai dengan membangun hubungan dengan warga lewat sambang rutin.
Kami bersama warga menemukan kapasitas: lumbung pangan, posko kesehatan dan ronda.
Warga memimpikan dusun yang tangguh menghadapi pandemi dan bencana.
Kendalanya, sebagian warga awalnya enggan karena takut dengan aturan.";

const KADES: &str = "Pemerintah desa mendukung dengan anggaran dan rembug desa untuk mengarahkan aksi.
Bersama pengelola kami merancang kegiatan: warung kampung, kebun sayur dan posko.
Kegiatan dilaksanakan sambil dipantau setiap bulan di balai dusun.";

const PENGELOLA: &str = "Warung kampung sekarang menambah penghasilan warga.
Kami mendokumentasikan semua kegiatan dan belajar dari kegiatan yang gagal.
Masalahnya modal untuk mengembangkan warung masih kurang.";

const SEED_001: Plan = Plan {
    title: "Kampung Tangguh Semeru Dusun Gerdu dibaca dengan 7D",
    question: "Bagaimana tahap-tahap 7D berjalan dalam pemberdayaan Kampung Tangguh Semeru?",
    region: GERDU,
    framework: "7d",
    roles: &["Bhabinkamtibmas", "Kepala Desa", "Pengelola KTS", "Warga"],
    program: "Kampung Tangguh Semeru Dusun Gerdu",
    group: None,
    informants: &[
        ("pol", "Informan BH", "Bhabinkamtibmas", Sex::Male, "Polsek setempat"),
        ("kades", "Informan KDS", "Kepala Desa", Sex::Male, "Pemerintah Desa Tulungrejo"),
        ("peng", "Informan PG", "Pengelola KTS", Sex::Female, "Pengelola Kampung Tangguh Semeru"),
    ],
    codes: &[
        ("s1", "Membangun hubungan", None, None, &["developing"]),
        ("s2", "Menemukan kapasitas", None, None, &["discovering"]),
        ("s3", "Memimpikan masa depan", None, None, &["dreaming"]),
        ("s4", "Mengarahkan aksi", None, None, &["directing"]),
        ("s5", "Merancang aksi", None, None, &["designing"]),
        ("s6", "Melaksanakan dan memantau", None, None, &["delivering"]),
        ("s7", "Mendokumentasikan dan belajar", None, None, &["documenting"]),
        ("hambat", "Faktor penghambat", None, Some(FindingKind::Inhibiting), &[]),
    ],
    sources: &[
        ("pol", "Wawancara Bhabinkamtibmas", SourceKind::Interview, date!(2022 - 08 - 10), &["pol"], POLISI),
        ("kades", "Wawancara Kepala Desa", SourceKind::Interview, date!(2022 - 08 - 11), &["kades"], KADES),
        ("peng", "Wawancara Pengelola KTS", SourceKind::Interview, date!(2022 - 08 - 12), &["peng"], PENGELOLA),
    ],
    codings: &[
        ("pol", "s1", "membangun hubungan dengan warga lewat sambang rutin", LEAD, Phase::Open),
        ("pol", "s2", "menemukan kapasitas: lumbung pangan, posko kesehatan dan ronda", LEAD, Phase::Open),
        ("pol", "s3", "memimpikan dusun yang tangguh", LEAD, Phase::Open),
        ("pol", "hambat", "sebagian warga awalnya enggan", LEAD, Phase::Open),
        ("kades", "s4", "rembug desa untuk mengarahkan aksi", LEAD, Phase::Open),
        ("kades", "s5", "merancang kegiatan: warung kampung, kebun sayur dan posko", LEAD, Phase::Open),
        ("kades", "s6", "dilaksanakan sambil dipantau setiap bulan", LEAD, Phase::Open),
        ("peng", "s6", "Warung kampung sekarang menambah penghasilan warga", LEAD, Phase::Open),
        ("peng", "s7", "mendokumentasikan semua kegiatan dan belajar", LEAD, Phase::Open),
        ("peng", "hambat", "modal untuk mengembangkan warung masih kurang", LEAD, Phase::Open),
    ],
    conclusions: &[(
        "Tahap melaksanakan dan memantau menghasilkan tambahan penghasilan warga lewat warung kampung.",
        ConclusionStatus::Tentative,
        &[
            ("kades", "s6", "dilaksanakan sambil dipantau setiap bulan", Stance::Supports),
            ("peng", "s6", "Warung kampung sekarang menambah penghasilan warga", Stance::Supports),
        ],
    )],
};

/// The code points where `phrase` starts and ends in `text`.
fn span(text: &str, phrase: &str) -> anyhow::Result<(u32, u32)> {
    let at = text.find(phrase).ok_or_else(|| anyhow!("the demo phrase «{phrase}» is not in its transcript"))?;
    let start = text[..at].chars().count() as u32;
    Ok((start, start + phrase.chars().count() as u32))
}

fn guid(study: &str, what: &str) -> String {
    derived_guid(&format!("demo/{study}/{what}"))
}

async fn load_plan(store: &dyn Store, plan: &Plan) -> anyhow::Result<Id> {
    let framework =
        store.framework_by_code(plan.framework).await?.with_context(|| format!("framework {}", plan.framework))?;
    let program = program_named(store, plan.program).await?;
    let mut links = vec![(LinkKind::Program, program.id)];
    if let Some(g) = plan.group {
        links.push((LinkKind::Group, group_named(store, g).await?.id));
    }
    let region = RegionCode::parse(plan.region).map_err(|e| anyhow!("demo region: {e}"))?;
    let key = plan.framework;
    let dim = |code: &str| framework.dimensions.iter().find(|d| d.code.as_str() == code).map(|d| d.id);
    let codes = plan
        .codes
        .iter()
        .map(|(k, name, parent, role, dims)| {
            Ok(ImportedCode {
                guid: guid(key, &format!("code/{k}")),
                new: NewCode {
                    name: (*name).into(),
                    description: None,
                    color: berdaya_domain::qual::PALETTE[name.len() % 8].into(),
                    role: *role,
                    parents: Vec::new(),
                    dimensions: dims
                        .iter()
                        .map(|d| dim(d).with_context(|| format!("dimension {d}")))
                        .collect::<anyhow::Result<_>>()?,
                },
                parent_guids: parent.iter().map(|p| guid(key, &format!("code/{p}"))).collect(),
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let text_of = |k: &str| plan.sources.iter().find(|s| s.0 == k).map(|s| s.5).unwrap_or("");
    let sources = plan
        .sources
        .iter()
        .map(|(k, title, kind, on, _, text)| ImportedSource {
            guid: guid(key, &format!("source/{k}")),
            new: NewSource {
                title: (*title).into(),
                kind: *kind,
                taken_on: Some(*on),
                place: Some("Data demo".into()),
                original: (*text).into(),
                file_name: None,
                informants: Vec::new(),
                links: vec![(LinkKind::Program, program.id)],
            },
        })
        .collect();
    let mut codings = Vec::new();
    for (i, (s, c, phrase, coder, phase)) in plan.codings.iter().enumerate() {
        let (start, end) = span(text_of(s), phrase)?;
        codings.push(ImportedCoding {
            guid: guid(key, &format!("coding/{i}")),
            selection_guid: guid(key, &format!("selection/{i}")),
            source_guid: guid(key, &format!("source/{s}")),
            code_guid: guid(key, &format!("code/{c}")),
            coder_guid: guid(key, &format!("coder/{coder}")),
            start,
            end,
            memo: None,
            phase: *phase,
        });
    }
    let study = ImportedStudy {
        study: Some(NewStudy {
            title: plan.title.into(),
            question: Some(plan.question.into()),
            region: Some(region),
            framework_id: Some(framework.id),
            planned_roles: plan.roles.iter().map(|r| (*r).to_string()).collect(),
            links,
        }),
        guid: Some(guid(key, "study")),
        coders: vec![
            (guid(key, "coder/0"), "Peneliti utama (demo)".into()),
            (guid(key, "coder/1"), "Asisten peneliti (demo)".into()),
        ],
        codes,
        sources,
        codings,
        sets: Vec::new(),
        conclusions: Vec::new(),
    };
    let id = store.import_study(&study, None).await.with_context(|| format!("the study {}", plan.title))?;

    // Informants, and the sources they speak in.
    let stored = store.sources(id).await?;
    for (k, pseudonym, role, sex, org) in plan.informants {
        let i = store
            .add_informant(
                id,
                &NewInformant {
                    pseudonym: (*pseudonym).into(),
                    real_name: Some(format!("{role} (nama demo)")),
                    role: (*role).into(),
                    sex: Some(*sex),
                    organisation: Some((*org).into()),
                    sampling_note: Some("Purposive: memegang peran kunci dalam program.".into()),
                    consent_on: Some(date!(2024 - 03 - 01)),
                },
            )
            .await?;
        for (sk, _, _, _, who, _) in plan.sources {
            if who.contains(k) {
                let g = guid(key, &format!("source/{sk}"));
                if let Some(s) = stored.iter().find(|s| s.guid == g) {
                    store.add_source_informant(s.id, i.id).await?;
                }
            }
        }
    }

    // Conclusions and their evidence (open codings of the lead researcher).
    let codings = store.codings(id).await?;
    for (claim, status, evidence) in plan.conclusions {
        let c = store
            .add_conclusion(
                id,
                &NewConclusion {
                    claim: (*claim).into(),
                    status: ConclusionStatus::Tentative,
                    note: Some("Data demo".into()),
                },
            )
            .await?;
        for (s, code, phrase, stance) in evidence.iter() {
            let (start, end) = span(text_of(s), phrase)?;
            let sg = guid(key, &format!("source/{s}"));
            let source = stored.iter().find(|x| x.guid == sg).context("demo source")?;
            let cg = guid(key, &format!("code/{code}"));
            let code_id = store.codes(id).await?.into_iter().find(|k| k.guid == cg).context("demo code")?.id;
            let g = codings
                .iter()
                .find(|g| {
                    g.source_id == source.id
                        && g.code_id == code_id
                        && g.start == start
                        && g.end == end
                        && g.phase == Phase::Open
                })
                .with_context(|| format!("the demo coding «{phrase}»"))?;
            store.set_evidence(c.id, g.id, *stance).await?;
        }
        if *status != ConclusionStatus::Tentative {
            store
                .update_conclusion(
                    c.id,
                    &NewConclusion {
                        claim: (*claim).into(),
                        status: *status,
                        note: Some("Diperiksa dengan observasi dan dokumen".into()),
                    },
                    c.version,
                )
                .await?;
        }
    }
    Ok(id)
}

pub(super) async fn load(store: &dyn Store) -> anyhow::Result<()> {
    load_plan(store, &SEED_000).await.context("the seed-000 study")?;
    load_plan(store, &SEED_001).await.context("the seed-001 study")?;
    Ok(())
}
