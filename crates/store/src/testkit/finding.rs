//! Conformance checks of [`FindingStore`](crate::finding::FindingStore): factors and the
//! efforts answering them, tagged with the four bina, linked to groups, with evidence; an
//! effort may answer only an inhibiting factor of its own program; a refused write leaves
//! nothing; the inhibiting factors no effort answers yet.

use berdaya_domain::framework::finding::{EvidenceKind, FindingKind, LinkKind, NewEvidence, NewFinding, unanswered};

use super::checks::program_draft;
use super::*;

fn finding(program: Id, kind: FindingKind, title: &str, answers: Vec<Id>, dims: Vec<Id>) -> NewFinding {
    NewFinding {
        program_id: program,
        kind,
        title: title.into(),
        description: None,
        noted_on: None,
        answers,
        dimensions: dims,
        links: Vec::new(),
    }
}

pub async fn findings_matrix(s: Arc<dyn Store>) {
    let s = &*s;
    seed_regions(s).await;
    let agency = s
        .create_agency(&NewAgency {
            name: "Dinas Pertanian".into(),
            kind: AgencyKind::Agency,
            region: code(KALAMPANGAN),
            parent_id: None,
        })
        .await
        .expect("agency");
    let p = s.create_program(&program_draft("Buah naga", agency.id, &[KALAMPANGAN])).await.expect("program");
    let other = s.create_program(&program_draft("Lain", agency.id, &[KALAMPANGAN])).await.expect("program");
    let g = s
        .create_group(&NewGroup {
            name: "Poktan".into(),
            kind: GroupKind::FarmerGroup,
            region: code(KALAMPANGAN),
            founded_on: None,
            description: None,
        })
        .await
        .expect("group");
    let bina = s.framework_by_code("bina").await.expect("read").expect("the four bina ship");
    let (manusia, lingkungan) = (bina.dimensions[0].id, bina.dimensions[2].id);

    let mut low = finding(p.id, FindingKind::Inhibiting, "Tingkat pendidikan rendah", vec![], vec![manusia]);
    low.links = vec![(LinkKind::Group, g.id)];
    let low = s.create_finding(&low).await.expect("factor");
    assert_eq!((low.dimensions.clone(), low.links.clone()), (vec![manusia], vec![(LinkKind::Group, g.id)]));
    let flood = s
        .create_finding(&finding(p.id, FindingKind::Inhibiting, "Saluran air buruk", vec![], vec![lingkungan]))
        .await
        .expect("factor");
    let misik = s
        .create_finding(&finding(p.id, FindingKind::Supporting, "Agrowisata Misik", vec![], vec![]))
        .await
        .expect("support");
    let effort = s
        .create_finding(&finding(p.id, FindingKind::Effort, "Pendampingan penyuluh", vec![low.id], vec![manusia]))
        .await
        .expect("effort");
    assert_eq!(effort.answers, vec![low.id]);

    // Refused: answering a supporting factor, another program's factor, an unknown dimension or group.
    let before = s.program_findings(p.id).await.expect("findings");
    assert_err!(
        s.create_finding(&finding(p.id, FindingKind::Effort, "x", vec![misik.id], vec![])).await,
        StoreError::Reference { field: "answers", .. }
    );
    let theirs =
        s.create_finding(&finding(other.id, FindingKind::Inhibiting, "lain", vec![], vec![])).await.expect("other");
    assert_err!(
        s.create_finding(&finding(p.id, FindingKind::Effort, "x", vec![low.id, theirs.id], vec![])).await,
        StoreError::Reference { field: "answers", .. }
    );
    assert_err!(
        s.create_finding(&finding(p.id, FindingKind::Effort, "x", vec![low.id], vec![manusia + 999])).await,
        StoreError::Reference { field: "dimension_ids", .. }
    );
    let mut bad = finding(p.id, FindingKind::Inhibiting, "x", vec![], vec![]);
    bad.links = vec![(LinkKind::Group, g.id + 999)];
    assert_err!(s.create_finding(&bad).await, StoreError::Reference { field: "group_ids", .. });
    assert_eq!(s.program_findings(p.id).await.expect("findings"), before, "nothing written");

    // Evidence, and the factor with no effort yet.
    let quote = NewEvidence {
        kind: EvidenceKind::Quote,
        text: "Banjir kalau hujan deras".into(),
        source: Some("Wawancara ketua poktan".into()),
        attachment_id: None,
    };
    let e = s.add_evidence(flood.id, &quote).await.expect("evidence");
    assert_eq!(
        (e.finding_id, e.kind, e.source.as_deref()),
        (flood.id, EvidenceKind::Quote, Some("Wawancara ketua poktan"))
    );
    assert_err!(s.add_evidence(flood.id + 999, &quote).await, StoreError::NotFound { entity: "finding" });
    let all = s.program_findings(p.id).await.expect("findings");
    assert_eq!(
        all.iter().map(|f| f.id).collect::<Vec<_>>(),
        [low.id, flood.id, misik.id, effort.id],
        "factors, support, efforts"
    );
    assert_eq!(unanswered(&all).iter().map(|f| f.id).collect::<Vec<_>>(), [flood.id]);
    assert_eq!(s.finding(flood.id).await.expect("one").evidence, vec![e]);
    assert_err!(s.finding(flood.id + 999).await, StoreError::NotFound { entity: "finding" });
    assert_err!(s.program_findings(p.id + 999).await, StoreError::NotFound { entity: "program" });
}
