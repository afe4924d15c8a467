//! Conformance checks of qualitative studies: informants with unique pseudonyms, sources kept
//! as given and normalised, codes under several parents without cycles, codings inside the
//! text with their quote, re-anchoring on edit, conclusions with evidence of the same study
//! and their history, the displays' facts, copied codebooks and whole imported projects.

use berdaya_domain::framework::finding::FindingKind;
use berdaya_domain::qual::display::{Cols, Key, Rows, matrix, triangulate};
use berdaya_domain::qual::{
    ConclusionStatus, LinkKind, NewCode, NewCoding, NewConclusion, NewInformant, NewSource, NewStudy, Phase,
    SourceKind, Stance,
};

use super::*;
use crate::qual::{ImportedCode, ImportedCoding, ImportedSource, ImportedStudy};

fn study(title: &str) -> NewStudy {
    NewStudy {
        title: title.into(),
        question: Some("Bagaimana pemberdayaan kelompok tani?".into()),
        region: Some(code("62.71")),
        framework_id: None,
        planned_roles: vec!["Kepala Dinas".into(), "Penyuluh".into()],
        links: vec![],
    }
}

fn informant(pseudonym: &str, role: &str) -> NewInformant {
    NewInformant {
        pseudonym: pseudonym.into(),
        real_name: Some(format!("Nama asli {pseudonym}")),
        role: role.into(),
        sex: None,
        organisation: None,
        sampling_note: None,
        consent_on: None,
    }
}

fn source(title: &str, text: &str, informants: Vec<Id>) -> NewSource {
    NewSource {
        title: title.into(),
        kind: SourceKind::Interview,
        taken_on: Some(date!(2024 - 03 - 05)),
        place: None,
        original: text.into(),
        file_name: None,
        informants,
        links: vec![],
    }
}

fn code_of(name: &str, parents: Vec<Id>, dimensions: Vec<Id>, role: Option<FindingKind>) -> NewCode {
    NewCode { name: name.into(), description: None, color: "#2a9d8f".into(), role, parents, dimensions }
}

/// A study, its informants, sources, codebook, codings and conclusions, end to end.
pub async fn qual_study_coding_conclusions(s: Arc<dyn Store>) {
    let s = &*s;
    seed_regions(s).await;
    let bina = s.framework_by_code("bina").await.expect("bina").expect("bina");
    let (manusia, usaha) = (bina.dimensions[0].id, bina.dimensions[1].id);
    let st = s
        .create_study(&NewStudy { framework_id: Some(bina.id), ..study("Pemberdayaan Kalampangan") })
        .await
        .expect("study");
    assert_eq!((st.planned_roles.len(), st.blind, st.guid.len()), (2, false, 36));
    let other = s.create_study(&study("Studi lain")).await.expect("other study");
    assert_eq!(s.studies(Some(&code("62"))).await.expect("studies").len(), 2);
    assert!(s.studies(Some(&code("33"))).await.expect("studies").is_empty());

    let head = s.add_informant(st.id, &informant("KD", "Kepala Dinas")).await.expect("informant");
    let chair = s.add_informant(st.id, &informant("KT", "Ketua Kelompok")).await.expect("informant");
    assert_err!(
        s.add_informant(st.id, &informant("KD", "Penyuluh")).await,
        StoreError::Duplicate { field: "pseudonym", .. }
    );
    let stranger = s.add_informant(other.id, &informant("X", "Camat")).await.expect("other informant");

    // Text is kept as given and normalised; positions count code points.
    let text = "Pupuk 🌾 mahal.\r\nTraktor rusak, kata ketua.\r\n";
    let a = s.add_source(st.id, &source("Wawancara KD", text, vec![head.id])).await.expect("source");
    assert_eq!(a.original, text);
    assert_eq!(a.body, "Pupuk 🌾 mahal.\nTraktor rusak, kata ketua.\n");
    assert_eq!(a.chars, 42);
    assert_err!(
        s.add_source(st.id, &source("Salah", "teks", vec![stranger.id])).await,
        StoreError::Reference { field: "informant_ids", .. }
    );
    let b =
        s.add_source(st.id, &source("Wawancara KT", "Traktor rusak sejak Mei.", vec![chair.id])).await.expect("source");
    let b2 = s.add_source_informant(b.id, head.id).await.expect("group interview");
    assert_eq!(b2.informants.len(), 2);
    assert_err!(s.add_source_informant(b.id, stranger.id).await, StoreError::Reference { field: "informant_ids", .. });

    let factor = s.add_code(st.id, &code_of("Faktor penghambat", vec![], vec![], None)).await.expect("code");
    let alat = s
        .add_code(st.id, &code_of("Alat rusak", vec![factor.id], vec![usaha], Some(FindingKind::Inhibiting)))
        .await
        .expect("code");
    let both = s
        .add_code(
            st.id,
            &code_of("Biaya", vec![factor.id, alat.id], vec![usaha, manusia], Some(FindingKind::Inhibiting)),
        )
        .await
        .expect("code under two parents");
    assert_eq!(both.parents, vec![factor.id, alat.id]);
    assert_err!(
        s.add_code(st.id, &code_of("alat rusak", vec![], vec![], None)).await,
        StoreError::Duplicate { field: "name", .. }
    );
    // A code cannot sit under its own sub-code.
    assert_err!(
        s.update_code(factor.id, &code_of("Faktor penghambat", vec![both.id], vec![], None), factor.version).await,
        StoreError::Reference { field: "parent_ids", .. }
    );
    assert_err!(
        s.add_code(st.id, &code_of("Dimensi hilang", vec![], vec![999_999], None)).await,
        StoreError::Reference { field: "dimension_ids", .. }
    );

    let ev = super::access::user(s, "evaluator", berdaya_domain::access::Role::Evaluator).await;
    let coder = s.coder_for_user(st.id, ev.id, "evaluator").await.expect("coder");
    assert_eq!(s.coder_for_user(st.id, ev.id, "evaluator").await.expect("same coder").id, coder.id);
    let coding = |source_id, code_id, start, end| NewCoding { source_id, code_id, start, end, memo: None };
    let g1 = s.add_coding(coder.id, &coding(a.id, alat.id, 15, 28), Phase::Open).await.expect("coding");
    assert_eq!(g1.quote, "Traktor rusak");
    // The same code on the same text by the same coder is one coding, not two.
    assert_err!(s.add_coding(coder.id, &coding(a.id, alat.id, 15, 28), Phase::Open).await, StoreError::Invalid(_));
    let g2 = s.add_coding(coder.id, &coding(b.id, alat.id, 0, 13), Phase::Open).await.expect("coding");
    s.add_coding(coder.id, &coding(a.id, both.id, 0, 14), Phase::Open).await.expect("nested coding");
    assert_err!(s.add_coding(coder.id, &coding(a.id, alat.id, 30, 99), Phase::Open).await, StoreError::Invalid(_));
    let foreign = s.add_code(other.id, &code_of("Lain", vec![], vec![], None)).await.expect("code");
    assert_err!(
        s.add_coding(coder.id, &coding(a.id, foreign.id, 0, 3), Phase::Open).await,
        StoreError::Reference { field: "code_id", .. }
    );

    // The displays read the facts: code × informant role.
    let facts = s.facts(st.id, false).await.expect("facts");
    assert_eq!(facts.codings.len(), 3);
    let m = matrix(&facts, Rows::Codes, &[], Cols::Roles);
    let row = m.rows.iter().position(|k| *k == Key::Id(alat.id)).expect("row");
    // Source b is a group interview (chair and head): its coding counts for both roles.
    assert_eq!(m.counts[row].iter().sum::<u32>(), 3);
    assert!(!triangulate(&facts, &[g1.id, g2.id]).flagged());
    assert!(triangulate(&facts, &[g1.id]).flagged());

    // Conclusions: evidence of the same study only; every change in the history.
    let x = s
        .add_conclusion(
            st.id,
            &NewConclusion { claim: "Alat rusak menghambat".into(), status: ConclusionStatus::Tentative, note: None },
        )
        .await
        .expect("conclusion");
    s.set_evidence(x.id, g1.id, Stance::Supports).await.expect("evidence");
    let x = s.set_evidence(x.id, g2.id, Stance::Supports).await.expect("evidence");
    assert_eq!(x.evidence.len(), 2);
    let elsewhere = s.add_source(other.id, &source("Lain", "Teks lain sekali", vec![])).await.expect("source");
    let their = s.coder_for_user(other.id, ev.id, "evaluator").await.expect("coder");
    let gx = s.add_coding(their.id, &coding(elsewhere.id, foreign.id, 0, 4), Phase::Open).await.expect("coding");
    assert_err!(s.set_evidence(x.id, gx.id, Stance::Supports).await, StoreError::Reference { field: "coding_id", .. });
    let x = s
        .update_conclusion(
            x.id,
            &NewConclusion {
                claim: x.claim.clone(),
                status: ConclusionStatus::Verified,
                note: Some("dua sumber".into()),
            },
            x.version,
        )
        .await
        .expect("verify");
    assert_eq!(x.status, ConclusionStatus::Verified);
    assert_eq!(s.conclusion_history(x.id).await.expect("history").len(), 2);
    assert_err!(s.delete_coding(g1.id).await, StoreError::Invalid(_));

    // Editing the text re-anchors codings by their quote; a lost quote refuses the edit.
    let edited = format!("Catatan awal.\n{}", a.body);
    let moved = s.edit_source_text(a.id, &edited, a.version, false).await.expect("edit");
    assert_eq!(moved.moved, 2);
    let g1 = s.coding(g1.id).await.expect("coding");
    assert_eq!((g1.start, g1.end), (29, 42));
    let a = s.source(a.id).await.expect("source");
    assert_err!(s.edit_source_text(a.id, "Semua baru.", a.version, false).await, StoreError::Invalid(_));

    // Codebooks copy between studies, parents and dimensions kept.
    let copy = s.create_study(&study("Salinan")).await.expect("study");
    assert_eq!(s.copy_codebook(st.id, copy.id).await.expect("copy"), 3);
    let copied = s.codes(copy.id).await.expect("codes");
    let biaya = copied.iter().find(|k| k.name == "Biaya").expect("copied");
    assert_eq!((biaya.parents.len(), biaya.dimensions.len()), (2, 2));

    // A whole project imports at once, keeping GUIDs; a bad coding leaves nothing behind.
    let g = |n: u8| format!("{n:08X}-0000-4000-8000-000000000000");
    let project = ImportedStudy {
        study: Some(study("Impor")),
        guid: Some(g(1)),
        coders: vec![(g(2), "Ana".into())],
        codes: vec![ImportedCode {
            guid: g(3),
            new: code_of("Kode impor", vec![], vec![], None),
            parent_guids: vec![],
        }],
        sources: vec![ImportedSource { guid: g(4), new: source("Sumber impor", "Halo dunia", vec![]) }],
        codings: vec![ImportedCoding {
            guid: g(5),
            selection_guid: g(6),
            source_guid: g(4),
            code_guid: g(3),
            coder_guid: g(2),
            start: 5,
            end: 10,
            memo: None,
            phase: Phase::Open,
        }],
        sets: vec![crate::qual::ImportedSet {
            guid: g(8),
            name: "Set lain".into(),
            description: None,
            key: None,
            member_guids: vec![g(3)],
        }],
        conclusions: vec![(g(7), "Catatan".into(), vec![g(5)])],
    };
    let id = s.import_study(&project, None).await.expect("import");
    let imported = s.study(id).await.expect("study");
    assert_eq!(imported.guid, g(1));
    let codings = s.codings(id).await.expect("codings");
    assert_eq!((codings[0].quote.as_str(), codings[0].guid.as_str()), ("dunia", g(5).as_str()));
    assert_eq!(s.conclusions(id).await.expect("conclusions")[0].evidence.len(), 1);
    let sets = s.sets(id).await.expect("sets");
    assert_eq!((sets.len(), sets[0].guid.as_str(), sets[0].members.len()), (1, g(8).as_str(), 1));
    let before = s.studies(None).await.expect("studies").len();
    let mut bad = project.clone();
    bad.codings[0].end = 99;
    assert_err!(s.import_study(&bad, None).await, StoreError::Invalid(_));
    assert_eq!(s.studies(None).await.expect("studies").len(), before);
    let _ = LinkKind::Program;
}
